"""Server-rendered pages (Jinja2 + HTMX): the same services as the JSON API, shown as HTML."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException


def install(app: FastAPI):
    """Add the web routes; returns the handler that renders errors on web pages."""
    from fangkong.audit.web import router as audit_router
    from fangkong.cases.web import router as cases_router
    from fangkong.people.web import router as people_router
    from fangkong.protocols.web import router as profiles_router
    from fangkong.response.web import router as response_router
    from fangkong.screening.web import router as screening_router
    from fangkong.tracing.web import router as tracing_router
    from fangkong.tracing.web_chains import router as chains_router
    from fangkong.tracing.web_contacts import router as contacts_router
    from fangkong.web.auth import router as auth_router
    from fangkong.web.dashboard import router as dashboard_router
    from fangkong.web.errors import http_error_handler, web_error_handler

    for router in (auth_router, dashboard_router, cases_router, people_router, audit_router, response_router,
                   profiles_router, screening_router, tracing_router, contacts_router, chains_router):
        app.include_router(router, include_in_schema=False)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    return web_error_handler
