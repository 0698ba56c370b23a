"""Jinja2 environments, one per UI language, with gettext and Babel date/number filters."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from fangkong.config import get_settings
from fangkong.i18n import LANGUAGES, babel_locale, translations
from fangkong.web import labels

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _date_filter(language: str):
    def fmt(value: date | datetime | None, form: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(_zone()).date()
        return format_date(value, format=form, locale=babel_locale(language))
    return fmt


def _datetime_filter(language: str):
    def fmt(value: datetime | None, form: str = "short", tz: ZoneInfo | None = None) -> str:
        """In `tz` (a jurisdiction's zone) when given, else the platform's zone."""
        if value is None:
            return ""
        return format_datetime(value.astimezone(tz or _zone()), format=form, locale=babel_locale(language))
    return fmt


def _number_filter(language: str):
    def fmt(value: float | int | None) -> str:
        return "" if value is None else format_decimal(value, locale=babel_locale(language))
    return fmt


def _percent_filter(language: str):
    def fmt(value: float | None) -> str:
        return "" if value is None else format_percent(value, locale=babel_locale(language))
    return fmt


def local_input(value: datetime | date | None, tz: ZoneInfo | None = None) -> str:
    """A value as an <input type=date|datetime-local> wants it, in `tz` or the platform's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(tz or _zone()).strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


@lru_cache
def environment(language: str) -> Environment:
    """The environment for one language: `_()` / `ngettext()` bound to its catalogue."""
    if language not in LANGUAGES:
        language = "zh_Hans"
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    catalogue = translations(language)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(date=_date_filter(language), datetime=_datetime_filter(language),
                       number=_number_filter(language), percent=_percent_filter(language),
                       input_value=local_input)
    label = labels.labeller(catalogue)
    env.globals.update(label=label, choices=lambda kind, codes: [(c, label(kind, c)) for c in codes],
                       msg=partial(labels.translate_message, catalogue), languages=LANGUAGES, language=language,
                       html_lang={"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}[language])
    return env


ACTION_SEGMENTS = ("edit", "classify", "unmask", "dismiss", "start", "complete", "reopen", "assign", "note", "due")


def _here(request: Request) -> str:
    """This page's address, to come back to after switching language (a form post → the page it came from)."""
    path = request.url.path
    if request.method == "GET":
        return path + (f"?{request.url.query}" if request.url.query else "")
    head, _, last = path.rpartition("/")
    return head if last in ACTION_SEGMENTS and head else path


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page with the request's web state (actor, CSRF token, language) in its context."""
    state = getattr(request.state, "web", None)
    language = getattr(request.state, "language", None) or "zh_Hans"
    ctx = {"request": request, "web": state, "actor": state.actor if state else None,
           "csrf_token": getattr(request.state, "csrf_token", ""),
           "can": state.can if state else (lambda *a, **k: False), "flash": request.query_params.get("flash"),
           "here": _here(request)}
    ctx.update(context or {})
    html = environment(language).get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


def gettext(request: Request, message: str) -> str:
    """Translate a message in Python code (flash notes, error titles) into the request's language."""
    return translations(getattr(request.state, "language", None) or "zh_Hans").gettext(message)
