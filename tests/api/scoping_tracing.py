"""Scoping probes of the tracing routes (investigations, itineraries, exposure searches, contacts,
venues), registered into `test_scoping.PROBES`: the district user `epi_district` gets 404 for a
record of another district, and lists hold only its own."""

from __future__ import annotations

from sqlalchemy import select

from fangkong.db import session_scope
from fangkong.geo.models import Jurisdiction
from fangkong.people.models import Person
from fangkong.tracing.models import Venue

HOME = "320102"
T = "/api/v1/tracing"


def _no(api, method, url, **kw):
    r = api.request(method, url, user="epi_district", **kw)
    assert r.status_code == 404, (method, url, r.status_code, r.text)


def _ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def _inside(items):
    return all(i["jurisdiction_code"].startswith(HOME) for i in items)


def _investigation(api, f) -> int:
    r = api.post(f"{T}/investigations", user="epi", json={"case_id": f["case"]})
    if r.status_code == 409:
        return _ok(api.get(f"{T}/cases/{f['case']}/investigation", user="epi"))["id"]
    return _ok(r, 201)["id"]


def _entry(api, f) -> tuple[int, int]:
    inv = _investigation(api, f)
    entry = _ok(api.post(f"{T}/investigations/{inv}/itinerary", user="epi", json={
        "kind": "place", "place_name": "公园", "start_at": "2022-07-07T08:00:00+08:00"}), 201)
    return inv, entry["id"]


def _fresh_person(api, code: str) -> int:
    with session_scope(api.app.state.settings.url) as s:
        p = Person(name="探针", jurisdiction_code=code, address="")
        s.add(p)
        s.flush()
        return p.id


def _contact(api, f) -> int:
    person = _fresh_person(api, f["node"])
    return _ok(api.post(f"{T}/contacts", user="epi", json={"source_case_id": f["case"], "person_id": person,
                                                          "exposure": "household"}), 201)["id"]


def _venue(api, home: bool) -> int:
    with session_scope(api.app.state.settings.url) as s:
        codes = s.scalars(select(Jurisdiction.code).where(Jurisdiction.level == "grid").order_by(Jurisdiction.code))
        code = next(c for c in codes if c.startswith(HOME) == home)
        venue_id = 880 + int(home)
        if s.get(Venue, venue_id) is None:
            s.add(Venue(id=venue_id, place_code=f"PROBE-{venue_id}", name="探针", kind="mall", address="",
                        jurisdiction_code=code))
        return venue_id


def probe_venues(api, f):
    foreign, home = _venue(api, False), _venue(api, True)
    items = _ok(api.get(f"{T}/venues?limit=500", user="epi_district"))["items"]
    assert _inside(items) and home in [v["id"] for v in items] and foreign not in [v["id"] for v in items]


def probe_venue(api, f):
    _no(api, "GET", f"{T}/venues/{_venue(api, False)}")


def probe_unregistered(api, f):
    # Unregistered venues are ids without a record: no jurisdiction, no personal data.
    assert _ok(api.get(f"{T}/venues/unregistered", user="epi_district")) == []


def probe_investigations(api, f):
    foreign = _investigation(api, f)
    items = _ok(api.get(f"{T}/investigations?limit=500", user="epi_district"))["items"]
    assert _inside(items) and foreign not in [i["id"] for i in items]


def probe_investigation_create(api, f):
    _no(api, "POST", f"{T}/investigations", json={"case_id": f["case"]})


def probe_investigation(api, f):
    _no(api, "GET", f"{T}/investigations/{_investigation(api, f)}")


def probe_investigation_update(api, f):
    _no(api, "PATCH", f"{T}/investigations/{_investigation(api, f)}", json={"notes": "x"})


def probe_investigation_of_case(api, f):
    _investigation(api, f)
    _no(api, "GET", f"{T}/cases/{f['case']}/investigation")


def probe_investigation_status(api, f):
    _no(api, "POST", f"{T}/investigations/{_investigation(api, f)}/status", json={"status": "on_site"})


def probe_investigation_report(api, f):
    _no(api, "GET", f"{T}/investigations/{_investigation(api, f)}/report")


def probe_itinerary(api, f):
    _no(api, "GET", f"{T}/investigations/{_investigation(api, f)}/itinerary")


