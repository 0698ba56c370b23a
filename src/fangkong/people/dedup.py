"""Duplicate persons: find likely pairs, queue them for review, merge without losing anything."""

from __future__ import annotations

import importlib
from difflib import SequenceMatcher

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from fangkong.audit import service as audit
from fangkong.authz import Actor, require, scoped
from fangkong.db import utcnow
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.kit.pagination import keyset_page
from fangkong.people.ids import mask_fields
from fangkong.people.models import DuplicateCandidate, Person

# Name similarity at or above which two persons with the same birth date are put to review.
# 0.65 is SORMAS's default (PersonHelper.DEFAULT_NAME_SIMILARITY_THRESHOLD, shared/reference/
# anchor-systems.md §1.2); for 2–3 character Chinese names it means "one character differs".
NAME_SIMILARITY = 0.65
# Modules that hold references to persons; each has `repoint_person(session=, from_id=, to_id=) -> int`.
PERSON_REFERENCES = ("fangkong.cases.service",)


def name_similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", "")).ratio()


def score_pair(a: Person, b: Person) -> tuple[float, list[str]] | None:
    """How alike two persons are, and why; None when they are clearly different people."""
    if a.resident_id and b.resident_id and a.resident_id != b.resident_id:
        typo = sum(x != y for x, y in zip(a.resident_id, b.resident_id))
        if typo > 2:
            return None  # two valid, different ID numbers: two people
    reasons, score = [], 0.0
    sim = name_similarity(a.name, b.name)
    same_birth = a.birth_date is not None and a.birth_date == b.birth_date
    same_phone = bool(a.phone) and a.phone == b.phone
    if same_birth:
        reasons.append("birth_date")
        score += 0.35
    if same_phone:
        reasons.append("phone")
        score += 0.35
    if sim >= NAME_SIMILARITY:
        reasons.append("name" if sim == 1 else f"name~{sim:.2f}")
        score += 0.3 * sim
    if a.resident_id and b.resident_id and a.resident_id != b.resident_id:
        reasons.append("resident_id~typo")
    qualifies = (same_birth and (same_phone or sim >= NAME_SIMILARITY)) or (same_phone and sim >= 0.8)
    return (round(score, 3), reasons) if qualifies else None


def _queue(session: Session, a: Person, b: Person, verdict: tuple[float, list[str]]) -> bool:
    lo, hi = (a, b) if a.id < b.id else (b, a)
    exists = session.scalar(select(DuplicateCandidate.id).where(
        DuplicateCandidate.person_a_id == lo.id, DuplicateCandidate.person_b_id == hi.id))
    if exists:
        return False
    session.add(DuplicateCandidate(person_a_id=lo.id, person_b_id=hi.id, score=verdict[0],
                                   reasons=",".join(verdict[1]), jurisdiction_code=_common_code(lo, hi)))
    return True


def _common_code(a: Person, b: Person) -> str:
    # The pair is reviewed where both records are visible: their common ancestor's code.
    code_a, code_b = a.jurisdiction_code, b.jurisdiction_code
    n = 0
    while n < min(len(code_a), len(code_b)) and code_a[n] == code_b[n]:
        n += 1
    for length in (15, 12, 9, 6, 4, 2):
        if n >= length:
            return code_a[:length].ljust(6, "0") if length < 6 else code_a[:length]
    return code_a[:2].ljust(6, "0")


def detect_for(*, session: Session, person: Person) -> int:
    """Queue likely duplicates of one person (same birth date or phone, then names compared)."""
    conds = []
    if person.birth_date:
        conds.append(Person.birth_date == person.birth_date)
    if person.phone:
        conds.append(Person.phone == person.phone)
    if not conds:
        return 0
    others = session.scalars(select(Person).where(or_(*conds), Person.id != person.id, Person.merged_into_id.is_(None)).limit(500))
    return sum(_queue(session, person, o, v) for o in others if (v := score_pair(person, o)))


