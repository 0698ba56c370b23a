"""Contacts: by hand per profile, statuses, bulk actions and hand-over, contacts of contacts, conversion."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tracing_corekit import confirmed_case, grids, local, person, use_profile, write_store

from fangkong.audit.models import AuditEntry
from fangkong.errors import Conflict, Forbidden, Invalid, NotFound
from fangkong.people.models import Person
from fangkong.response.models import Team
from fangkong.tracing import contact_bulk, contacts, secondary
from fangkong.tracing.models import Contact, PlacementRequest
from fangkong.tracing.schemas import ContactBulk, ContactCreate


def add(session, actor, case, who, exposure="household", **kw) -> Contact:
    return contacts.create(session=session, actor=actor, data=ContactCreate(
        source_case_id=case.id, person_id=who.id, exposure=exposure, **kw))


@pytest.fixture
def scene(session, actor_of):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    case = confirmed_case(session, epi, inside)
    return epi, inside, case


def test_hand_made_contacts_are_categorised_by_the_profile(session, scene):
    epi, inside, case = scene
    spouse = add(session, epi, case, person(session, inside, "配偶"),
                 last_exposure_at=local("2022-07-09T22:00"))
    colleague = add(session, epi, case, person(session, inside, "同事"), exposure="shared_closed_space")
    passenger = add(session, epi, case, person(session, inside, "乘客"), exposure="same_vehicle")
    assert (spouse.category, spouse.setting, spouse.found_by) == ("close", "household", "investigation")
    assert spouse.exposure_date.isoformat() == "2022-07-09"
    assert (colleague.category, colleague.setting) == ("close", "workplace")
    assert (passenger.category, passenger.setting) == ("general", "transport")
    with pytest.raises(Conflict):  # one contact per person and case
        add(session, epi, case, session.get(Person, spouse.person_id), exposure="shared_meal")
    with pytest.raises(Invalid):  # the case is not its own contact
        add(session, epi, case, session.get(Person, case.person_id))
    child = add(session, epi, case, person(session, inside, "孩子"), via_contact_id=spouse.id)
    assert (child.category, child.via_contact_id) == ("secondary", spouse.id)
    with pytest.raises(Invalid):  # contacts of contacts come from close contacts only
        add(session, epi, case, person(session, inside, "x"), via_contact_id=passenger.id)


def test_twenty_measures_determines_no_secondary_contacts(session, actor_of, tmp_path):
    epi = actor_of("epi")
    inside, _ = grids(session, epi)
    use_profile(session, inside, "twenty_measures")
    case = confirmed_case(session, epi, inside)
    spouse = add(session, epi, case, person(session, inside, "配偶", household="H1"))
    with pytest.raises(Invalid) as err:
        add(session, epi, case, person(session, inside, "孩子"), via_contact_id=spouse.id)
    assert "twenty_measures" in err.value.message
    result = secondary.expand(session=session, actor=epi, case_id=case.id, data_dir=tmp_path)
    assert result.determined is False and result.created == 0


def test_status_transitions(session, scene, actor_of):
    epi, inside, case = scene
    c = add(session, epi, case, person(session, inside))
    contacts.change_status(session=session, actor=epi, contact_id=c.id, status="notified", version=1)
    with pytest.raises(Invalid):
        contacts.change_status(session=session, actor=epi, contact_id=c.id, status="released")
    with pytest.raises(Invalid):
        contacts.change_status(session=session, actor=epi, contact_id=c.id, status="lost")  # needs a reason
    with pytest.raises(Conflict):
        contacts.change_status(session=session, actor=epi, contact_id=c.id, status="quarantined", version=1)
    contacts.change_status(session=session, actor=epi, contact_id=c.id, status="quarantined")
    contacts.change_status(session=session, actor=epi, contact_id=c.id, status="released")
    assert c.status == "released" and c.version == 4
    with pytest.raises(Forbidden):
        contacts.change_status(session=session, actor=actor_of("grid") if actor_of("grid").covers(inside)
                               else actor_of("auditor"), contact_id=c.id, status="lost", reason="x")


def test_bulk_actions_and_handover(session, scene):
    epi, inside, case = scene
    close = add(session, epi, case, person(session, inside), last_exposure_at=local("2022-07-09T22:00"))
    general = add(session, epi, case, person(session, inside), exposure="same_vehicle")
    ids = [close.id, general.id]
    r = contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=ids, action="confirm"))
    assert (r.changed, r.unchanged) == (2, 0) and close.confirmed and general.confirmed
    assert contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=ids, action="confirm")).changed == 0
    with pytest.raises(Invalid):  # a reason is required
        contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=[general.id], action="recategorise",
                                                                       category="close"))
    with pytest.raises(Invalid):  # secondary only for contacts of close contacts
        contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=[general.id], action="recategorise",
                                                                       category="secondary", reason="r"))
    contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=[general.id], action="recategorise",
                                                                   category="close", reason="sat next to the case"))
    assert general.category == "close"
    team = Team(name="流调一队", department="cdc", jurisdiction_code=inside)
    session.add(team)
    session.flush()
    assert contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=ids, action="assign",
                                                                          team_id=team.id)).changed == 2
    with pytest.raises(NotFound):
        contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=ids, action="assign", team_id=999999))
    r = contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=ids, action="handover"))
    assert r.changed == 2 and len(r.placement_request_ids) == 2
    req = session.scalar(select(PlacementRequest).where(PlacementRequest.contact_id == close.id))
    # ed9 close contacts: the clock starts at the last exposure (categories.close_contact.clock)
    assert req.clock_start == local("2022-07-09T22:00") and req.category == "close"
    other = session.scalar(select(PlacementRequest).where(PlacementRequest.contact_id == general.id))
    assert other.clock_start == general.created_at  # no last exposure known: from identification
    assert contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=ids, action="handover")).changed == 0
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == "contact.recategorise",
                                                      AuditEntry.detail == "sat next to the case"))


def test_handover_refuses_a_category_the_profile_does_not_manage(session, scene):
    epi, inside, case = scene
    general = add(session, epi, case, person(session, inside), exposure="same_vehicle")
    with pytest.raises(Invalid) as err:  # ed9 has no quarantine rule for general contacts
        contact_bulk.bulk(session=session, actor=epi, data=ContactBulk(ids=[general.id], action="handover"))
    assert str(general.id) in err.value.message
    assert session.query(PlacementRequest).count() == 0


def test_expand_contacts_of_contacts_by_household_and_venue(session, scene, settings):
    epi, inside, case = scene
    spouse = person(session, inside, "配偶", household="H-7")
    flatmate, stranger, met = (person(session, inside, "室友", household="H-7"), person(session, inside, "路人"),
                               person(session, inside, "饭友"))
    close = add(session, epi, case, spouse, exposure_date=local("2022-07-09T00:00").date())
    write_store(settings.data_dir, "checkins", [
        (spouse.id, 77, "2022-07-10 12:00:00", "2022-07-10 13:00:00"),
        (met.id, 77, "2022-07-10 12:30:00", "2022-07-10 12:50:00"),
        (stranger.id, 77, "2022-07-10 14:00:00", "2022-07-10 15:00:00"),
    ])
    r = secondary.expand(session=session, actor=epi, case_id=case.id, data_dir=settings.data_dir)
    assert (r.determined, r.close_contacts, r.created, r.household, r.venue) == (True, 1, 2, 1, 1)
    made = {c.person_id: c for c in session.scalars(select(Contact).where(Contact.via_contact_id == close.id))}
    assert set(made) == {flatmate.id, met.id}
    assert all(c.category == "secondary" for c in made.values())
    assert (made[flatmate.id].found_by, made[met.id].found_by) == ("household", "venue")
    again = secondary.expand(session=session, actor=epi, case_id=case.id, data_dir=settings.data_dir)
    assert (again.created, again.existing) == (0, 2)


def test_a_contact_who_becomes_a_case_is_converted(session, scene, actor_of):
    epi, inside, case = scene
    who = person(session, inside)
    c = add(session, epi, case, who)
    confirmed_case(session, epi, inside, who=who, diagnosed=local("2022-07-12T09:00"))
    assert c.status == "converted" and c.converted_case_id is not None
    with pytest.raises(Conflict):
        contacts.convert(session=session, actor=epi, contact_id=c.id, case_id=c.converted_case_id)


def test_lists_mask_scope_and_paginate(session, scene, actor_of):
    epi, inside, case = scene
    made = [add(session, epi, case, person(session, inside, f"P{i}"), exposure="same_place") for i in range(3)]
    page, nxt = contacts.list_contacts(session=session, actor=epi, case_id=case.id, limit=2)
    rest, end = contacts.list_contacts(session=session, actor=epi, case_id=case.id, limit=2, cursor=nxt)
    assert [c.id for c in page + rest] == sorted((m.id for m in made), reverse=True) and end is None
    assert page[0].person["phone"] == "138****5678"
    full, _ = contacts.list_contacts(session=session, actor=epi, case_id=case.id, unmask=True)
    assert full[0].person["phone"] == "13812345678"
    logged = list(session.scalars(select(AuditEntry.action).where(AuditEntry.actor_username == "epi",
                                                                  AuditEntry.resource_type == "contact")))
    assert logged.count("contact.list") == 3 and "person.unmask" in logged
    with pytest.raises(Forbidden):
        contacts.list_contacts(session=session, actor=actor_of("auditor"), unmask=True)
    district = actor_of("epi_district")
    _, outside = grids(session, district)
    far_case = confirmed_case(session, epi, outside)
    far = add(session, epi, far_case, person(session, outside), exposure="same_place")
    ids = {c.id for c in contacts.list_contacts(session=session, actor=district, limit=500)[0]}
    assert far.id not in ids
    with pytest.raises(NotFound):
        contacts.read(session=session, actor=district, contact_id=far.id)
    with pytest.raises(NotFound):
        contact_bulk.bulk(session=session, actor=district, data=ContactBulk(ids=[far.id], action="confirm"))
