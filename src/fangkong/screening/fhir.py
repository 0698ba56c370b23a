"""Tube results from a FHIR R4 Bundle of Observation resources, parsed with plain Pydantic models.

One Observation per tube:
- the tube: `specimen.identifier.value` (the container's barcode), else the first `identifier` value;
- the result: `valueCodeableConcept` (SNOMED CT 10828004 positive, 260385009 negative, 419984006
  inconclusive, 82334004 indeterminate; or its text, e.g. 阳性) or `interpretation` (HL7 v3
  ObservationInterpretation POS, NEG, IND, DET, ND);
- Ct values: `component`s coded LOINC 94511-3 (ORF1ab region [Cycle Threshold #]) and 94510-5
  (N gene [Cycle Threshold #]), or whose code text names ORF1ab or the N gene, with `valueQuantity`;
- the lab: `performer[0]` (display, identifier or reference); the time: `issued`.
Other resources in the bundle (Patient, Specimen, Organization) are passed over. Each Observation
becomes one row of text cells, numbered by its position among the bundle's entries, so that the
same checks run on it as on a CSV row.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from fangkong.interop.tabular import RowError
from fangkong.screening.engine.model import RESULT_VALUES

SNOMED = {"10828004": "positive", "260385009": "negative", "419984006": "indeterminate", "82334004": "indeterminate"}
INTERPRETATION = {"POS": "positive", "DET": "positive", "A": "positive", "NEG": "negative", "ND": "negative",
                  "N": "negative", "IND": "indeterminate", "E": "indeterminate"}
CT_LOINC = {"94511-3": "ct_orf1ab", "94510-5": "ct_n"}


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Coding(_Loose):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Concept(_Loose):
    coding: list[Coding] = []
    text: str | None = None


class Identifier(_Loose):
    system: str | None = None
    value: str | None = None


class Reference(_Loose):
    reference: str | None = None
    display: str | None = None
    identifier: Identifier | None = None


class Quantity(_Loose):
    value: float | None = None


class Component(_Loose):
    code: Concept
    valueQuantity: Quantity | None = None


class Observation(_Loose):
    resourceType: str
    identifier: list[Identifier] = []
    specimen: Reference | None = None
    valueCodeableConcept: Concept | None = None
    interpretation: list[Concept] = []
    component: list[Component] = []
    performer: list[Reference] = []
    issued: str | None = None


def _result(obs: Observation) -> str:
    concept = obs.valueCodeableConcept
    for coding in concept.coding if concept else []:
        if coding.code in SNOMED:
            return SNOMED[coding.code]
    for interpretation in obs.interpretation:
        for coding in interpretation.coding:
            if (coding.code or "").upper() in INTERPRETATION:
                return INTERPRETATION[coding.code.upper()]
    texts = [concept.text] + [c.display for c in concept.coding] if concept else []
    return next((t for t in texts if t and t.strip().lower() in RESULT_VALUES), texts[0] if texts else "") or ""


def _gene(component: Component) -> str | None:
    for coding in component.code.coding:
        if coding.code in CT_LOINC:
            return CT_LOINC[coding.code]
    words = " ".join(filter(None, [component.code.text, *(c.display for c in component.code.coding)])).lower()
    if "orf1ab" in words or "orf" in words:
        return "ct_orf1ab"
    if "n gene" in words or "n基因" in words or words.strip() in ("n", "n ct"):
        return "ct_n"
    return None


def _lab(obs: Observation) -> str:
    if not obs.performer:
        return ""
    first = obs.performer[0]
    return first.display or (first.identifier.value if first.identifier else None) or first.reference or ""


def _tube(obs: Observation) -> str:
    if obs.specimen and obs.specimen.identifier and obs.specimen.identifier.value:
        return obs.specimen.identifier.value.strip()
    return next((i.value.strip() for i in obs.identifier if i.value), "")


def observation_row(obs: Observation) -> dict[str, str]:
    """One Observation as the text cells of a result row."""
    row = {"tube_id": _tube(obs), "result": _result(obs), "ct_orf1ab": "", "ct_n": "", "lab_id": _lab(obs),
           "reported_at": (obs.issued or "").strip()}
    for component in obs.component:
        gene = _gene(component)
        if gene and component.valueQuantity and component.valueQuantity.value is not None:
            row[gene] = repr(float(component.valueQuantity.value))
    return row


def _pydantic_problem(index: int, exc: ValidationError) -> RowError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    return RowError(index, field, first.get("msg", "invalid value"))


def bundle_rows(raw: bytes | str | dict[str, Any]) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """(row number, cells) per Observation of a Bundle, and the entries that cannot be read."""
    try:
        data = raw if isinstance(raw, dict) else json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [RowError(0, None, f"not a JSON document: {exc}")]
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return [], [RowError(0, "resourceType", "expected a FHIR Bundle of Observation resources")]
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for index, entry in enumerate(data.get("entry") or [], start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
            continue
        try:
            rows.append((index, observation_row(Observation.model_validate(resource))))
        except ValidationError as exc:
            errors.append(_pydantic_problem(index, exc))
    if not rows and not errors:
        errors.append(RowError(0, "entry", "the bundle holds no Observation"))
    return rows, errors
