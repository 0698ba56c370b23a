"""From posted form strings to service schemas, and from errors back to messages beside each field."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from fangkong.config import get_settings

M = TypeVar("M", bound=BaseModel)

# pydantic error types → the message (a gettext id in fangkong.web.labels) shown beside the field.
_MESSAGES = {
    "missing": "this field is required",
    "string_too_short": "this field is required",
    "string_too_long": "the text is too long",
    "literal_error": "this value is not allowed",
    "enum": "this value is not allowed",
    "int_parsing": "not a number",
    "int_type": "not a number",
}


class FormInvalid(Exception):
    """The form has values the schema refuses; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid form")
        self.errors = errors


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind.startswith("date"):
        return "not a valid date" if "datetime" not in kind else "not a valid date and time"
    return _MESSAGES.get(kind, error.get("msg", "invalid value"))


def field_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__") or "form"
        out.setdefault(name, _message(error))
    return out


def local_datetime(value: str) -> datetime:
    """`2022-04-10T09:30` from a datetime-local input, in the platform's time zone."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(get_settings().timezone))


def values(form: FormData, fields: tuple[str, ...], *, datetimes: tuple[str, ...] = (),
           keep_blank: tuple[str, ...] = ()) -> dict[str, Any]:
    """Form fields present in `fields`: blanks become None (except `keep_blank`), datetimes are parsed."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in fields:
        if name not in form:
            continue
        raw = _text(form, name) if name not in keep_blank else _text(form, name, strip=False)
        if raw == "" and name not in keep_blank:
            out[name] = None
        elif name in datetimes:
            try:
                out[name] = local_datetime(raw)
            except ValueError:
                errors[name] = "not a valid date and time"
        else:
            out[name] = raw
    if errors:
        raise FormInvalid(errors)
    return out


def changed(form: FormData, original: dict[str, str]) -> list[str]:
    """Fields whose posted text differs from what the form showed (unchanged ones are not sent on)."""
    return [k for k, shown in original.items() if k in form and _text(form, k) != shown.replace("\r\n", "\n").strip()]


def _text(form: FormData, name: str, *, strip: bool = True) -> str:
    # Browsers send textarea line breaks as CRLF; the records keep LF.
    text = str(form.get(name, "")).replace("\r\n", "\n")
    return text.strip() if strip else text


def build(model: type[M], data: dict[str, Any], *, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FormInvalid({f"{prefix}{k}": v for k, v in field_errors(exc).items()}) from exc


def posted(form: FormData) -> dict[str, Any]:
    """The form as submitted, to fill the fields again when it is shown with errors."""
    out: dict[str, Any] = {}
    for key in form.keys():
        items = form.getlist(key)
        out[key] = items if len(items) > 1 else (items[0] if items else "")
    return out
