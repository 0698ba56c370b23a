"""Import persons and cases from CSV/XLSX: validate every row, then store all or nothing, once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require
from fangkong.config import get_settings
from fangkong.db import utcnow
from fangkong.errors import DomainError
from fangkong.geo.models import Jurisdiction
from fangkong.interop.columns import SEX, canonical
from fangkong.kit.bulk import insert_rows
from fangkong.interop.models import ImportBatch
from fangkong.interop.tabular import RowError, Table, TableError, read_table
from fangkong.people import dedup
from fangkong.people.models import Person
from fangkong.people.validation import normalize

Progress = Callable[[int, int], None]
# Above this many new persons the fuzzy duplicate scan is left to `fangkong persons dedup`,
# so a city-wide load is not held up by it.
DEDUP_INLINE_MAX = 50_000
MAX_LISTED = 1000  # problems listed in an API answer (the message counts them all)


class ImportRejected(DomainError):
    """The file was not stored: every bad row is listed."""

    status_code = 422
    code = "import_rejected"

    def __init__(self, path: str, errors: list[RowError]):
        self.path, self.errors = path, errors
        shown = "; ".join(str(e) for e in errors[:10])
        more = f" … and {len(errors) - 10} more" if len(errors) > 10 else ""
        super().__init__(f"{Path(path).name}: {len(errors)} problem(s), nothing stored: {shown}{more}")

    def to_dict(self) -> dict:
        """The first problem as {code, message, field}, and every problem by row and field."""
        first = self.errors[0] if self.errors else None
        return {**super().to_dict(), "field": first.field if first else None,
                "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in self.errors[:MAX_LISTED]]}


@dataclass
class ImportReport:
    file: str
    kind: str
    encoding: str = ""
    rows: int = 0
    created: int = 0
    existing: int = 0
    already_imported: bool = False
    notes: list[str] = field(default_factory=list)


def load_table(path: Path, required: tuple[str, ...]) -> Table:
    """Read the file and rename Chinese headers to canonical column names."""
    try:
        table = read_table(path)
    except TableError as exc:
        raise ImportRejected(str(path), exc.errors) from exc
    renamed = [canonical(c) for c in table.columns]
    missing = [c for c in required if c not in renamed]
    if missing:
        raise ImportRejected(str(path), [RowError(1, c, "missing required column") for c in missing])
    if renamed != table.columns:
        mapping = dict(zip(table.columns, renamed))
        table.rows = [(n, {mapping[k]: v for k, v in row.items()}) for n, row in table.rows]
        table.columns = renamed
    return table


def previous_batch(session: Session, kind: str, sha256: str) -> ImportBatch | None:
    return session.scalar(select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.sha256 == sha256).limit(1))


def parse_date(value: str) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value.replace("/", "-")[:10])


def parse_moment(value: str, zone: ZoneInfo) -> datetime | None:
    """ISO timestamp; one without a zone is local time in the configured zone."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("/", "-"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def person_values(row: dict[str, str], today: date) -> tuple[dict, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    sex = SEX.get(row.get("sex", "").strip().lower())
    if sex is None:
        problems.append(("sex", f"sex {row.get('sex')!r} is not 男/女/male/female"))
    try:
        birth = parse_date(row.get("birth_date", ""))
    except ValueError:
        birth = None
        problems.append(("birth_date", f"birth date {row.get('birth_date')!r} is not YYYY-MM-DD"))
    values, more = normalize({
        "name": row.get("name", ""), "sex": sex or "unknown", "birth_date": birth,
        "resident_id": row.get("resident_id", ""), "doc_type": row.get("doc_type") or None,
        "doc_number": row.get("doc_number") or None, "phone": row.get("phone", ""),
        "jurisdiction_code": row.get("jurisdiction_code", ""), "address": row.get("address", ""),
    }, today=today)
    return values, problems + more


class PersonResolver:
    """Finds persons already stored (by ID number, document, or name + birth date + phone)."""

    def __init__(self, session: Session):
        self.session = session
        self.by_rid: dict[str, int] = {}
        self.by_doc: dict[tuple, int] = {}
        self.by_triple: dict[tuple, int] = {}

    def preload(self, rows: list[dict]) -> None:
        rids = [r["resident_id"] for r in rows if r.get("resident_id")]
        for i in range(0, len(rids), 900):
            stmt = select(Person.resident_id, Person.id).where(
                Person.resident_id.in_(rids[i:i + 900]), Person.merged_into_id.is_(None))
            self.by_rid.update(dict(self.session.execute(stmt).all()))
        docs = [r["doc_number"] for r in rows if not r.get("resident_id") and r.get("doc_number")]
        for i in range(0, len(docs), 900):
            stmt = select(Person.doc_type, Person.doc_number, Person.id).where(Person.doc_number.in_(docs[i:i + 900]))
            self.by_doc.update({(t, n): pid for t, n, pid in self.session.execute(stmt)})
        names = [r["name"] for r in rows if not r.get("resident_id") and not r.get("doc_number")]
        for i in range(0, len(names), 900):
            stmt = select(Person.name, Person.birth_date, Person.phone, Person.id).where(
                Person.name.in_(names[i:i + 900]), Person.resident_id.is_(None), Person.merged_into_id.is_(None))
            self.by_triple.update({(n, b, p): pid for n, b, p, pid in self.session.execute(stmt)})

    def key(self, values: dict) -> tuple:
        if values.get("resident_id"):
            return ("rid", values["resident_id"])
        if values.get("doc_number"):
            return ("doc", values["doc_type"], values["doc_number"])
        return ("triple", values["name"], values["birth_date"], values["phone"])

    def find(self, values: dict) -> int | None:
        key = self.key(values)
        if key[0] == "rid":
            return self.by_rid.get(key[1])
        if key[0] == "doc":
            return self.by_doc.get(key[1:])
        return self.by_triple.get(key[1:])

    def remember(self, values: dict, person_id: int) -> None:
        key = self.key(values)
        {"rid": self.by_rid, "doc": self.by_doc, "triple": self.by_triple}[key[0]][key[1] if key[0] == "rid" else key[1:]] = person_id


