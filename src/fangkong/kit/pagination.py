"""Opaque keyset cursors: a page is found by key, never by offset."""

from __future__ import annotations

import base64
import json

from fangkong.errors import Invalid


def encode_cursor(key: list) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise Invalid("cursor is not one this server issued", field="cursor") from exc
    if not isinstance(key, list):
        raise Invalid("cursor is not one this server issued", field="cursor")
    return key
