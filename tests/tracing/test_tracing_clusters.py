"""Clusters: the window rule (fangkong.analytics.clusters), status transitions, membership, and the
automatic signal under the jurisdiction's profile."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import select

from fangkong.analytics.clusters import dense_groups
from fangkong.audit.models import AuditEntry
from fangkong.authz import SYSTEM
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.protocols import service as protocols
from fangkong.tracing import chains, clusters
from fangkong.tracing.chains_schemas import ClusterCreate, ClusterUpdate, LinkCreate
from fangkong.tracing.models import Cluster
from tracing_chainkit import DISTRICT, OTHER, case, cases, venue, visit


@pytest.fixture
def epi(actor_of):
    return actor_of("epi")


@pytest.fixture
def quiet(session):
    """The signals the demo city's own households raise are raised first, so a test sees only its own."""
    clusters.detect_signals(session=session, actor=SYSTEM)


def test_window_rule():
    # group 1: days 0 and 13 are within 14 days, 30 is alone; group 2: 5 and 20 are 15 days apart
    mask = dense_groups([1, 1, 1, 2, 2, 3], [0, 13, 30, 5, 20, 1], min_cases=2, window_days=14)
    assert mask.tolist() == [True, True, False, False, False, False]
    assert dense_groups([1, 1, 1], [0, 14, 27], min_cases=2, window_days=14).tolist() == [False, True, True]
    assert dense_groups([4, 4, 4, 4], [9, 0, 1, 2], min_cases=3, window_days=3).tolist() == [False, True, True, True]
    assert dense_groups([], [], min_cases=2, window_days=14).size == 0
    rng = np.random.default_rng(1)
    group, day = rng.integers(0, 100_000, 1_000_000), rng.integers(0, 365, 1_000_000)
    assert dense_groups(group, day, min_cases=2, window_days=14).sum() > 0
    with pytest.raises(ValueError):
        dense_groups([1], [1], min_cases=0, window_days=14)


def make(session, actor, ids, **kw):
    body = {"name": "测试聚集", "kind": "household", "household_code": "H-1", **kw}
    return clusters.create(session=session, actor=actor, data=ClusterCreate(case_ids=ids, **body))


def test_status_transitions(session, epi):
    a, b = cases(session, [0, 3])
    one = make(session, epi, [a])
    assert (one.status, one.jurisdiction_code[:6]) == ("signal", DISTRICT)
    with pytest.raises(Invalid, match="at least 2 cases") as err:  # ed9: cluster_min_cases = 2
        clusters.change_status(session=session, actor=epi, cluster_id=one.id, status="cluster")
    assert err.value.field == "status"
    clusters.add_cases(session=session, actor=epi, cluster_id=one.id, case_ids=[b, a])
    assert clusters.change_status(session=session, actor=epi, cluster_id=one.id, status="cluster").status == "cluster"
    with pytest.raises(Conflict, match="cannot become signal"):
        clusters.change_status(session=session, actor=epi, cluster_id=one.id, status="signal")
    closed = clusters.change_status(session=session, actor=epi, cluster_id=one.id, status="closed")
    assert closed.closed_at is not None
    with pytest.raises(Conflict):
        clusters.change_status(session=session, actor=epi, cluster_id=one.id, status="cluster")
    with pytest.raises(Conflict):
        clusters.add_cases(session=session, actor=epi, cluster_id=one.id, case_ids=[case(session)])
    with pytest.raises(Conflict):
        clusters.update(session=session, actor=epi, cluster_id=one.id, data=ClusterUpdate(name="x"))
    assert clusters.update(session=session, actor=epi, cluster_id=one.id, data=ClusterUpdate(notes="结案")).notes == "结案"
    dismissed = make(session, epi, [case(session)])
    with pytest.raises(Invalid, match="why") as err:
        clusters.change_status(session=session, actor=epi, cluster_id=dismissed.id, status="closed")
    assert err.value.field == "reason"
    clusters.change_status(session=session, actor=epi, cluster_id=dismissed.id, status="closed", reason="同一传播链外")
    changes = session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "cluster.status",
                                                               AuditEntry.resource_id == str(one.id))
                              .order_by(AuditEntry.id)).all()
    assert changes == [{"status": ["signal", "cluster"]}, {"status": ["cluster", "closed"]}]


def test_membership_and_validation(session, epi, actor_of):
    a, b = cases(session, [0, 1])
    c = make(session, epi, [a, b, a])
    assert clusters.read(session=session, actor=epi, cluster_id=c.id).case_ids == sorted([a, b])
    clusters.remove_case(session=session, actor=epi, cluster_id=c.id, case_id=a)
    read = clusters.read(session=session, actor=epi, cluster_id=c.id)
    assert (read.case_count, str(read.first_case_date)) == (1, "2022-07-02")
    with pytest.raises(NotFound):
        clusters.remove_case(session=session, actor=epi, cluster_id=c.id, case_id=a)
    with pytest.raises(Invalid) as err:
        make(session, epi, [a], household_code=None)
    assert err.value.field == "household_code"
    with pytest.raises(Invalid) as err:
        make(session, epi, [a], kind="venue", household_code=None)
    assert err.value.field == "venue_id"
    theirs = case(session, district=OTHER)
    with pytest.raises(NotFound):
        make(session, actor_of("epi_district"), [theirs])
    with pytest.raises(NotFound):
        clusters.get(session=session, actor=actor_of("epi_district"), cluster_id=make(session, epi, [theirs]).id)
    with pytest.raises(Forbidden):
        make(session, actor_of("grid"), [a])
    items, _ = clusters.list_clusters(session=session, actor=epi, case_id=b)
    assert [i.id for i in items] == [c.id]


