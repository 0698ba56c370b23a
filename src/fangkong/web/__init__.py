"""Server-rendered pages (Jinja2 + HTMX)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI):
    """Add the web routes; returns the handler that renders errors on web pages (None: JSON everywhere)."""
    return None
