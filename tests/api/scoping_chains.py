"""Scoping probes of the transmission-chain and cluster routes (links, chains, graph, timeline, serial
intervals, attack rates, clusters), registered into `test_scoping.PROBES`: the district user
`epi_district` gets 404 for a link, chain or cluster of another district (a link counts as foreign when
either of its cases is), and lists, graphs and statistics hold only its own records. The foreign
records are made through the API by the city user `epi`."""

from __future__ import annotations

from sqlalchemy import select

from fangkong.cases.models import Case
from fangkong.db import session_scope
from fangkong.people.models import Person
from fangkong.tracing.models import Contact, TransmissionLink, Venue

from scoping_tracing import HOME, T, _no, _ok

OTHER = "320104"  # another district of the same city


def _db(api):
    return session_scope(api.app.state.settings.url)


def _case_ids(api, code: str, n: int) -> list[int]:
    """The first `n` cases with an onset date in district `code`."""
    with _db(api) as s:
        ids = list(s.scalars(select(Case.id).where(Case.jurisdiction_code.startswith(code),
                                                   Case.onset_date.is_not(None)).order_by(Case.id).limit(n)))
    assert len(ids) == n
    return ids


def _all_home(api, case_ids) -> None:
    """Every case id given exists and lies in the district user's subtree."""
    ids = set(case_ids)
    with _db(api) as s:
        codes = dict(s.execute(select(Case.id, Case.jurisdiction_code).where(Case.id.in_(ids))).all()) if ids else {}
    assert set(codes) == ids and all(c.startswith(HOME) for c in codes.values()), codes


def _home_links(api) -> list[tuple[int, int]]:
    """(infector, infectee) of every link whose two cases lie in HOME, from the database."""
    with _db(api) as s:
        codes = dict(s.execute(select(Case.id, Case.jurisdiction_code)).all())
        pairs = s.execute(select(TransmissionLink.infector_case_id, TransmissionLink.infectee_case_id)).all()
    return [(a, b) for a, b in pairs if codes[a].startswith(HOME) and codes[b].startswith(HOME)]


def _link(api, infector: int, infectee: int, **kw) -> int:
    body = {"infector_case_id": infector, "infectee_case_id": infectee, "certainty": "probable", **kw}
    return _ok(api.post(f"{T}/links", json=body, user="epi"), 201)["id"]


def _web(api, parts=("home", "foreign", "cross")) -> dict:
    """Links made by the city user: h0→h1 in HOME, o0→o1→o2 in OTHER, and across: o2→h0, h1→o3."""
    h, o = _case_ids(api, HOME, 2), _case_ids(api, OTHER, 4)
    pairs = {"home": [(h[0], h[1])], "foreign": [(o[0], o[1]), (o[1], o[2])], "cross": [(o[2], h[0]), (h[1], o[3])]}
    web = {"h": h, "o": o}
    for part in parts:
        web[part] = [_link(api, a, b) for a, b in pairs[part]]
    return web


def probe_links(api, f):
    web = _web(api)
    items = _ok(api.get(f"{T}/links?limit=500", user="epi_district"))["items"]
    ids = {i["id"] for i in items}
    assert set(web["home"]) <= ids and not ids & set(web["foreign"] + web["cross"])
    _all_home(api, [c for i in items for c in (i["infector_case_id"], i["infectee_case_id"])])
    of_home = _ok(api.get(f"{T}/links?case_id={web['h'][0]}", user="epi_district"))["items"]
    assert [i["id"] for i in of_home] == web["home"]
    assert len(_ok(api.get(f"{T}/links?case_id={web['h'][0]}", user="epi"))["items"]) == 2  # the city sees o2→h0
    assert _ok(api.get(f"{T}/links?case_id={web['o'][0]}", user="epi_district"))["items"] == []


def probe_link_create(api, f):
    h, o = _case_ids(api, HOME, 1)[0], _case_ids(api, OTHER, 2)
    for a, b in ((o[0], o[1]), (h, o[0]), (o[0], h)):
        _no(api, "POST", f"{T}/links", json={"infector_case_id": a, "infectee_case_id": b, "certainty": "possible"})
    assert _ok(api.get(f"{T}/links?case_id={o[0]}", user="epi"))["items"] == []