def detect_since(*, session: Session, min_id: int) -> int:
    """Set-based detection for persons with id >= min_id (after a bulk import)."""
    a, b = aliased(Person), aliased(Person)
    same_block = or_(
        a.phone == b.phone,
        and_(a.birth_date == b.birth_date,
             or_(a.name == b.name, and_(func.substr(a.name, 1, 1) == func.substr(b.name, 1, 1),
                                        func.length(a.name) == func.length(b.name)))),
    )
    pairs = session.execute(
        select(a, b).join(b, and_(same_block, b.id != a.id, or_(b.id < a.id, b.id < min_id)))
        .where(a.id >= min_id, a.merged_into_id.is_(None), b.merged_into_id.is_(None))
    )
    return sum(_queue(session, x, y, v) for x, y in pairs if (v := score_pair(x, y)))


def list_candidates(
    *, session: Session, actor: Actor, status: str = "open", limit: int = 50, cursor: str | None = None,
) -> tuple[list[tuple[DuplicateCandidate, Person, Person]], str | None]:
    require(actor, "person.merge")
    pa, pb = aliased(Person), aliased(Person)
    stmt = (scoped(select(DuplicateCandidate, pa, pb), actor, pa.jurisdiction_code)
            .where(DuplicateCandidate.status == status)
            .join(pa, pa.id == DuplicateCandidate.person_a_id).join(pb, pb.id == DuplicateCandidate.person_b_id))
    stmt = scoped(stmt, actor, pb.jurisdiction_code)
    return keyset_page(session, stmt, DuplicateCandidate.id, limit=limit, cursor=cursor)


def _person_in_scope(session: Session, actor: Actor, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    require(actor, "person.merge", person)
    return person


def merge(*, session: Session, actor: Actor, keep_id: int, merge_id: int) -> Person:
    """Fold `merge_id` into `keep_id`: blanks filled, references moved, the old record kept with a pointer."""
    if keep_id == merge_id:
        raise Invalid("a person cannot be merged into itself", field="merge_id")
    keep = _person_in_scope(session, actor, keep_id)
    gone = _person_in_scope(session, actor, merge_id)
    if keep.merged_into_id or gone.merged_into_id:
        raise Conflict("one of these persons was already merged")
    if keep.resident_id and gone.resident_id and keep.resident_id != gone.resident_id:
        detail = f"ID numbers differ ({keep.resident_id[-4:]} vs {gone.resident_id[-4:]}); the kept one wins"
    else:
        detail = ""
    gone.merged_into_id = keep.id
    gone.version += 1
    session.flush()
    filled = {}
    for field in ("sex", "birth_date", "resident_id", "doc_type", "doc_number", "phone", "address"):
        if getattr(keep, field) in (None, "", "unknown") and getattr(gone, field) not in (None, "", "unknown"):
            filled[field] = [getattr(keep, field), getattr(gone, field)]
            setattr(keep, field, getattr(gone, field))
    keep.version += 1
    moved = {mod: importlib.import_module(mod).repoint_person(session=session, from_id=gone.id, to_id=keep.id)
             for mod in PERSON_REFERENCES}
    now = utcnow()
    session.execute(update(DuplicateCandidate).where(
        or_(DuplicateCandidate.person_a_id.in_([keep.id, gone.id]), DuplicateCandidate.person_b_id.in_([keep.id, gone.id])),
        DuplicateCandidate.status == "open",
    ).values(status="merged", decided_by=actor.username, decided_at=now))
    session.flush()
    before = mask_fields({k: v[0] for k, v in filled.items()})
    after = mask_fields({k: v[1] for k, v in filled.items()})
    audit.record(session=session, actor=actor, action="person.merge", resource_type="person", resource_id=keep.id,
                 jurisdiction_code=keep.jurisdiction_code,
                 changes={"merged_from": [None, gone.id], **audit.diff(before, after)},
                 detail=f"references moved: {sum(moved.values())}. {detail}".strip())
    return keep


def dismiss(*, session: Session, actor: Actor, candidate_id: int) -> DuplicateCandidate:
    cand = session.get(DuplicateCandidate, candidate_id)
    if cand is None:
        raise NotFound(f"no duplicate candidate {candidate_id}")
    _person_in_scope(session, actor, cand.person_a_id)
    _person_in_scope(session, actor, cand.person_b_id)
    if cand.status != "open":
        raise Conflict(f"candidate already {cand.status}")
    cand.status, cand.decided_by, cand.decided_at = "dismissed", actor.username, utcnow()
    audit.record(session=session, actor=actor, action="person.dedup_dismiss", resource_type="person_duplicate",
                 resource_id=cand.id, jurisdiction_code=cand.jurisdiction_code)
    return cand
