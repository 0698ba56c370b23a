"""Import cases (with their persons) from CSV/XLSX: all or nothing, idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.authz import Actor, require
from fangkong.cases import rules
from fangkong.cases.models import Case, ClassificationChange
from fangkong.cases.service import REPORT_DEADLINE, local_date
from fangkong.db import utcnow
from fangkong.interop.columns import CLASSIFICATION, ORIGIN, OUTCOME, SEVERITY, code_value
from fangkong.interop.importers import (
    ImportRejected, ImportReport, PersonResolver, Progress, _finish, insert_persons,
    check_jurisdictions, load_table, local_zone, parse_date, parse_moment, person_values, previous_batch,
    refresh_statistics, sync_id_sequence,
)
from fangkong.interop.tabular import RowError
from fangkong.kit.bulk import insert_rows
from fangkong.protocols import service as profiles


def case_values(row: dict[str, str], zone: ZoneInfo, today: date) -> tuple[dict, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    values: dict = {
        "external_id": row.get("external_id") or None,
        "classification": code_value(row.get("classification", ""), CLASSIFICATION),
        "severity": code_value(row.get("severity", ""), SEVERITY) or None,
        "origin": code_value(row.get("origin", ""), ORIGIN) or "local",
        "outcome": code_value(row.get("outcome", ""), OUTCOME) or "under_treatment",
        "notes": row.get("notes", ""),
    }
    for key, allowed in (("classification", rules.CLASSIFICATIONS), ("origin", rules.ORIGINS),
                         ("outcome", rules.OUTCOMES)):
        if values[key] not in allowed:
            problems.append((key, f"{key} {row.get(key)!r} is not one of {', '.join(allowed)}"))
    if values["classification"] == "confirmed" and values["severity"] not in rules.SEVERITIES:
        problems.append(("severity", "a confirmed case needs a severity: mild, moderate, severe or critical"))
    elif values["classification"] != "confirmed" and values["severity"]:
        problems.append(("severity", "only confirmed cases have a severity"))
    for key in ("onset_date", "sampling_date", "outcome_date"):
        try:
            values[key] = parse_date(row.get(key, ""))
        except ValueError:
            problems.append((key, f"{key} {row.get(key)!r} is not a date (YYYY-MM-DD)"))
    for key in ("diagnosed_at", "reported_at"):
        try:
            values[key] = parse_moment(row.get(key, ""), zone)
        except ValueError:
            problems.append((key, f"{key} {row.get(key)!r} is not a timestamp (YYYY-MM-DDTHH:MM)"))
    if not row.get("diagnosed_at"):
        problems.append(("diagnosed_at", "diagnosed_at is required: it starts the 2-hour report clock"))
    if not problems:
        problems += rules.date_problems(
            onset=values["onset_date"], sampling=values["sampling_date"], diagnosed=values["diagnosed_at"],
            reported=values["reported_at"], today=today,
            diagnosed_local=values["diagnosed_at"].astimezone(zone).date() if values["diagnosed_at"] else None)
    return values, problems


def import_cases(*, session: Session, actor: Actor, path: Path, progress: Progress | None = None,
                 today: date | None = None) -> ImportReport:
    """Cases with their persons; a person already stored is matched, not duplicated."""
    require(actor, "case.import")
    table = load_table(path, ("classification", "diagnosed_at", "jurisdiction_code"))
    report = ImportReport(file=path.name, kind="cases", encoding=table.encoding, rows=len(table.rows))
    if previous_batch(session, "cases", table.sha256):
        report.already_imported, report.existing = True, len(table.rows)
        return report
    zone, today = local_zone(), today or date.today()
    errors: list[RowError] = []
    parsed = []
    for row_no, row in table.rows:
        person, p_problems = person_values(row, today)
        case, c_problems = case_values(row, zone, today)
        case["jurisdiction_code"] = person["jurisdiction_code"]
        errors.extend(RowError(row_no, f, m) for f, m in p_problems + c_problems)
        parsed.append((row_no, person, case))
    check_jurisdictions(session, actor, [(n, p) for n, p, _ in parsed], errors)
    resolver = PersonResolver(session)
    resolver.preload([p for _, p, _ in parsed])
    if errors:
        raise ImportRejected(str(path), sorted(errors, key=lambda e: e.row))
    _store(session, parsed, resolver, report, errors, progress)
    if errors:
        raise ImportRejected(str(path), sorted(errors, key=lambda e: e.row))
    _finish(session, actor, report, table)
    return report


def _store(session, parsed, resolver: PersonResolver, report: ImportReport, errors, progress) -> None:
    new_people: dict[tuple, dict] = {}
    for _, person, _ in parsed:
        key = resolver.key(person)
        if resolver.find(person) is None and key not in new_people:
            new_people[key] = person
    first = insert_persons(session, list(new_people.values()), None)
    for offset, person in enumerate(new_people.values()):
        resolver.remember(person, first + offset)
    existing = _existing_cases(session, parsed, resolver)
    rows, seen = [], {}
    for row_no, person, case in parsed:
        pid = resolver.find(person)
        key = ("ext", case["external_id"]) if case["external_id"] else ("pd", pid, case["diagnosed_at"])
        if key in seen:
            if seen[key][1] != case:
                errors.append(RowError(row_no, None, f"same case as row {seen[key][0]} with different details"))
            report.existing += 1
            continue
        seen[key] = (row_no, case)
        if key in existing:
            report.existing += 1
            continue
        rows.append({**case, "person_id": pid})
    insert_cases(session, rows, progress)
    report.created = len(rows)
    report.notes.append(f"{len(new_people)} new persons registered with their cases")


def _existing_cases(session: Session, parsed, resolver: PersonResolver) -> set[tuple]:
    out: set[tuple] = set()
    ext = [c["external_id"] for _, _, c in parsed if c["external_id"]]
    for i in range(0, len(ext), 900):
        out.update(("ext", e) for e in session.scalars(select(Case.external_id).where(Case.external_id.in_(ext[i:i + 900]))))
    pids = list({resolver.find(p) for _, p, c in parsed if not c["external_id"]} - {None})
    for i in range(0, len(pids), 900):
        stmt = select(Case.person_id, Case.diagnosed_at).where(Case.person_id.in_(pids[i:i + 900]))
        out.update(("pd", pid, at) for pid, at in session.execute(stmt))
    return out


def insert_cases(session: Session, rows: list[dict], progress: Progress | None) -> None:
    first_id = (session.scalar(select(func.max(Case.id))) or 0) + 1
    now = utcnow()
    # The deadline comes from each jurisdiction's profile at diagnosis, resolved once per distinct
    # jurisdiction and profile basis (not per row).
    hours = profiles.ValueLookup(session=session, path=REPORT_DEADLINE)
    full = []
    for k, r in enumerate(rows):
        at = r["diagnosed_at"]
        deadline = rules.report_deadline(at, float(hours(r["jurisdiction_code"], at))) if at else None
        full.append({**r, "id": first_id + k, "report_date": local_date(r["reported_at"]),
                     "report_deadline_at": deadline, "created_by": "import", "created_at": now,
                     "updated_at": now, "version": 1})
    session.flush()
    insert_rows(session, Case.__table__, full, progress=progress)
    insert_rows(session, ClassificationChange.__table__, [
        {"case_id": c["id"], "from_classification": None, "from_severity": None,
         "to_classification": c["classification"], "to_severity": c["severity"],
         "reason": "imported", "changed_by": "import", "changed_at": now} for c in full])
    sync_id_sequence(session, "cases")
    refresh_statistics(session, "cases", added=len(rows))
