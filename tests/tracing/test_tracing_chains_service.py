"""fangkong.tracing.chains: links with their rules, chains in scope, timeline, graph, serial intervals
and attack rates from the operational store."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fangkong.audit.models import AuditEntry
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.tracing import chains
from fangkong.tracing.chains_schemas import LinkCreate, LinkUpdate
from fangkong.tracing.models import TransmissionLink
from tracing_chainkit import OTHER, case, cases, contact


@pytest.fixture
def epi(actor_of):
    return actor_of("epi")


@pytest.fixture
def district_epi(actor_of):
    return actor_of("epi_district")


def link(session, actor, a, b, certainty="confirmed", **kw):
    return chains.create_link(session=session, actor=actor, data=LinkCreate(
        infector_case_id=a, infectee_case_id=b, certainty=certainty, **kw))


def test_links_make_chains_with_generations(session, epi):
    a, b, c, d, e = cases(session, [0, 4, 5, 9, 10])
    x, y = cases(session, [0, 3])
    for s, t in [(a, b), (a, c), (b, d), (x, y)]:
        link(session, epi, s, t)
    link(session, epi, c, d, certainty="possible", second_infector=True)  # d: two candidate infectors
    link(session, epi, d, e, certainty="probable")
    page = chains.list_chains(session=session, actor=epi)
    mine = [ch for ch in page.items if ch.key in (a, x)]
    assert [(ch.key, ch.size, ch.links, ch.roots, ch.depth) for ch in mine] == [(a, 5, 5, [a], 3), (x, 2, 1, [x], 1)]
    assert str(mine[0].first_onset) == "2022-07-01" and str(mine[0].last_onset) == "2022-07-11"
    assert chains.chain_of_case(session=session, actor=epi, case_id=e).key == a
    members = {m.case_id: m for m in chains.timeline(session=session, actor=epi, key=a).items}
    assert {k: m.generation for k, m in members.items()} == {a: 0, b: 1, c: 1, d: 2, e: 3}
    # d's primary infector is b (confirmed beats possible); both candidates are listed
    assert (members[d].infector_case_id, members[d].candidate_infectors) == (b, sorted([b, c]))
    assert members[e].root_case_id == a
    with pytest.raises(NotFound, match="smallest case id"):
        chains.get_chain(session=session, actor=epi, key=b)


def test_link_rules(session, epi):
    a, b, c = cases(session, [0, 3, 6])
    link(session, epi, a, b)
    with pytest.raises(Invalid) as err:
        link(session, epi, a, a)
    assert err.value.field == "infectee_case_id"
    with pytest.raises(Conflict, match="already linked"):
        link(session, epi, a, b)
    link(session, epi, b, c)
    with pytest.raises(Conflict, match="would close a cycle") as err:
        link(session, epi, c, a)
    assert err.value.field == "infector_case_id"
    d = case(session, onset=1)
    with pytest.raises(Conflict, match=f"case {c} already has infector {b}") as err:
        link(session, epi, d, c)
    assert err.value.field == "second_infector"
    second = link(session, epi, d, c, certainty="possible", second_infector=True)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "link.create",
                                                    AuditEntry.resource_id == str(second.id)))
    assert "further candidate" in entry.detail and entry.changes["certainty"] == [None, "possible"]
    with pytest.raises(NotFound):
        link(session, epi, a, 10**9)
    with pytest.raises(NotFound) as err:
        link(session, epi, a, d, venue_id=999_999)
    assert err.value.field == "venue_id"


def test_update_and_delete_are_audited(session, epi):
    a, b = cases(session, [0, 3])
    made = link(session, epi, a, b, certainty="possible")
    changed = chains.update_link(session=session, actor=epi, link_id=made.id,
                                 data=LinkUpdate(certainty="probable", setting="household"))
    assert (changed.certainty, changed.setting) == ("probable", "household")
    chains.delete_link(session=session, actor=epi, link_id=made.id)
    assert session.get(TransmissionLink, made.id) is None
    actions = session.execute(select(AuditEntry.action, AuditEntry.changes).where(
        AuditEntry.resource_type == "link", AuditEntry.resource_id == str(made.id)).order_by(AuditEntry.id)).all()
    assert [a for a, _ in actions] == ["link.create", "link.update", "link.delete"]
    assert actions[1][1] == {"certainty": ["possible", "probable"], "setting": [None, "household"]}
    assert actions[2][1]["infector_case_id"] == [a, None]


def test_scope_and_permissions(session, epi, district_epi, actor_of):
    mine = cases(session, [0, 2, 4])
    theirs = case(session, district=OTHER, onset=5)
    link(session, epi, mine[0], mine[1])
    link(session, epi, mine[1], mine[2])
    cross = link(session, epi, mine[2], theirs)  # city level: a chain across two districts
    assert chains.chain_of_case(session=session, actor=epi, case_id=mine[0]).size == 4
    # the district sees its part of the chain, and nothing of the other district
    assert chains.chain_of_case(session=session, actor=district_epi, case_id=mine[0]).size == 3
    with pytest.raises(NotFound):
        chains.get_link(session=session, actor=district_epi, link_id=cross.id)
    with pytest.raises(NotFound):
        chains.chain_of_case(session=session, actor=district_epi, case_id=theirs)
    with pytest.raises(NotFound):
        link(session, district_epi, mine[0], theirs)
    items, _ = chains.list_links(session=session, actor=district_epi, limit=100)
    assert cross.id not in [i.id for i in items] and len([i for i in items if i.infector_case_id in mine]) == 2
    with pytest.raises(Forbidden):
        link(session, actor_of("grid"), mine[0], mine[2])
    with pytest.raises(Forbidden):
        chains.list_chains(session=session, actor=actor_of("supply"))


def test_chain_pages_are_largest_first(session, epi):
    sizes = [4, 2, 3, 2]
    keys = []
    for size in sizes:
        ids = cases(session, list(range(size)))
        keys.append(ids[0])
        for s, t in zip(ids, ids[1:]):
            link(session, epi, s, t)
    first = chains.list_chains(session=session, actor=epi, limit=2)
    second = chains.list_chains(session=session, actor=epi, limit=2, cursor=first.next)
    assert [c.key for c in first.items + second.items] == [keys[0], keys[2], keys[1], keys[3]]
    assert second.next is None and first.total_cases == 11
    assert chains.list_chains(session=session, actor=epi, min_size=3).total_chains == 4
    assert len(chains.list_chains(session=session, actor=epi, min_size=3).items) == 2


def test_timeline_by_onset_with_pages(session, epi):
    a, b, c, d = cases(session, [5, 1, None, 3])
    for s, t in [(a, b), (a, c), (a, d)]:
        link(session, epi, s, t)
    page = chains.timeline(session=session, actor=epi, key=a, limit=2)
    rest = chains.timeline(session=session, actor=epi, key=a, limit=2, cursor=page.next)
    assert [m.case_id for m in page.items + rest.items] == [b, d, a, c]  # unknown onset last
    assert rest.next is None and page.chain.size == 4
    assert session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "chain.read")) == "timeline: 2 cases"


def test_graph_full_and_aggregated(session, epi):
    keys = []
    for size in [6, 3, 2, 2, 2]:
        ids = cases(session, list(range(size)))
        keys.append(ids[0])
        for s, t in zip(ids, ids[1:]):
            link(session, epi, s, t, certainty="probable")
    full = chains.graph(session=session, actor=epi, node_limit=100)
    assert full.mode == "full" and len(full.nodes) == 15 and len(full.links) == 10
    node = next(n for n in full.nodes if n.case_id == keys[0])
    assert (node.kind, node.generation, node.classification, str(node.onset_date)) == (
        "case", 0, "confirmed", "2022-07-01")
    assert {(lk.certainty, lk.primary) for lk in full.links} == {("probable", True)}
    small = chains.graph(session=session, actor=epi, node_limit=10)
    assert small.mode == "aggregated" and len(small.nodes) <= 10
    assert sum(n.value for n in small.nodes) == 15 and small.full_chains == 2  # the chains of 6 and 3
    assert [(n.kind, n.value, n.chains) for n in small.nodes if n.kind != "case"] == [("size_group", 6, 3)]
    one = chains.graph(session=session, actor=epi, chain_key=keys[1])
    assert [n.case_id for n in one.nodes] == [keys[1], keys[1] + 1, keys[1] + 2]
    with pytest.raises(Invalid):
        chains.graph(session=session, actor=epi, node_limit=50_000)


def test_serial_intervals_from_known_pairs(session, epi):
    a, b, c, d, e, f = cases(session, [0, 3, 5, 4, None, 10])
    link(session, epi, a, b)                      # 3
    link(session, epi, a, c, certainty="probable")  # 5
    link(session, epi, b, d)                      # 1
    link(session, epi, c, d, certainty="possible", second_infector=True)  # -1, not primary
    link(session, epi, c, e)                      # no onset: left out
    link(session, epi, d, f, certainty="possible")  # 6
    si = chains.serial_intervals(session=session, actor=epi)
    assert (si.pairs, si.links_without_onsets, si.mean, si.median, si.minimum, si.maximum) == (4, 1, 3.75, 4.0, 1, 6)
    assert si.sd == pytest.approx(2.217356, abs=1e-6)  # SD of 3, 5, 1, 6 (n - 1)
    assert si.histogram == [{"days": 1, "pairs": 1}, {"days": 3, "pairs": 1}, {"days": 5, "pairs": 1},
                            {"days": 6, "pairs": 1}]
    every = chains.serial_intervals(session=session, actor=epi, primary_only=False)
    assert every.pairs == 5 and every.negative == 1
    sure = chains.serial_intervals(session=session, actor=epi, certainty=["confirmed"])
    assert (sure.pairs, sure.mean) == (2, 2.0)
    late = chains.serial_intervals(session=session, actor=epi, date_from=DAY(5))
    assert late.pairs == 2 and late.mean == 5.5
    with pytest.raises(Invalid):
        chains.serial_intervals(session=session, actor=epi, certainty=["sure"])


def DAY(n):
    from datetime import timedelta

    from tracing_chainkit import DAY0

    return DAY0 + timedelta(days=n)


def test_attack_rates_by_setting(session, epi, district_epi):
    source = case(session, onset=0)
    elsewhere = case(session, district=OTHER, onset=0)
    for status in ["converted"] * 3 + ["released"] * 17 + ["quarantined"] * 4 + ["lost"]:
        contact(session, source, setting="household", status=status)
    for status in ["converted"] + ["released"] * 9:
        contact(session, source, setting="workplace", status=status)
    contact(session, elsewhere, setting="household", status="converted")
    secondary = contact(session, source, setting="household", status="converted", category="secondary")
    contact(session, source, setting="household", status="converted", category="secondary", via=secondary)
    rates = chains.attack_rates(session=session, actor=district_epi, categories=["close"])
    rows = {r.group: r for r in rates.rows}
    assert (rows["household"].followed, rows["household"].converted, rows["household"].rate) == (20, 3, 0.15)
    # Wilson interval of 3/20 by hand: (3 + z²/2 ± z√(3·17/20 + z²/4)) / (20 + z²), z = 1.96
    assert (round(rows["household"].low, 4), round(rows["household"].high, 4)) == (0.0524, 0.3604)
    assert (rows["workplace"].followed, rows["workplace"].converted) == (10, 1)
    assert (rows["all"].followed, rows["all"].converted) == (30, 4)
    assert (rates.contacts, rates.still_followed, rates.lost) == (35, 4, 1)
    city = chains.attack_rates(session=session, actor=epi, by="category")
    assert {r.group: (r.followed, r.converted) for r in city.rows} == {
        "close": (31, 5), "secondary": (1, 1), "all": (32, 6)}  # the contact of a contact is left out
    exact = chains.attack_rates(session=session, actor=district_epi, categories=["close"], method="exact")
    assert exact.rows[0].low < rows["household"].low