def check_jurisdictions(session: Session, actor: Actor, rows: list[tuple[int, dict]], errors: list[RowError]) -> None:
    known = set(session.scalars(select(Jurisdiction.code)))
    for row_no, values in rows:
        code = values.get("jurisdiction_code", "")
        if code not in known:
            errors.append(RowError(row_no, "jurisdiction_code", f"unknown jurisdiction code {code!r}"))
        elif not actor.covers(code):
            errors.append(RowError(row_no, "jurisdiction_code", f"{code} is outside your jurisdiction"))


def import_persons(*, session: Session, actor: Actor, path: Path, progress: Progress | None = None,
                   today: date | None = None) -> ImportReport:
    """All rows valid → all stored (new ones only); any invalid row → nothing stored, every problem listed."""
    require(actor, "person.import")
    table = load_table(path, ("name", "jurisdiction_code"))
    report = ImportReport(file=path.name, kind="persons", encoding=table.encoding, rows=len(table.rows))
    if previous_batch(session, "persons", table.sha256):
        report.already_imported, report.existing = True, len(table.rows)
        return report
    today = today or date.today()
    errors: list[RowError] = []
    valid: list[tuple[int, dict]] = []
    for row_no, row in table.rows:
        values, problems = person_values(row, today)
        errors.extend(RowError(row_no, f, m) for f, m in problems)
        valid.append((row_no, values))
    check_jurisdictions(session, actor, valid, errors)
    resolver = PersonResolver(session)
    resolver.preload([v for _, v in valid])
    new_rows = _new_persons(valid, resolver, errors, report)
    if errors:
        raise ImportRejected(str(path), sorted(errors, key=lambda e: e.row))
    first_id = insert_persons(session, new_rows, progress)
    report.created = len(new_rows)
    if 0 < report.created <= DEDUP_INLINE_MAX:
        report.notes.append(f"{dedup.detect_since(session=session, min_id=first_id)} possible duplicates queued for review")
    elif report.created:
        report.notes.append("duplicate scan deferred for a large file: run `fangkong persons dedup`")
    _finish(session, actor, report, table)
    return report


def _new_persons(valid, resolver: PersonResolver, errors: list[RowError], report: ImportReport) -> list[dict]:
    """Rows not stored yet; repeats within the file count once, conflicting repeats are errors."""
    new_rows: list[dict] = []
    seen: dict[tuple, tuple[int, dict]] = {}
    for row_no, values in valid:
        key = resolver.key(values)
        if key in seen:
            first_no, first = seen[key]
            if first != values:
                errors.append(RowError(row_no, key[0] == "rid" and "resident_id" or None,
                                       f"same person as row {first_no} but with different details"))
            else:
                report.existing += 1
            continue
        seen[key] = (row_no, values)
        if resolver.find(values) is not None:
            report.existing += 1
        else:
            new_rows.append(values)
    return new_rows


def insert_persons(session: Session, rows: list[dict], progress: Progress | None) -> int:
    first_id = (session.scalar(select(func.max(Person.id))) or 0) + 1
    now = utcnow()
    session.flush()
    insert_rows(session, Person.__table__, [
        {**r, "id": first_id + k, "merged_into_id": None, "created_at": now, "updated_at": now, "version": 1}
        for k, r in enumerate(rows)], progress=progress)
    sync_id_sequence(session, "persons")
    refresh_statistics(session, "persons", added=len(rows))
    return first_id


def sync_id_sequence(session: Session, table: str) -> None:
    """Bulk inserts choose their ids; on PostgreSQL move the table's id sequence past them, so that
    rows added one at a time afterwards (a person registered on a form) do not collide."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


ANALYZE_AFTER = 1000


def refresh_statistics(session: Session, table: str, *, added: int) -> None:
    """After a bulk insert on PostgreSQL, ANALYZE the table (inside the import's transaction).

    Until autovacuum gets to it the planner sees the table as it was, often empty: the inline duplicate
    scan of a first 20,000-person import ran as a nested loop over scans (74 s; 0.1 s after ANALYZE).
    New statistics also retire plans cached for prepared statements on pooled connections: the
    resolver's ``resident_id IN (…)`` look-up, planned while the table was empty, kept scanning all
    1,000,000 persons per chunk (benchmarks/README.md, "Findings"). SQLite needs neither.
    """
    if added >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table}"))


def _finish(session: Session, actor: Actor, report: ImportReport, table: Table) -> None:
    session.add(ImportBatch(kind=report.kind, file_name=report.file, sha256=table.sha256, encoding=table.encoding,
                            rows=report.rows, created=report.created, existing=report.existing,
                            imported_by=actor.username))
    audit.record(session=session, actor=actor, action=f"{report.kind[:-1]}.import", resource_type="import_batch",
                 resource_id=table.sha256[:16], jurisdiction_code=actor.jurisdiction_code,
                 detail=f"{report.file}: {report.rows} rows, {report.created} new, {report.existing} already stored")
    session.flush()


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)
