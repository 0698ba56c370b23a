"""Lab results of tubes: CSV/XLSX files or FHIR Observation bundles, all or nothing, idempotent.

A file is checked as a whole before anything is stored: every row names a tube this user may see
(an unknown tube is an error, never a silent drop), and the engine checks each row against the
round's samples and stored results (result values, Ct values, report before collection, a result
that contradicts an earlier one). Any problem → nothing of the file is stored and every problem is
listed by row and field. The same bytes uploaded again store nothing (file hash), and a row already
stored (tube + lab + report time) is not stored twice. The rounds touched are then resolved with
the same engine run (resolution.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require, scoped
from fangkong.interop.importers import ImportRejected, local_zone, parse_moment, previous_batch
from fangkong.interop.models import ImportBatch
from fangkong.interop.tabular import RowError, TableError, read_table
from fangkong.screening import fhir, outcomes, resolution
from fangkong.screening.engine import Resolution
from fangkong.screening.engine.model import RESULT_VALUES
from fangkong.screening.models import Round, Tube, TubeResult
from fangkong.screening.schemas import UploadReport

KIND = "tube_results"  # ImportBatch.kind of result files
REQUIRED = ("tube_id", "result", "lab_id", "reported_at")
# Header names labs use, to the canonical column (lower-cased; Chinese as exported by LIS systems).
ALIASES = {
    "tube_id": ("tube_id", "tube", "tube_code", "试管编号", "管号", "样本管号", "条码号", "样本编号"),
    "result": ("result", "检测结果", "结果"),
    "ct_orf1ab": ("ct_orf1ab", "orf1ab", "orf1ab ct", "orf1ab基因ct值", "orf1ab基因"),
    "ct_n": ("ct_n", "n", "n ct", "n基因ct值", "n基因"),
    "lab_id": ("lab_id", "lab", "检测机构", "实验室"),
    "reported_at": ("reported_at", "报告时间", "检测时间", "结果时间"),
}
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
CHUNK = 900
_ROW_REF = re.compile(r"in row (\d+)")

Rows = list[tuple[int, dict[str, str]]]


@dataclass
class _Group:
    stage: resolution.Stage
    rows: list[tuple[int, dict[str, str], Tube]]
    resolution: Resolution | None = None


def table_rows(path: Path) -> tuple[Rows, str, str]:
    """(row number, cells) of a CSV/XLSX file with canonical column names; its sha256 and encoding."""
    try:
        table = read_table(path)
    except TableError as exc:
        raise ImportRejected(path.name, exc.errors) from exc
    names = {c: _LOOKUP.get(c.strip().lower(), c.strip().lower()) for c in table.columns}
    missing = [c for c in REQUIRED if c not in names.values()]
    if missing:
        raise ImportRejected(path.name, [RowError(1, c, "missing required column") for c in missing])
    rows = [(n, {names[k]: v for k, v in row.items()}) for n, row in table.rows]
    return rows, table.sha256, table.encoding


def upload_file(*, session: Session, actor: Actor, path: Path) -> UploadReport:
    """A CSV/XLSX file of tube results (or a .json FHIR bundle)."""
    require(actor, "screening.results")
    if path.suffix.lower() == ".json":
        return upload_fhir(session=session, actor=actor, raw=path.read_bytes(), file_name=path.name)
    rows, sha256, encoding = table_rows(path)
    return _ingest(session, actor, rows=rows, sha256=sha256, file_name=path.name, fmt=encoding)


def upload_fhir(*, session: Session, actor: Actor, raw: bytes, file_name: str = "bundle.json") -> UploadReport:
    """A FHIR R4 Bundle of Observation resources, one per tube."""
    require(actor, "screening.results")
    rows, errors = fhir.bundle_rows(raw)
    if errors:
        raise ImportRejected(file_name, errors)
    return _ingest(session, actor, rows=rows, sha256=hashlib.sha256(raw).hexdigest(), file_name=file_name, fmt="fhir")


def _tubes(session: Session, actor: Actor, codes: set[str]) -> dict[str, Tube]:
    """The tubes with these barcodes that the actor may see (others do not exist for them)."""
    found: dict[str, Tube] = {}
    wanted = sorted(codes)
    for i in range(0, len(wanted), CHUNK):
        stmt = scoped(select(Tube).where(Tube.code.in_(wanted[i:i + CHUNK])), actor, Tube.jurisdiction_code)
        found.update({t.code: t for t in session.scalars(stmt)})
    return found


def _group(session: Session, actor: Actor, rows: Rows, errors: list[RowError]) -> list[_Group]:
    """The rows by round and stage; unknown tubes and tubes with no sample that counts are errors."""
    tubes = _tubes(session, actor, {cells.get("tube_id", "") for _, cells in rows})
    groups: dict[tuple[int, str], _Group] = {}
    for row_no, cells in rows:
        code = cells.get("tube_id", "")
        tube = tubes.get(code)
        if tube is None:
            errors.append(RowError(row_no, "tube_id", f"unknown tube {code!r}" if code else "missing value"))
            continue
        key = (tube.round_id, tube.kind)
        if key not in groups:
            groups[key] = _Group(stage=resolution.load_stage(session, session.get(Round, tube.round_id), tube.kind),
                                 rows=[])
        if code not in groups[key].stage.tubes:
            errors.append(RowError(row_no, "tube_id", f"tube {code} holds no sample that counts in its round"))
            continue
        groups[key].rows.append((row_no, cells, tube))
    return list(groups.values())


def _check(group: _Group, errors: list[RowError]) -> None:
    """The engine's checks and resolution with the group's new rows after the stored ones; problems by file row."""
    group.resolution = resolution.run(group.stage, [cells for _, cells, _ in group.rows])
    offset = len(group.stage.stored)

    def file_row(row: int) -> int | None:
        return group.rows[row - offset - 1][0] if offset < row <= offset + len(group.rows) else None

    def message(text: str) -> str:  # "… in row 3 …" of the engine's table → the file's row, or the stored result
        found = _ROW_REF.search(text)
        if not found:
            return text
        row = file_row(int(found.group(1)))
        return text.replace(found.group(0), f"in row {row}" if row else "on record")

    for problem in group.resolution.problems:
        if problem.file == "results" and file_row(problem.row):
            errors.append(RowError(file_row(problem.row), problem.field or None, message(problem.message)))
        else:
            errors.append(RowError(0, problem.field or None,
                                   f"round {group.stage.round.number}: {resolution.problem_text(problem)}"))


def _store(session: Session, groups: list[_Group], batch: ImportBatch) -> tuple[int, int]:
    """New result rows (natural key tube + lab + report time); (stored, already there)."""
    zone = local_zone()
    stored = existing = 0
    seen: set[tuple] = set()
    for group in groups:
        tube_ids = [tube.id for _, _, tube in group.rows]
        seen |= {tuple(r) for r in session.execute(select(TubeResult.tube_id, TubeResult.lab_id, TubeResult.reported_at)
                                                   .where(TubeResult.tube_id.in_(tube_ids)))}
        for _, cells, tube in group.rows:
            reported = parse_moment(cells["reported_at"], zone)
            key = (tube.id, cells["lab_id"], reported)
            if key in seen:
                existing += 1
                continue
            seen.add(key)
            session.add(TubeResult(tube_id=tube.id, round_id=tube.round_id, jurisdiction_code=tube.jurisdiction_code,
                                   result=RESULT_VALUES[cells["result"].strip().lower()],
                                   ct_orf1ab=_ct(cells.get("ct_orf1ab")), ct_n=_ct(cells.get("ct_n")),
                                   lab_id=cells["lab_id"], reported_at=reported, batch_id=batch.id))
            stored += 1
    session.flush()
    return stored, existing


def _ct(value: str | None) -> float | None:
    return float(value) if value else None


def _ingest(session: Session, actor: Actor, *, rows: Rows, sha256: str, file_name: str, fmt: str) -> UploadReport:
    report = UploadReport(file=file_name, format=fmt, sha256=sha256, rows=len(rows), stored=0, existing=0,
                          already_imported=False, rounds=[], resolution=[])
    if previous_batch(session, KIND, sha256):
        report.already_imported, report.existing = True, len(rows)
        return report
    errors: list[RowError] = []
    groups = _group(session, actor, rows, errors)
    for group in groups:
        _check(group, errors)
    if errors:
        raise ImportRejected(file_name, sorted(errors, key=lambda e: (e.row, e.field or "")))
    batch = ImportBatch(kind=KIND, file_name=file_name[:255], sha256=sha256, encoding=fmt[:16], rows=len(rows),
                        created=0, existing=0, imported_by=actor.username)
    session.add(batch)
    session.flush()
    report.stored, report.existing = _store(session, groups, batch)
    batch.created, batch.existing = report.stored, report.existing
    audit.record(session=session, actor=actor, action="screening.results_upload", resource_type="import_batch",
                 resource_id=batch.id, jurisdiction_code=actor.jurisdiction_code,
                 detail=f"{file_name} ({fmt}): {len(rows)} rows, {report.stored} new, {report.existing} already stored")
    for group in groups:
        done: outcomes.Outcome = resolution.apply(session, actor, group.stage, group.resolution)
        report.rounds = sorted({*report.rounds, group.stage.round.id})
        report.resolution.append({"round_id": group.stage.round.id, "stage": group.stage.kind, **done.as_dict()})
    return report
