"""Case line lists for export: masked unless the role may unmask and asks to; always audited."""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from fangkong.audit import service as audit
from fangkong.authz import Actor, require
from fangkong.cases import rules
from fangkong.cases.models import Case
from fangkong.cases.service import list_statement, local_date
from fangkong.db import utcnow
from fangkong.errors import Invalid
from fangkong.people.ids import mask_phone, mask_resident_id
from fangkong.people.models import Person

MAX_ROWS = 100_000
COLUMNS = ("case_id", "external_id", "name", "sex", "birth_date", "resident_id", "phone", "jurisdiction_code",
           "classification", "severity", "origin", "onset_date", "sampling_date", "diagnosis_date", "report_date",
           "report_status", "outcome")


def export_csv(*, session: Session, actor: Actor, unmask: bool = False, **filters) -> tuple[str, int]:
    """The filtered case list as CSV text (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    require(actor, "data.export")
    if unmask:
        require(actor, "person.unmask")
    stmt = list_statement(actor=actor, **filters).add_columns(
        Person.sex, Person.birth_date, Person.resident_id, Person.phone).order_by(Case.id.desc()).limit(MAX_ROWS + 1)
    rows = session.execute(stmt).all()
    if len(rows) > MAX_ROWS:
        raise Invalid(f"more than {MAX_ROWS} cases match; narrow the filters", field="limit")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    now = utcnow()
    for case, name, sex, birth, rid, phone in rows:
        writer.writerow([
            case.id, case.external_id or "", name, sex, birth or "",
            (rid if unmask else mask_resident_id(rid)) or "", (phone if unmask else mask_phone(phone)) or "",
            case.jurisdiction_code, case.classification, case.severity or "", case.origin, case.onset_date or "",
            case.sampling_date or "", local_date(case.diagnosed_at) or "", case.report_date or "",
            rules.report_status(deadline=case.report_deadline_at, reported_at=case.reported_at, now=now) or "",
            case.outcome,
        ])
    shown = {k: v for k, v in filters.items() if v}
    audit.record(session=session, actor=actor, action="case.export", resource_type="case",
                 jurisdiction_code=actor.jurisdiction_code,
                 detail=f"{len(rows)} rows{' UNMASKED' if unmask else ''}; filters {shown}")
    return out.getvalue(), len(rows)