def probe_link(api, f):
    web = _web(api)
    for link in web["foreign"] + web["cross"]:
        _no(api, "GET", f"{T}/links/{link}")
    assert api.get(f"{T}/links/{web['home'][0]}", user="epi_district").status_code == 200


def probe_link_update(api, f):
    web = _web(api, ("foreign", "cross"))
    for link in web["foreign"] + web["cross"]:
        _no(api, "PATCH", f"{T}/links/{link}", json={"certainty": "confirmed", "notes": "x"})
        assert _ok(api.get(f"{T}/links/{link}", user="epi"))["certainty"] == "probable"


def probe_link_delete(api, f):
    web = _web(api, ("foreign", "cross"))
    for link in web["foreign"] + web["cross"]:
        _no(api, "DELETE", f"{T}/links/{link}")
        assert api.get(f"{T}/links/{link}", user="epi").status_code == 200


def probe_chains(api, f):
    web = _web(api)
    page = _ok(api.get(f"{T}/chains?min_size=1&limit=500", user="epi_district"))
    _all_home(api, [c["key"] for c in page["items"]] + [r for c in page["items"] for r in c["roots"]])
    assert next(c for c in page["items"] if c["key"] == web["h"][0])["size"] == 2
    assert page["total_cases"] == len({c for pair in _home_links(api) for c in pair})
    city = _ok(api.get(f"{T}/chains?min_size=1&limit=500", user="epi"))
    assert city["total_cases"] == page["total_cases"] + 4
    _no(api, "GET", f"{T}/chains?jurisdiction_code={OTHER}")


def probe_chain(api, f):
    web = _web(api)
    _no(api, "GET", f"{T}/chains/{web['o'][0]}")
    home = _ok(api.get(f"{T}/chains/{web['h'][0]}", user="epi_district"))
    assert home["size"] == 2 and home["roots"] == [web["h"][0]]
    assert _ok(api.get(f"{T}/cases/{web['h'][0]}/chain", user="epi"))["size"] == 6  # the whole chain, for the city


def probe_timeline(api, f):
    web = _web(api)
    _no(api, "GET", f"{T}/chains/{web['o'][0]}/timeline")
    items = _ok(api.get(f"{T}/chains/{web['h'][0]}/timeline", user="epi_district"))["items"]
    assert sorted(i["case_id"] for i in items) == sorted(web["h"])
    assert all(i["jurisdiction_code"].startswith(HOME) for i in items)
    _all_home(api, [c for i in items for c in (i["case_id"], i["infector_case_id"], i["root_case_id"],
                                               *i["candidate_infectors"]) if c is not None])


def probe_case_chain(api, f):
    web = _web(api)
    for case in (web["o"][0], web["o"][3]):  # o3 is infected by a home case
        _no(api, "GET", f"{T}/cases/{case}/chain")
    chain = _ok(api.get(f"{T}/cases/{web['h'][1]}/chain", user="epi_district"))
    assert chain["size"] == 2 and chain["roots"] == [web["h"][0]]


def probe_graph(api, f):
    web = _web(api)
    g = _ok(api.get(f"{T}/graph", user="epi_district"))
    cases = [n["case_id"] for n in g["nodes"] if n["case_id"] is not None]
    assert set(web["h"]) <= set(cases)
    _all_home(api, cases + [n["chain_key"] for n in g["nodes"] if n["chain_key"] is not None])
    assert g["total_cases"] == len({c for pair in _home_links(api) for c in pair})
    city = _ok(api.get(f"{T}/graph", user="epi"))
    assert set(web["o"]) <= {n["case_id"] for n in city["nodes"]}
    _no(api, "GET", f"{T}/graph?chain={web['o'][0]}")
    _no(api, "GET", f"{T}/graph?jurisdiction_code={OTHER}")


def _interval_links(body) -> int:
    return body["pairs"] + body["links_without_onsets"]


def probe_serial_intervals(api, f):
    _web(api, ("home",))
    url = f"{T}/serial-intervals?primary_only=false"  # every link in scope counts once
    before = _ok(api.get(url, user="epi_district"))
    _web(api, ("foreign", "cross"))
    after = _ok(api.get(url, user="epi_district"))
    assert after == before and _interval_links(after) == len(_home_links(api)) >= 1
    assert _interval_links(_ok(api.get(url, user="epi"))) == _interval_links(after) + 4
    _no(api, "GET", f"{T}/serial-intervals?jurisdiction_code={OTHER}")


