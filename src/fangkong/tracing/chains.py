"""Transmission links (infector case → infectee case) and the chains they make: chains of a
jurisdiction, the chain of a case, its timeline, and the graph a chart draws. Serial intervals and
secondary attack rates are in `fangkong.tracing.chain_stats` (re-exported here).

Scope: an actor sees a link when both of its cases lie in their subtree; chains are built from those
links only, so a district sees the part of a cross-district chain inside it, the city the whole.
Recording a link needs `chain.manage` on both cases. Rules (docs/chains.md, "Links"): no self links;
no link that would close a directed cycle; a case that already has an infector gets another only
when the request says `second_infector` (the more certain link is then the primary one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from fangkong.audit import service as audit
from fangkong.analytics.chains import Chains, aggregate_graph, build_chains
from fangkong.authz import Actor, in_subtree, require, scoped
from fangkong.cases.models import Case
from fangkong.errors import Conflict, Invalid, NotFound
from fangkong.geo.levels import subtree_prefix
from fangkong.kit.bulk import chunks
from fangkong.kit.pagination import decode_cursor, encode_cursor, keyset_page
from fangkong.tracing.chains_schemas import (
    ChainMember, ChainPage, ChainSummary, Graph, GraphLink, GraphNode, LinkCreate, LinkUpdate, TimelinePage,
)
from fangkong.tracing.common import case_in_scope
from fangkong.tracing.models import TransmissionLink, Venue

# Which of two candidate infectors is the primary one (then the smaller case id).
RANK = {"confirmed": 3, "probable": 2, "possible": 1}
DEFAULT_NODE_LIMIT = 2_000   # a force layout in ECharts stays fluid to about here
MAX_NODE_LIMIT = 20_000      # the most a page is asked to draw (issue 5)
BFS_MAX_STEPS = 64           # a chain deeper than this is read with the whole scope instead
EDITABLE = ("certainty", "setting", "venue_id", "notes")
CATEGORIES = ["case", "generation", "chain", "size_group"]
TIMELINE_COLUMNS = (Case.classification, Case.jurisdiction_code, Case.onset_date, Case.sampling_date,
                    Case.diagnosed_at, Case.report_date)



# --- links ---------------------------------------------------------------------------------------

def get_link(*, session: Session, actor: Actor, link_id: int, action: str = "tracing.read") -> TransmissionLink:
    """A link both of whose cases the actor may see (else: not found)."""
    link = session.get(TransmissionLink, link_id)
    if link is None:
        raise NotFound(f"no link {link_id}")
    for case_id in (link.infector_case_id, link.infectee_case_id):
        case_in_scope(session=session, actor=actor, case_id=case_id, action=action)
    return link


def _check_venue(session: Session, venue_id: int | None) -> None:
    if venue_id is not None and session.get(Venue, venue_id) is None:
        raise NotFound(f"no venue {venue_id}", field="venue_id")


def reaches(session: Session, *, start: int, goal: int) -> bool:
    """Whether links lead from case `start` to case `goal` (breadth first, over every link)."""
    seen, frontier = {start}, [start]
    while frontier:
        found: set[int] = set()
        for part in chunks(frontier):
            found.update(session.scalars(select(TransmissionLink.infectee_case_id)
                                         .where(TransmissionLink.infector_case_id.in_(part))))
        if goal in found:
            return True
        frontier = list(found - seen)
        seen |= found
    return False


def create_link(*, session: Session, actor: Actor, data: LinkCreate) -> TransmissionLink:
    if data.infector_case_id == data.infectee_case_id:
        raise Invalid("a case cannot infect itself", field="infectee_case_id")
    infector = case_in_scope(session=session, actor=actor, case_id=data.infector_case_id, action="chain.manage")
    infectee = case_in_scope(session=session, actor=actor, case_id=data.infectee_case_id, action="chain.manage")
    _check_venue(session, data.venue_id)
    existing = session.scalar(select(TransmissionLink.id).where(
        TransmissionLink.infector_case_id == infector.id, TransmissionLink.infectee_case_id == infectee.id))
    if existing:
        raise Conflict(f"case {infector.id} is already linked to case {infectee.id} (link {existing})",
                       field="infectee_case_id")
    if reaches(session, start=infectee.id, goal=infector.id):
        raise Conflict(f"case {infectee.id} already leads to case {infector.id}: this link would close a cycle",
                       field="infector_case_id")
    others = sorted(session.scalars(select(TransmissionLink.infector_case_id)
                                    .where(TransmissionLink.infectee_case_id == infectee.id)))
    if others and not data.second_infector:
        raise Conflict(f"case {infectee.id} already has infector {', '.join(map(str, others))}; "
                       "set second_infector to record another candidate", field="second_infector")
    values = data.model_dump(exclude={"second_infector"})
    link = TransmissionLink(**values, created_by=actor.username)
    session.add(link)
    session.flush()
    audit.record(session=session, actor=actor, action="link.create", resource_type="link", resource_id=link.id,
                 jurisdiction_code=infectee.jurisdiction_code, changes=audit.diff({}, values),
                 detail=f"further candidate infector of case {infectee.id}" if others else "")
    _after_change(session, actor, link)
    return link


def update_link(*, session: Session, actor: Actor, link_id: int, data: LinkUpdate) -> TransmissionLink:
    link = get_link(session=session, actor=actor, link_id=link_id, action="chain.manage")
    changes = data.model_dump(exclude_unset=True)
    if "certainty" in changes and changes["certainty"] is None:
        raise Invalid("a link needs a certainty", field="certainty")
    if changes.get("venue_id") is not None:
        _check_venue(session, changes["venue_id"])
    old = {k: getattr(link, k) for k in EDITABLE}
    delta = audit.diff(old, {**old, **{k: ("" if k == "notes" and v is None else v) for k, v in changes.items()}})
    if not delta:
        return link
    for key, (_, new) in delta.items():
        setattr(link, key, new)
    session.flush()
    infectee = session.get(Case, link.infectee_case_id)
    audit.record(session=session, actor=actor, action="link.update", resource_type="link", resource_id=link.id,
                 jurisdiction_code=infectee.jurisdiction_code, changes=delta)
    _after_change(session, actor, link)
    return link


def delete_link(*, session: Session, actor: Actor, link_id: int) -> None:
    link = get_link(session=session, actor=actor, link_id=link_id, action="chain.manage")
    infectee = session.get(Case, link.infectee_case_id)
    old = {"infector_case_id": link.infector_case_id, "infectee_case_id": link.infectee_case_id,
           **{k: getattr(link, k) for k in EDITABLE}}
    session.delete(link)
    session.flush()
    audit.record(session=session, actor=actor, action="link.delete", resource_type="link", resource_id=link_id,
                 jurisdiction_code=infectee.jurisdiction_code, changes=audit.diff(old, dict.fromkeys(old)))


def _after_change(session: Session, actor: Actor, link: TransmissionLink) -> None:
    """A link at a venue may complete a cluster signal there (profile: cluster_min_cases in the window)."""
    if link.venue_id is not None:
        from fangkong.tracing import clusters

        clusters.detect_signals(session=session, actor=actor, venue_ids=[link.venue_id])


def scoped_links(actor: Actor, *columns, jurisdiction_code: str | None = None) -> Select:
    """Links whose two cases both lie in the actor's subtree (and one in `jurisdiction_code`, if given);
    the infector's case is aliased `a`, the infectee's `b` — pass columns built from `link_cases()`."""
    a, b = link_cases()
    stmt = (select(*columns).select_from(TransmissionLink)
            .join(a, a.id == TransmissionLink.infector_case_id).join(b, b.id == TransmissionLink.infectee_case_id))
    stmt = scoped(scoped(stmt, actor, a.jurisdiction_code), actor, b.jurisdiction_code)
    if jurisdiction_code:
        if not actor.covers(jurisdiction_code):
            raise NotFound("no such jurisdiction in your jurisdiction", field="jurisdiction_code")
        wanted = subtree_prefix(jurisdiction_code)
        stmt = stmt.where(or_(in_subtree(a.jurisdiction_code, wanted), in_subtree(b.jurisdiction_code, wanted)))
    return stmt


_A, _B = aliased(Case, name="a"), aliased(Case, name="b")


def link_cases():
    return _A, _B


def list_links(*, session: Session, actor: Actor, case_id: int | None = None, limit: int = 50,
               cursor: str | None = None) -> tuple[list[TransmissionLink], str | None]:
    require(actor, "tracing.read")
    stmt = scoped_links(actor, TransmissionLink)
    if case_id is not None:
        stmt = stmt.where(or_(TransmissionLink.infector_case_id == case_id,
                              TransmissionLink.infectee_case_id == case_id))
    return keyset_page(session, stmt, TransmissionLink.id, limit=limit, cursor=cursor)


# --- chains ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkSet:
    """Links in scope as arrays, and the chains they make."""

    link_id: np.ndarray
    certainty: list[str]
    chains: Chains
    onset: np.ndarray  # per case of `chains`: day number (date.toordinal) of onset, NaN when unknown


def _link_rows(session: Session, stmt: Select) -> list[tuple]:
    return [tuple(r) for r in session.execute(stmt)]


def _link_columns():
    a, b = link_cases()
    return (TransmissionLink.id, TransmissionLink.infector_case_id, TransmissionLink.infectee_case_id,
            TransmissionLink.certainty, a.onset_date, b.onset_date)


def link_set(rows: list[tuple]) -> LinkSet:
    """Chains from rows of (link id, infector, infectee, certainty, infector onset, infectee onset)."""
    ids, src, dst, certainty, src_onset, dst_onset = (list(col) for col in zip(*rows)) if rows else ([],) * 6
    chains = build_chains(src, dst, rank=[RANK.get(c, 0) for c in certainty])
    onset = np.full(chains.n_cases, np.nan)
    for cases, onsets in ((src, src_onset), (dst, dst_onset)):
        days = np.array([d.toordinal() if d is not None else np.nan for d in onsets], dtype=float)
        onset[chains.index_of(cases)] = days
    return LinkSet(link_id=np.asarray(ids, dtype=np.int64), certainty=certainty, chains=chains, onset=onset)


def load_scope(*, session: Session, actor: Actor, jurisdiction_code: str | None = None) -> LinkSet:
    require(actor, "tracing.read")
    return link_set(_link_rows(session, scoped_links(actor, *_link_columns(), jurisdiction_code=jurisdiction_code)))


def load_chain_of(*, session: Session, actor: Actor, case_id: int) -> tuple[LinkSet, int]:
    """The links of the chain holding case `case_id` (breadth first over links in scope) and its number."""
    case_in_scope(session=session, actor=actor, case_id=case_id)
    seen, frontier, rows = {case_id}, [case_id], {}
    for _ in range(BFS_MAX_STEPS):
        if not frontier:
            break
        found: set[int] = set()
        for part in chunks(frontier):
            stmt = scoped_links(actor, *_link_columns()).where(or_(
                TransmissionLink.infector_case_id.in_(part), TransmissionLink.infectee_case_id.in_(part)))
            for row in _link_rows(session, stmt):
                rows[row[0]] = row
                found.update(row[1:3])
        frontier = list(found - seen)
        seen |= found
    if frontier:  # deeper than the walk allows: read the whole scope once instead
        links = load_scope(session=session, actor=actor)
    else:
        links = link_set(sorted(rows.values()))
    index = int(links.chains.index_of([case_id])[0])
    if index < 0:
        raise NotFound(f"case {case_id} is in no transmission chain", field="case_id")
    return links, int(links.chains.chain[index])


def _summary(links: LinkSet, chain_no: int) -> ChainSummary:
    c = links.chains
    members = c.members(chain_no)
    roots = members[c.parent[members] < 0]
    onsets = links.onset[members]
    known = onsets[~np.isnan(onsets)]
    return ChainSummary(
        key=int(c.key[chain_no]), size=int(c.size[chain_no]), links=int(c.links[chain_no]),
        roots=c.case_id[roots[:20]].tolist(), root_count=int(roots.size), depth=int(c.depth[chain_no]),
        cyclic=bool(c.cyclic[chain_no]),
        first_onset=date.fromordinal(int(known.min())) if known.size else None,
        last_onset=date.fromordinal(int(known.max())) if known.size else None,
    )


def list_chains(*, session: Session, actor: Actor, jurisdiction_code: str | None = None, min_size: int = 2,
                limit: int = 50, cursor: str | None = None, links: LinkSet | None = None) -> ChainPage:
    """Chains in scope, largest first (then by key); page on with `cursor`. `links`: the scope if the
    caller has loaded it already (`load_scope` with the same actor and jurisdiction)."""
    if links is None:
        links = load_scope(session=session, actor=actor, jurisdiction_code=jurisdiction_code)
    c = links.chains
    order = np.lexsort((c.key, -c.size))
    order = order[c.size[order] >= min_size]
    after = decode_cursor(cursor)
    if after:
        try:
            size, key = int(after[0]), int(after[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise Invalid("cursor is not one this server issued", field="cursor") from exc
        order = order[(c.size[order] < size) | ((c.size[order] == size) & (c.key[order] > key))]
    page = order[:limit]
    nxt = encode_cursor([int(c.size[page[-1]]), int(c.key[page[-1]])]) if order.size > limit else None
    return ChainPage(items=[_summary(links, int(i)) for i in page], total_chains=int(c.n_chains),
                     total_cases=int(c.n_cases), next=nxt)


def chain_of_case(*, session: Session, actor: Actor, case_id: int) -> ChainSummary:
    links, chain_no = load_chain_of(session=session, actor=actor, case_id=case_id)
    return _summary(links, chain_no)


def _chain_by_key(session: Session, actor: Actor, key: int, links: LinkSet | None = None) -> tuple[LinkSet, int]:
    """Chain `key`: walked from its case, or found in `links`, the scope already loaded."""
    if links is None:
        try:
            links, chain_no = load_chain_of(session=session, actor=actor, case_id=key)
        except NotFound:
            raise NotFound(f"no chain {key}") from None
    else:
        index = int(links.chains.index_of([key])[0])
        if index < 0:
            raise NotFound(f"no chain {key}")
        chain_no = int(links.chains.chain[index])
    if int(links.chains.key[chain_no]) != key:
        raise NotFound(f"no chain {key}: chains are named by their smallest case id, here "
                       f"{int(links.chains.key[chain_no])}")
    return links, chain_no


def get_chain(*, session: Session, actor: Actor, key: int) -> ChainSummary:
    links, chain_no = _chain_by_key(session, actor, key)
    return _summary(links, chain_no)


def _cases(session: Session, ids: Iterable[int], *columns) -> dict[int, tuple]:
    """Rows of (Case.id, *columns) by case id; plain rows, not entities (20,000 of them load in 0.1 s)."""
    found: dict[int, tuple] = {}
    for part in chunks(ids):
        found.update((row[0], row) for row in session.execute(select(Case.id, *columns).where(Case.id.in_(part))))
    return found


def timeline(*, session: Session, actor: Actor, key: int, limit: int = 1000, cursor: str | None = None,
             links: LinkSet | None = None) -> TimelinePage:
    """The cases of chain `key` by onset (unknown onsets last, then by case id), with generations.
    `links`: the scope if the caller has loaded it already (timelines of several chains)."""
    links, chain_no = _chain_by_key(session, actor, key, links)
    c = links.chains
    members = c.members(chain_no)
    onset = np.where(np.isnan(links.onset[members]), np.inf, links.onset[members])
    members = members[np.lexsort((c.case_id[members], onset))]
    start = int((decode_cursor(cursor) or [0])[0])
    page = members[start:start + limit]
    cases = _cases(session, c.case_id[page].tolist(), *TIMELINE_COLUMNS)
    candidates: dict[int, list[int]] = {}
    in_page = np.isin(c.infectee, page)
    for s, d in zip(c.case_id[c.infector[in_page]].tolist(), c.case_id[c.infectee[in_page]].tolist()):
        candidates.setdefault(d, []).append(s)
    items = []
    for i in page.tolist():
        case = cases[int(c.case_id[i])]
        items.append(ChainMember(
            **dict(zip(("case_id", *(col.key for col in TIMELINE_COLUMNS)), case)), generation=int(c.generation[i]),
            infector_case_id=int(c.parent[i]) if c.parent[i] >= 0 else None,
            candidate_infectors=sorted(candidates.get(case[0], [])),
            root_case_id=int(c.root[i]) if c.root[i] >= 0 else None))
    audit.record(session=session, actor=actor, action="chain.read", resource_type="chain", resource_id=key,
                 jurisdiction_code=actor.jurisdiction_code, detail=f"timeline: {len(items)} cases")
    nxt = encode_cursor([start + limit]) if start + limit < members.size else None
    return TimelinePage(chain=_summary(links, chain_no), items=items, next=nxt)


def graph(*, session: Session, actor: Actor, jurisdiction_code: str | None = None, chain_key: int | None = None,
          node_limit: int = DEFAULT_NODE_LIMIT, links: LinkSet | None = None) -> Graph:
    """Nodes and links for an ECharts graph; beyond `node_limit` cases, aggregated (docs/chains.md, "Graph").
    `links`: the scope if the caller has loaded it already (used for the graph of all chains)."""
    if not 1 <= node_limit <= MAX_NODE_LIMIT:
        raise Invalid(f"node_limit is between 1 and {MAX_NODE_LIMIT}", field="node_limit")
    if chain_key is not None:
        links, chain_no = _chain_by_key(session, actor, chain_key)
        select_ = [chain_no]
    else:
        if links is None:
            links = load_scope(session=session, actor=actor, jurisdiction_code=jurisdiction_code)
        select_ = None
    view = aggregate_graph(links.chains, node_limit=node_limit, select=select_)
    nodes = view.nodes.to_pylist()
    cases = _cases(session, [n["case_id"] for n in nodes if n["case_id"] is not None],
                   Case.classification, Case.onset_date)
    return Graph(
        mode=view.mode, node_limit=node_limit, total_cases=view.total_cases, total_chains=view.total_chains,
        full_chains=view.full_chains, generation_chains=view.generation_chains,
        summarised_chains=view.summarised_chains, grouping=view.grouping,
        categories=[{"name": name} for name in CATEGORIES],
        nodes=[_node(n, cases.get(n["case_id"])) for n in nodes], links=_graph_links(links, view.links.to_pylist()),
    )


def _node(n: dict, case: tuple | None) -> GraphNode:
    kind = n["kind"]
    if kind == "case":
        name = f"#{n['case_id']}"
    elif kind == "generation":
        span = (f"{n['generation']}" if n["generation"] == n["generation_max"]
                else f"{n['generation']}–{n['generation_max']}")
        name = f"chain {n['chain_key']} · generation {span}"
    elif kind == "chain":
        name = f"chain {n['chain_key']} ({n['cases']})"
    else:
        span = f"{n['size_min']}" if n["size_min"] == n["size_max"] else f"{n['size_min']}–{n['size_max']}"
        name = f"{n['chains']} chains of {span}"
    return GraphNode(
        id=n["id"], name=name, kind=kind, category=CATEGORIES.index(kind), value=n["cases"], case_id=n["case_id"],
        chain_key=n["chain_key"], generation=n["generation"], generation_max=n["generation_max"],
        chains=n["chains"], size_min=n["size_min"], size_max=n["size_max"],
        classification=case[1] if case else None, onset_date=case[2] if case else None)


def _graph_links(links: LinkSet, rows: list[dict]) -> list[GraphLink]:
    c = links.chains
    drawn = [int(r["target"][1:]) for r in rows if r["source"].startswith("c")]
    shown = np.flatnonzero(np.isin(c.case_id[c.infectee], drawn))  # only the links drawn case by case
    pairs = {(int(c.case_id[c.infector[i]]), int(c.case_id[c.infectee[i]])): (links.certainty[i], bool(c.primary[i]))
             for i in shown.tolist()}
    out = []
    for row in rows:
        extra = {}
        if row["source"].startswith("c"):
            certainty, primary = pairs[(int(row["source"][1:]), int(row["target"][1:]))]
            extra = {"certainty": certainty, "primary": primary}
        out.append(GraphLink(source=row["source"], target=row["target"], value=row["links"], **extra))
    return out


from fangkong.tracing.chain_stats import attack_rates, serial_intervals  # noqa: E402,F401 - re-exported
