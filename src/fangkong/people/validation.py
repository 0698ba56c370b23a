"""Field rules for a person record, shared by the form, the API and the importer."""

from __future__ import annotations

from datetime import date
from typing import Any

from fangkong.people.ids import IdError, cross_check, normalize_phone, parse_resident_id


def normalize(data: dict[str, Any], *, today: date | None = None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Clean a person's fields; returns the cleaned values and every (field, problem) found."""
    out = dict(data)
    problems: list[tuple[str, str]] = []
    rid = (out.get("resident_id") or "").strip().upper() or None
    out["resident_id"] = rid
    if rid:
        try:
            parsed = parse_resident_id(rid, today=today)
        except IdError as exc:
            problems.append(("resident_id", str(exc)))
        else:
            problems.extend(cross_check(parsed, birth_date=out.get("birth_date"), sex=out.get("sex")))
            out["birth_date"] = out.get("birth_date") or parsed.birth_date
            if out.get("sex") in (None, "", "unknown"):
                out["sex"] = parsed.sex
    phone = (out.get("phone") or "").strip() or None
    out["phone"] = phone
    if phone:
        try:
            out["phone"] = normalize_phone(phone)
        except IdError as exc:
            problems.append(("phone", str(exc)))
    if out.get("doc_number") and not out.get("doc_type"):
        problems.append(("doc_type", "a document number needs its document type"))
    birth = out.get("birth_date")
    if birth and birth > (today or date.today()):
        problems.append(("birth_date", f"birth date {birth} is in the future"))
    if not (out.get("name") or "").strip():
        problems.append(("name", "name is required"))
    return out, problems