def _contact(api, case_id: int) -> int:
    with _db(api) as s:
        case = s.get(Case, case_id)
        person = Person(name="探针", jurisdiction_code=case.jurisdiction_code, address="")
        s.add(person)
        s.flush()
        person_id = person.id
    body = {"source_case_id": case_id, "person_id": person_id, "exposure": "household"}
    return _ok(api.post(f"{T}/contacts", json=body, user="epi"), 201)["id"]


def probe_attack_rates(api, f):
    _contact(api, _case_ids(api, HOME, 1)[0])
    before = _ok(api.get(f"{T}/attack-rates", user="epi_district"))
    _contact(api, _case_ids(api, OTHER, 1)[0])
    after = _ok(api.get(f"{T}/attack-rates", user="epi_district"))
    with _db(api) as s:
        home = len(s.scalars(select(Contact.id).where(Contact.jurisdiction_code.startswith(HOME),
                                                      Contact.via_contact_id.is_(None))).all())
    assert after == before and after["contacts"] == home >= 1
    assert _ok(api.get(f"{T}/attack-rates", user="epi"))["contacts"] > home
    _no(api, "GET", f"{T}/attack-rates?jurisdiction_code={OTHER}")


# --- clusters ------------------------------------------------------------------------------------

def _cluster(api, code: str, case_ids: list[int], **kw) -> int:
    body = {"name": "探针聚集", "kind": "other", "jurisdiction_code": code, "case_ids": case_ids, **kw}
    return _ok(api.post(f"{T}/clusters", json=body, user="epi"), 201)["id"]


def _foreign_cluster(api) -> int:
    return _cluster(api, OTHER, _case_ids(api, OTHER, 2))


def _mixed_cluster(api) -> tuple[int, int]:
    """A cluster of HOME holding a case of OTHER (as a venue cluster holds its visitors); its id and that case."""
    foreign = _case_ids(api, OTHER, 3)[2]
    return _cluster(api, HOME, [_case_ids(api, HOME, 1)[0], foreign]), foreign


def _members(api, cluster_id: int) -> list[int]:
    return _ok(api.get(f"{T}/clusters/{cluster_id}", user="epi"))["case_ids"]


def _check_cluster(api, body) -> None:
    assert body["jurisdiction_code"].startswith(HOME)
    _all_home(api, body["case_ids"])
    assert body["case_count"] == len(body["case_ids"])


def probe_clusters(api, f):
    foreign, (mixed, _) = _foreign_cluster(api), _mixed_cluster(api)
    items = _ok(api.get(f"{T}/clusters?limit=500", user="epi_district"))["items"]
    assert foreign not in [c["id"] for c in items] and mixed in [c["id"] for c in items]
    for item in items:
        _check_cluster(api, item)
    _no(api, "GET", f"{T}/clusters?jurisdiction_code={OTHER}")


def probe_cluster_create(api, f):
    h, o = _case_ids(api, HOME, 1), _case_ids(api, OTHER, 1)
    with _db(api) as s:
        venue = s.scalar(select(Venue.id).where(~Venue.jurisdiction_code.startswith(HOME)).limit(1))
        if venue is None:
            code = s.scalar(select(Case.jurisdiction_code).where(Case.id == o[0]))
            s.add(Venue(id=890, place_code="PROBE-890", name="探针", kind="mall", address="", jurisdiction_code=code))
            venue = 890
    for body in ({"jurisdiction_code": OTHER}, {"jurisdiction_code": HOME, "case_ids": o},
                 {"case_ids": o}, {"kind": "venue", "venue_id": venue}):
        _no(api, "POST", f"{T}/clusters", json={"name": "x", "kind": "other", **body})
    assert _ok(api.get(f"{T}/clusters?jurisdiction_code={OTHER}", user="epi"))["items"] == []
    r = api.post(f"{T}/clusters", json={"name": "x", "kind": "other", "case_ids": h}, user="epi_district")
    assert r.status_code == 201 and r.json()["jurisdiction_code"].startswith(HOME)


def probe_cluster(api, f):
    _no(api, "GET", f"{T}/clusters/{_foreign_cluster(api)}")
    mixed, foreign_case = _mixed_cluster(api)
    _check_cluster(api, _ok(api.get(f"{T}/clusters/{mixed}", user="epi_district")))
    assert foreign_case in _members(api, mixed)  # the city sees the whole cluster


