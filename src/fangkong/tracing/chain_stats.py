"""Serial intervals from the links in scope and secondary attack rates from the contacts in scope
(methods: fangkong.analytics.intervals and .attack; definitions: docs/chains.md)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangkong.analytics.attack import METHODS, rate_table
from fangkong.analytics.intervals import serial_intervals as intervals_of, summarise
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.errors import Invalid, NotFound
from fangkong.geo.levels import subtree_prefix
from fangkong.tracing.chains_schemas import AttackRateRow, AttackRates, NormalFitRead, SerialIntervals
from fangkong.tracing.models import Contact
from fangkong.tracing.rules import CATEGORIES

# Contact statuses (fangkong.tracing.contacts.TRANSITIONS): followed to an outcome, and lost.
FOLLOWED = ("released", "converted")
LOST = ("lost",)


def serial_intervals(*, session: Session, actor: Actor, jurisdiction_code: str | None = None,
                     certainty: list[str] | None = None, date_from: date | None = None, date_to: date | None = None,
                     primary_only: bool = True, bootstrap: int = 0) -> SerialIntervals:
    """Infectee onset − infector onset over the links in scope; `primary_only` counts each infectee once
    (through its primary infector); dates filter on the infectee's onset."""
    from fangkong.tracing.chains import RANK, load_scope

    unknown = set(certainty or ()) - set(RANK)
    if unknown:
        raise Invalid(f"unknown certainty {sorted(unknown)[0]!r}", field="certainty")
    if not 0 <= bootstrap <= 10_000:
        raise Invalid("bootstrap is between 0 and 10000 draws", field="bootstrap")
    links = load_scope(session=session, actor=actor, jurisdiction_code=jurisdiction_code)
    c = links.chains
    keep = np.ones(c.infector.size, dtype=bool)
    if primary_only:
        keep &= c.primary
    if certainty:
        keep &= np.isin(np.asarray(links.certainty, dtype=object), certainty)
    src_onset, dst_onset = links.onset[c.infector[keep]], links.onset[c.infectee[keep]]
    if date_from:
        keep_dates = ~(dst_onset < date_from.toordinal())
        src_onset, dst_onset = src_onset[keep_dates], dst_onset[keep_dates]
    if date_to:
        keep_dates = ~(dst_onset > date_to.toordinal())
        src_onset, dst_onset = src_onset[keep_dates], dst_onset[keep_dates]
    si = intervals_of(src_onset, dst_onset)
    s = summarise(si, bootstrap=bootstrap, seed=0)
    some = s.n > 0
    return SerialIntervals(
        pairs=s.n, links_without_onsets=int(src_onset.size - s.n),
        mean=s.mean if some else None, sd=s.sd if s.n > 1 else None,
        mean_ci=s.mean_ci if s.n > 1 else None, sd_ci=s.sd_ci if s.n > 1 else None,
        median=s.median if some else None, q25=s.q25 if some else None, q75=s.q75 if some else None,
        minimum=s.minimum if some else None, maximum=s.maximum if some else None,
        negative=s.negative, zero=s.zero,
        fit=NormalFitRead(mean=s.fit.mean, sd=s.fit.sd, log_likelihood=s.fit.log_likelihood) if s.fit else None,
        bootstrap_mean_ci=s.bootstrap_mean_ci, bootstrap_sd_ci=s.bootstrap_sd_ci,
        histogram=[{"days": v, "pairs": n} for v, n in zip(s.values, s.counts)],
    )


def attack_rates(*, session: Session, actor: Actor, by: Literal["setting", "category"] = "setting",
                 jurisdiction_code: str | None = None, categories: list[str] | None = None,
                 date_from: date | None = None, date_to: date | None = None, confirmed: bool | None = None,
                 direct_only: bool = True, method: str = "wilson", confidence: float = 0.95) -> AttackRates:
    """Contacts converted to cases ÷ contacts followed to an outcome (released or converted), by setting
    or category; contacts still followed and lost ones are counted apart, not in the denominator."""
    require(actor, "tracing.read")
    if method not in METHODS:
        raise Invalid(f"method is one of {', '.join(METHODS)}", field="method")
    if not 0.5 <= confidence < 1:
        raise Invalid("confidence lies between 0.5 and 1", field="confidence")
    stmt, group = _contact_counts(actor, by=by, jurisdiction_code=jurisdiction_code, categories=categories,
                                  date_from=date_from, date_to=date_to, confirmed=confirmed, direct_only=direct_only)
    counts: dict[str, list[int]] = {}
    contacts = open_ = lost = 0
    for name, status, n in session.execute(stmt.group_by(group, Contact.status)):
        row = counts.setdefault(name or "unknown", [0, 0])
        contacts += n
        if status in FOLLOWED:
            row[0] += n
            row[1] += n if status == "converted" else 0
        elif status in LOST:
            lost += n
        else:
            open_ += n
    names = list(counts)
    table = rate_table(names, [counts[g][0] for g in names], [counts[g][1] for g in names],
                       confidence=confidence, method=method)
    rows = [AttackRateRow(group=r["setting"], followed=r["followed"], converted=r["converted"], rate=r["rate"],
                          low=r["low"], high=r["high"]) for r in table.to_pylist()]
    return AttackRates(by=by, method=method, confidence=confidence, contacts=contacts, still_followed=open_,
                       lost=lost, rows=rows)


def _contact_counts(actor: Actor, *, by: str, jurisdiction_code, categories, date_from, date_to, confirmed,
                    direct_only) -> tuple:
    """SELECT group, status, count(*) over the contacts in scope that pass the filters (not yet grouped)."""
    unknown = set(categories or ()) - set(CATEGORIES)
    if unknown:
        raise Invalid(f"unknown category {sorted(unknown)[0]!r}", field="categories")
    group = {"setting": Contact.setting, "category": Contact.category}.get(by)
    if group is None:
        raise Invalid("by is setting or category", field="by")
    stmt = scoped(select(group, Contact.status, func.count()), actor, Contact.jurisdiction_code)
    if jurisdiction_code:
        if not actor.covers(jurisdiction_code):
            raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
        stmt = stmt.where(in_subtree(Contact.jurisdiction_code, subtree_prefix(jurisdiction_code)))
    if categories:
        stmt = stmt.where(Contact.category.in_(categories))
    if date_from:
        stmt = stmt.where(Contact.exposure_date >= date_from)
    if date_to:
        stmt = stmt.where(Contact.exposure_date <= date_to)
    if confirmed is not None:
        stmt = stmt.where(Contact.confirmed == confirmed)
    if direct_only:
        stmt = stmt.where(Contact.via_contact_id.is_(None))
    return stmt, group
