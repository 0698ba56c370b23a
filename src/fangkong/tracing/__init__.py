"""Epidemiological investigation and contact tracing (流调与密接追踪): investigations, itineraries,
exposures found in the bulk store of check-ins and grid presence, contacts by category, contacts of
contacts, transmission links, chains and clusters."""
