"""Protocol profiles: each edition of the prevention rules as a validated, sourced data file."""
