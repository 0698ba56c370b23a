"""Errors on web pages: 401 → the login page; everything else → an HTML page in the user's language."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fangkong.errors import DomainError
from fangkong.i18n import translations
from fangkong.web.deps import request_language
from fangkong.web.labels import N_, translate_message
from fangkong.web.templating import render

TITLES = {
    400: N_("The request could not be handled"),
    403: N_("You do not have permission to do this"),
    404: N_("Page not found"),
    405: N_("The request could not be handled"),
    409: N_("This record was changed meanwhile"),
    422: N_("Some values are not valid"),
    423: N_("Account locked"),
    500: N_("Something went wrong on the server; the error has been logged"),
}
HINTS = {
    403: N_("Ask your administrator if you need this permission."),
    404: N_("The record does not exist or is outside your jurisdiction."),
}


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login" if request.method != "GET" or target == "/" else f"/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status: int, message: str = "") -> Response:
    if not getattr(request.state, "language", None):
        request.state.language = request_language(request, request.app.state.settings)
    catalogue = translations(request.state.language)
    title = catalogue.gettext(TITLES.get(status, N_("The request could not be handled")))
    hint = catalogue.gettext(HINTS[status]) if status in HINTS else ""
    shown = translate_message(catalogue, message) if message and status not in (404,) else ""
    return render(request, "error.html", {"status": status, "title": title, "message": shown, "hint": hint},
                  status_code=status)


async def web_error_handler(request: Request, exc: Exception) -> Response:
    """Handler for DomainError and RequestValidationError raised by web routes."""
    if isinstance(exc, DomainError):
        if exc.status_code == 401:
            return login_redirect(request)
        return error_page(request, exc.status_code, exc.message)
    if isinstance(exc, RequestValidationError):
        return error_page(request, 404 if _bad_path_param(exc) else 422, "")
    return error_page(request, 500)


def _bad_path_param(exc: RequestValidationError) -> bool:
    # /cases/abc: a malformed id in the path is a page that does not exist.
    return any((e.get("loc") or ("",))[0] == "path" for e in exc.errors())


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    """Unknown paths and wrong methods: HTML on pages, FastAPI's JSON on the API and static files."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")):
        return await http_exception_handler(request, exc)
    return error_page(request, exc.status_code)
