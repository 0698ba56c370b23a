"""Opaque keyset cursors: a page is found by key, never by offset."""

from __future__ import annotations

import base64
import json

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

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


def keyset_page(session: Session, stmt: Select, key: ColumnElement, *, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of `stmt`, newest first by the integer `key` column: rows and the next cursor (or None).

    Rows are what the statement selects: entities (or key values) when it selects one thing, tuples otherwise.
    """
    after = decode_cursor(cursor)
    if after:
        try:
            stmt = stmt.where(key < int(after[0]))
        except (TypeError, ValueError) as exc:
            raise Invalid("cursor is not one this server issued", field="cursor") from exc
    result = session.execute(stmt.order_by(key.desc()).limit(limit + 1))
    rows = list(result.scalars()) if len(stmt.column_descriptions) == 1 else [tuple(r) for r in result]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    if isinstance(last, tuple):
        last = last[0]
    last_id = last if isinstance(last, int) else last.id  # a statement may select the key column itself
    return rows[:limit], encode_cursor([last_id])