def probe_itinerary_add(api, f):
    _no(api, "POST", f"{T}/investigations/{_investigation(api, f)}/itinerary",
        json={"kind": "home", "start_at": "2022-07-07T08:00:00+08:00"})


def probe_itinerary_update(api, f):
    inv, entry = _entry(api, f)
    _no(api, "PATCH", f"{T}/investigations/{inv}/itinerary/{entry}", json={"notes": "x"})


def probe_itinerary_delete(api, f):
    inv, entry = _entry(api, f)
    _no(api, "DELETE", f"{T}/investigations/{inv}/itinerary/{entry}")


def probe_exposure_search(api, f):
    _no(api, "POST", f"{T}/cases/{f['case']}/exposure-search", json={})


def probe_exposure_searches(api, f):
    _no(api, "GET", f"{T}/cases/{f['case']}/exposure-searches")


def probe_exposures(api, f):
    _no(api, "GET", f"{T}/cases/{f['case']}/exposures")


def probe_contacts(api, f):
    foreign = _contact(api, f)
    items = _ok(api.get(f"{T}/contacts?limit=500", user="epi_district"))["items"]
    assert _inside(items) and foreign not in [c["id"] for c in items]


def probe_contact_create(api, f):
    _no(api, "POST", f"{T}/contacts", json={"source_case_id": f["case"], "person_id": _fresh_person(api, f["node"]),
                                            "exposure": "household"})


def probe_contact_bulk(api, f):
    _no(api, "POST", f"{T}/contacts/bulk", json={"ids": [_contact(api, f)], "action": "confirm"})


def probe_contact(api, f):
    _no(api, "GET", f"{T}/contacts/{_contact(api, f)}")


def probe_contact_status(api, f):
    _no(api, "POST", f"{T}/contacts/{_contact(api, f)}/status", json={"status": "notified"})


def probe_contact_convert(api, f):
    _no(api, "POST", f"{T}/contacts/{_contact(api, f)}/convert", json={"case_id": f["case"]})


def probe_contact_placements(api, f):
    _no(api, "GET", f"{T}/contacts/{_contact(api, f)}/placements")


def probe_expand(api, f):
    _no(api, "POST", f"{T}/cases/{f['case']}/contacts/expand", json={})


PROBES = {
    f"GET {T}/venues": probe_venues,
    f"GET {T}/venues/unregistered": probe_unregistered,
    f"GET {T}/venues/{{venue_id}}": probe_venue,
    f"GET {T}/investigations": probe_investigations,
    f"POST {T}/investigations": probe_investigation_create,
    f"GET {T}/investigations/{{investigation_id}}": probe_investigation,
    f"PATCH {T}/investigations/{{investigation_id}}": probe_investigation_update,
    f"GET {T}/cases/{{case_id}}/investigation": probe_investigation_of_case,
    f"POST {T}/investigations/{{investigation_id}}/status": probe_investigation_status,
    f"GET {T}/investigations/{{investigation_id}}/report": probe_investigation_report,
    f"GET {T}/investigations/{{investigation_id}}/itinerary": probe_itinerary,
    f"POST {T}/investigations/{{investigation_id}}/itinerary": probe_itinerary_add,
    f"PATCH {T}/investigations/{{investigation_id}}/itinerary/{{entry_id}}": probe_itinerary_update,
    f"DELETE {T}/investigations/{{investigation_id}}/itinerary/{{entry_id}}": probe_itinerary_delete,
    f"POST {T}/cases/{{case_id}}/exposure-search": probe_exposure_search,
    f"GET {T}/cases/{{case_id}}/exposure-searches": probe_exposure_searches,
    f"GET {T}/cases/{{case_id}}/exposures": probe_exposures,
    f"GET {T}/contacts": probe_contacts,
    f"POST {T}/contacts": probe_contact_create,
    f"POST {T}/contacts/bulk": probe_contact_bulk,
    f"GET {T}/contacts/{{contact_id}}": probe_contact,
    f"POST {T}/contacts/{{contact_id}}/status": probe_contact_status,
    f"POST {T}/contacts/{{contact_id}}/convert": probe_contact_convert,
    f"GET {T}/contacts/{{contact_id}}/placements": probe_contact_placements,
    f"POST {T}/cases/{{case_id}}/contacts/expand": probe_expand,
}