def probe_cluster_update(api, f):
    foreign = _foreign_cluster(api)
    _no(api, "PATCH", f"{T}/clusters/{foreign}", json={"notes": "x", "name": "y"})
    assert _ok(api.get(f"{T}/clusters/{foreign}", user="epi"))["notes"] == ""
    mixed, _ = _mixed_cluster(api)
    _check_cluster(api, _ok(api.patch(f"{T}/clusters/{mixed}", json={"notes": "x"}, user="epi_district")))


def probe_cluster_status(api, f):
    foreign = _foreign_cluster(api)
    _no(api, "POST", f"{T}/clusters/{foreign}/status", json={"status": "closed", "reason": "x"})
    assert _ok(api.get(f"{T}/clusters/{foreign}", user="epi"))["status"] == "signal"


def probe_cluster_cases(api, f):
    foreign, home_case = _foreign_cluster(api), _case_ids(api, HOME, 1)[0]
    _no(api, "POST", f"{T}/clusters/{foreign}/cases", json={"case_ids": [home_case]})
    mixed, _ = _mixed_cluster(api)
    other = _case_ids(api, OTHER, 1)[0]
    _no(api, "POST", f"{T}/clusters/{mixed}/cases", json={"case_ids": [other]})
    assert home_case not in _members(api, foreign) and other not in _members(api, mixed)


def probe_cluster_remove_case(api, f):
    foreign = _foreign_cluster(api)
    member = _members(api, foreign)[0]
    _no(api, "DELETE", f"{T}/clusters/{foreign}/cases/{member}")
    mixed, foreign_case = _mixed_cluster(api)
    _no(api, "DELETE", f"{T}/clusters/{mixed}/cases/{foreign_case}")
    assert member in _members(api, foreign) and foreign_case in _members(api, mixed)


def probe_cluster_detect(api, f):
    _no(api, "POST", f"{T}/clusters/detect?jurisdiction_code={OTHER}")
    # A household of HOME whose open cluster the city filed under OTHER: the district's run must not extend it.
    home_case = _case_ids(api, HOME, 1)[0]
    with _db(api) as s:
        household = s.scalar(select(Person.household_code).join(Case, Case.person_id == Person.id)
                             .where(Case.id == home_case))
    assert household
    foreign = _cluster(api, OTHER, _case_ids(api, OTHER, 1), kind="household", household_code=household)
    before = _members(api, foreign)
    result = _ok(api.post(f"{T}/clusters/detect", user="epi_district"))
    for cluster_id in result["created"] + result["extended"]:
        assert _ok(api.get(f"{T}/clusters/{cluster_id}", user="epi"))["jurisdiction_code"].startswith(HOME)
    assert _members(api, foreign) == before


PROBES = {
    f"GET {T}/links": probe_links,
    f"POST {T}/links": probe_link_create,
    f"GET {T}/links/{{link_id}}": probe_link,
    f"PATCH {T}/links/{{link_id}}": probe_link_update,
    f"DELETE {T}/links/{{link_id}}": probe_link_delete,
    f"GET {T}/chains": probe_chains,
    f"GET {T}/chains/{{key}}": probe_chain,
    f"GET {T}/chains/{{key}}/timeline": probe_timeline,
    f"GET {T}/cases/{{case_id}}/chain": probe_case_chain,
    f"GET {T}/graph": probe_graph,
    f"GET {T}/serial-intervals": probe_serial_intervals,
    f"GET {T}/attack-rates": probe_attack_rates,
    f"GET {T}/clusters": probe_clusters,
    f"POST {T}/clusters": probe_cluster_create,
    f"POST {T}/clusters/detect": probe_cluster_detect,
    f"GET {T}/clusters/{{cluster_id}}": probe_cluster,
    f"PATCH {T}/clusters/{{cluster_id}}": probe_cluster_update,
    f"POST {T}/clusters/{{cluster_id}}/status": probe_cluster_status,
    f"POST {T}/clusters/{{cluster_id}}/cases": probe_cluster_cases,
    f"DELETE {T}/clusters/{{cluster_id}}/cases/{{case_id}}": probe_cluster_remove_case,
}
