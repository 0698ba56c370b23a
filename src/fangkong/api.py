"""The JSON API under /api/v1: one router per domain, plus health and error handling."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text

from fangkong import __version__
from fangkong.audit.api import router as audit_router
from fangkong.auth.api import router as auth_router
from fangkong.cases.api import router as cases_router
from fangkong.deps import SessionDep
from fangkong.errors import DomainError
from fangkong.geo.api import router as geo_router
from fangkong.people.api import router as people_router
from fangkong.protocols.api import router as profiles_router
from fangkong.response.api import routers as response_routers
from fangkong.screening.api import router as screening_router
from fangkong.tracing.api import router as tracing_router
from fangkong.tracing.chains_api import router as chains_router

PREFIX = "/api/v1"

health_router = APIRouter(tags=["health"])


@health_router.get("/health")
def health(session: SessionDep) -> dict:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": session.get_bind().dialect.name}


def routers() -> list[APIRouter]:
    return [health_router, auth_router, geo_router, people_router, cases_router, audit_router, profiles_router,
            *response_routers, screening_router, tracing_router, chains_router]


def _field(loc: tuple) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "cookie")]
    return ".".join(parts) or None


def validation_payload(exc: RequestValidationError) -> dict:
    errors = [{"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid value")} for e in exc.errors()]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    return {"code": "invalid", "message": first["message"], "field": first["field"], "errors": errors}


def install_error_handlers(app: FastAPI, *, web_handler=None) -> None:
    """Domain errors → their status with {code, message, field}; validation → 422; no stack traces."""

    def is_api(request: Request) -> bool:
        return request.url.path.startswith(PREFIX) or web_handler is None

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        if not is_api(request):
            return await web_handler(request, exc)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        if not is_api(request):
            return await web_handler(request, exc)
        return JSONResponse(validation_payload(exc), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        import logging

        logging.getLogger("fangkong").exception("unhandled error on %s", request.url.path)
        if not is_api(request):
            return await web_handler(request, exc)
        return JSONResponse({"code": "internal", "message": "internal error", "field": None}, status_code=500)
