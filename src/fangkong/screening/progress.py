"""Per-grid progress counters of a round, kept current so that coverage never counts a whole round.

The roster (residents of each node at launch) is counted once; `sampled` and `exempt` move with
each sample and exemption; `cleared` and `recheck` are set from each resolution.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fangkong.authz import in_subtree
from fangkong.geo.levels import subtree_prefix
from fangkong.people.models import Person
from fangkong.screening.models import GridCount

COUNTERS = ("roster", "exempt", "sampled", "cleared", "recheck")


def roster_counts(session: Session, area_codes: list[str]) -> dict[str, int]:
    """Live residents per node (their own jurisdiction node, a grid) below each of the area nodes."""
    counts: dict[str, int] = {}
    for code in area_codes:
        stmt = (select(Person.jurisdiction_code, func.count()).where(
            in_subtree(Person.jurisdiction_code, subtree_prefix(code)), Person.merged_into_id.is_(None))
            .group_by(Person.jurisdiction_code))
        counts.update({c: int(n) for c, n in session.execute(stmt)})
    return counts


def snapshot(session: Session, *, round_id: int, area_codes: list[str]) -> int:
    """Create the round's counters with the roster at launch; returns the roster size."""
    counts = roster_counts(session, area_codes)
    session.add_all(GridCount(round_id=round_id, jurisdiction_code=code, roster=n, exempt=0, sampled=0, cleared=0,
                              recheck=0) for code, n in sorted(counts.items()))
    session.flush()
    return sum(counts.values())


def bump(session: Session, *, round_id: int, code: str, **deltas: int) -> None:
    """Add to a node's counters (a node outside the roster gets a row with roster 0)."""
    values = {k: getattr(GridCount, k) + v for k, v in deltas.items()}
    done = session.execute(update(GridCount).where(GridCount.round_id == round_id, GridCount.jurisdiction_code == code)
                           .values(**values).execution_options(synchronize_session=False)).rowcount
    if not done:
        start = {k: max(deltas.get(k, 0), 0) for k in COUNTERS}
        session.add(GridCount(round_id=round_id, jurisdiction_code=code, **start))
        session.flush()


def set_outcomes(session: Session, *, round_id: int, statuses: list[tuple[str, str]]) -> None:
    """Set cleared / recheck per node from (node, status) of every person of the round's resolution."""
    cleared = Counter(code for code, status in statuses if status == "cleared")
    recheck = Counter(code for code, status in statuses if status == "recheck")
    rows = session.scalars(select(GridCount).where(GridCount.round_id == round_id))
    for row in rows:
        row.cleared, row.recheck = cleared.get(row.jurisdiction_code, 0), recheck.get(row.jurisdiction_code, 0)
    session.flush()
