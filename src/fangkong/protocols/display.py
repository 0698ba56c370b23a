"""Profile values as short text (command line and pages): 2.0 → "2", [1, 2, 3] → "1, 2, 3", None → "—"."""

from __future__ import annotations

from typing import Any


def number(value: float | int) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def text(value: Any, unit: str | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        shown = number(value)
    elif isinstance(value, list):
        shown = ", ".join(number(v) if isinstance(v, (int, float)) else str(v) for v in value)
    else:
        shown = str(value)
    return f"{shown} {unit}" if unit else shown
