"""Tube results as FHIR R4 Observation bundles: parsing, and uploads through the same checks as CSV."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from fangkong.interop.importers import ImportRejected
from fangkong.screening import fhir, results, sampling
from fangkong.screening.models import Tube, TubeResult
from fangkong.screening.schemas import SampleCreate
from screenkit import at, campaign, grid, round_  # noqa: F401

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def observation(tube: str, *, snomed: str | None = None, text: str | None = None, interpretation: str | None = None,
                orf1ab: float | None = None, n: float | None = None, lab: str = "市一检测所",
                issued: str | None = "2022-05-01T17:00:00+08:00") -> dict:
    obs: dict = {"resourceType": "Observation", "status": "final",
                 "code": {"coding": [{"system": LOINC, "code": "94500-6"}]},
                 "specimen": {"identifier": {"system": "urn:tube", "value": tube}},
                 "performer": [{"display": lab}], "issued": issued}
    if snomed or text:
        obs["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": snomed}] if snomed else [], "text": text}
    if interpretation:
        obs["interpretation"] = [{"coding": [{"code": interpretation}]}]
    obs["component"] = [{"code": {"coding": [{"system": LOINC, "code": code}]}, "valueQuantity": {"value": value}}
                        for code, value in (("94511-3", orf1ab), ("94510-5", n)) if value is not None]
    return obs


def bundle(*observations: dict, extra: list | None = None) -> dict:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in [*(extra or []), *observations]]}


def test_an_observation_becomes_a_row_of_cells():
    rows, errors = fhir.bundle_rows(json.dumps(bundle(
        observation("T1", snomed="10828004", orf1ab=28.4, n=30),
        observation("T2", interpretation="NEG"),
        observation("T3", text="阳性"),
        observation("T4", snomed="419984006"),
        extra=[{"resourceType": "Patient", "id": "p1"}])))
    assert errors == []
    assert [n for n, _ in rows] == [2, 3, 4, 5]  # entry positions; the Patient is passed over
    first = rows[0][1]
    assert first == {"tube_id": "T1", "result": "positive", "ct_orf1ab": "28.4", "ct_n": "30.0", "lab_id": "市一检测所",
                     "reported_at": "2022-05-01T17:00:00+08:00"}
    assert [r["result"] for _, r in rows] == ["positive", "negative", "阳性", "indeterminate"]


def test_components_named_in_text_and_tubes_from_the_identifier():
    obs = observation("ignored", snomed="260385009")
    del obs["specimen"]
    obs["identifier"] = [{"value": "T9"}]
    obs["component"] = [{"code": {"text": "ORF1ab Ct"}, "valueQuantity": {"value": 36.2}},
                        {"code": {"text": "N gene"}, "valueQuantity": {"value": 37}}]
    rows, _ = fhir.bundle_rows(bundle(obs))
    assert rows[0][1]["tube_id"] == "T9" and (rows[0][1]["ct_orf1ab"], rows[0][1]["ct_n"]) == ("36.2", "37.0")


@pytest.mark.parametrize("raw, field", [
    (b"{not json", None), (json.dumps({"resourceType": "Patient"}), "resourceType"),
    (json.dumps(bundle(extra=[{"resourceType": "Patient"}])), "entry"),
])
def test_documents_that_are_not_observation_bundles_are_refused(raw, field):
    rows, errors = fhir.bundle_rows(raw)
    assert rows == [] and len(errors) == 1 and errors[0].field == field and errors[0].row == 0


def test_a_malformed_observation_is_reported_by_entry():
    bad = observation("T1", snomed="10828004")
    bad["component"] = [{"code": {"text": "N"}, "valueQuantity": {"value": "high"}}]
    rows, errors = fhir.bundle_rows(bundle(observation("T0", snomed="260385009"), bad))
    assert len(rows) == 1 and [(e.row, e.field) for e in errors] == [(2, "component.0.valueQuantity.value")]


@pytest.fixture
def tubes(session, actor_of, round_, grid):
    lab = actor_of("lab")
    people, others = grid
    for pid, code in [(people[0], "F1"), (people[1], "F1"), (others[0], "FS1")]:
        sampling.record_sample(session=session, actor=lab, round_id=round_.id,
                               data=SampleCreate(person_id=pid, tube_code=code, collected_at=at(1)))
    return lab


def test_a_bundle_resolves_like_a_csv_file(session, tubes):
    raw = json.dumps(bundle(observation("F1", snomed="260385009", orf1ab=33.0),
                            observation("FS1", snomed="260385009"))).encode()
    report = results.upload_fhir(session=session, actor=tubes, raw=raw)
    assert (report.format, report.stored) == ("fhir", 2)
    assert session.scalar(select(Tube.outcome).where(Tube.code == "F1")) == "positive"  # Ct 33 < 35
    row = session.scalar(select(TubeResult).join(Tube, Tube.id == TubeResult.tube_id).where(Tube.code == "F1"))
    assert (row.ct_orf1ab, row.lab_id, row.reported_at.hour) == (33.0, "市一检测所", 9)
    assert results.upload_fhir(session=session, actor=tubes, raw=raw).already_imported


def test_bundle_rows_are_checked_like_csv_rows(session, tubes):
    raw = json.dumps(bundle(observation("F1", snomed="260385009"), observation("NOPE", snomed="260385009"),
                            observation("FS1", snomed="260385009", issued=None))).encode()
    with pytest.raises(ImportRejected) as err:
        results.upload_fhir(session=session, actor=tubes, raw=raw)
    assert {(e.row, e.field) for e in err.value.errors} == {(2, "tube_id"), (3, "reported_at")}