def test_household_signal_per_profile(session, epi, quiet):
    first = case(session, onset=0, household="H-A")
    assert clusters.detect_signals(session=session, actor=epi).created == []  # one case is not a cluster
    second = case(session, onset=10, household="H-A")
    case(session, onset=40, household="H-A")  # outside the 14-day window
    case(session, onset=2, household="H-A", classification="suspected")  # suspected cases do not count
    result = clusters.detect_signals(session=session, actor=epi)
    assert len(result.created) == 1 and result.cases_added == 2
    signal = clusters.read(session=session, actor=epi, cluster_id=result.created[0])
    assert (signal.kind, signal.status, signal.household_code, signal.case_ids) == (
        "household", "signal", "H-A", [first, second])
    assert "at least 2 cases within 14 days" in signal.notes
    assert clusters.detect_signals(session=session, actor=epi).created == []  # nothing twice
    late = case(session, onset=20, household="H-A")  # within 14 days of the cluster's last case
    again = clusters.detect_signals(session=session, actor=epi)
    assert (again.created, again.extended, again.cases_added) == ([], [signal.id], 1)
    assert late in clusters.read(session=session, actor=epi, cluster_id=signal.id).case_ids


def test_the_profile_decides(session, epi, quiet):
    # ed8 has no cluster definition: no automatic signal; an override asks for 3 cases
    protocols.select_profile(session=session, actor=SYSTEM, jurisdiction_code=OTHER, profile_id="ed8",
                             effective_from=date(2020, 1, 1), reason="test")
    cases(session, [0, 1], district=OTHER, household="H-8")
    assert clusters.detect_signals(session=session, actor=epi).created == []
    protocols.override_value(session=session, actor=SYSTEM, jurisdiction_code=DISTRICT,
                             path="case_definitions.cluster_min_cases", value=3, reason="test",
                             effective_from=date(2020, 1, 1))
    cases(session, [0, 5], household="H-9")
    assert clusters.detect_signals(session=session, actor=epi).created == []
    case(session, onset=8, household="H-9")
    created = clusters.detect_signals(session=session, actor=epi).created
    assert len(created) == 1 and session.get(Cluster, created[0]).household_code == "H-9"


def test_venue_signal_from_links_and_itineraries(session, epi, actor_of, quiet):
    venue(session, 501, kind="office")
    a, b = cases(session, [0, 4])
    chains.create_link(session=session, actor=epi, data=LinkCreate(
        infector_case_id=a, infectee_case_id=b, certainty="probable", setting="workplace", venue_id=501))
    signal = session.scalars(select(Cluster).where(Cluster.venue_id == 501)).one()  # raised by the link itself
    assert (signal.kind, signal.status, signal.name) == ("workplace", "signal", "测试场所501")
    venue(session, 502)
    c, d = cases(session, [1, 6])
    visit(session, c, 502)
    visit(session, d, 502)
    # a district epidemiologist runs the detection for their district
    result = clusters.detect_signals(session=session, actor=actor_of("epi_district"), jurisdiction_code=DISTRICT)
    made = session.get(Cluster, result.created[0])
    assert (made.kind, made.venue_id) == ("venue", 502)
    assert sorted(clusters.read(session=session, actor=epi, cluster_id=made.id).case_ids) == [c, d]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "cluster.signal",
                                                    AuditEntry.resource_id == str(made.id)))
    assert entry.actor_username == "epi_district" and entry.changes == {"case_ids": [None, [c, d]]}
    with pytest.raises(Forbidden):
        clusters.detect_signals(session=session, actor=actor_of("commander"))


def test_the_scheduled_job_opens_household_signals(session, quiet):
    """Households get no link to trigger detection, so the minute job finds their signals."""
    from fangkong.tracing.jobs import detect_cluster_signals

    first, second = case(session, onset=0, household="H-JOB"), case(session, onset=3, household="H-JOB")
    run = detect_cluster_signals(session=session)
    assert len(run.created) == 1 and run.cases_added == 2
    assert run.summary() == "1 cluster signals opened, 0 clusters extended by 2 cases"
    cluster = session.get(Cluster, run.created[0])
    assert (cluster.household_code, cluster.status) == ("H-JOB", "signal")
    assert sorted(clusters.member_ids(session, cluster.id)) == sorted([first, second])
    assert detect_cluster_signals(session=session).created == []
