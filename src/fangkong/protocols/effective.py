"""The effective profile of a jurisdiction: a packaged profile with the overrides of the node and its
ancestors applied, each value with where it came from. Pure: no database (service.py feeds it)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from fangkong.errors import Invalid, NotFound
from fangkong.protocols.diff import Leaf, flatten, split_path, unflatten
from fangkong.protocols.loader import error_lines
from fangkong.protocols.schema import Profile, validate


@dataclass(frozen=True)
class Provenance:
    """Where a value came from: the profile itself ('profile:ed9') or a node's override ('override:320102')."""

    source: str
    set_at_node: str | None
    effective_from: date | datetime | None
    reason: str
    citation: str  # the value's own source text


@dataclass(frozen=True)
class SlaStep:
    key: str
    title_zh: str
    title_en: str
    deadline_hours: float
    department: str
    task_type: str
    source: str


@dataclass(frozen=True)
class SlaBundle:
    id: str
    title_zh: str
    title_en: str
    start_event: str
    steps: tuple[SlaStep, ...]


@dataclass(frozen=True)
class Basis:
    """The selection a profile comes from; `jurisdiction_code` None means the FANGKONG_DEFAULT_PROFILE setting."""

    profile_id: str
    jurisdiction_code: str | None = None
    effective_from: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class OverrideSpec:
    jurisdiction_code: str
    path: str
    value: Any
    reason: str
    effective_from: datetime


@dataclass(frozen=True, eq=False)
class EffectiveProfile:
    profile_id: str
    jurisdiction_code: str
    at: datetime
    title_zh: str = ""
    title_en: str = ""
    basis: Basis | None = None
    ignored: tuple[tuple[OverrideSpec, str], ...] = ()
    _leaves: dict[str, Leaf] = field(default_factory=dict, repr=False)
    _provenance: dict[str, Provenance] = field(default_factory=dict, repr=False)
    _model: Profile | None = field(default=None, repr=False)

    def get(self, path: str) -> Any:
        """The plain canonical value at `path` (a leaf, or the nested values below it)."""
        if path in self._leaves:
            return copy.deepcopy(self._leaves[path].value)
        try:
            return unflatten({p: leaf.value for p, leaf in self._leaves.items()}, path)
        except KeyError:
            raise NotFound(f"profile {self.profile_id} has no value at {path!r}", field="path") from None

    def has(self, path: str) -> bool:
        try:
            self.get(path)
        except NotFound:
            return False
        return True

    def provenance(self, path: str) -> Provenance:
        try:
            return self._provenance[path]
        except KeyError:
            raise NotFound(f"profile {self.profile_id} has no value at {path!r}", field="path") from None

    def leaf(self, path: str) -> Leaf:
        """The value with its unit, citation, confirmation flag and note (for pages)."""
        try:
            return self._leaves[path]
        except KeyError:
            raise NotFound(f"profile {self.profile_id} has no value at {path!r}", field="path") from None

    def sla_bundle(self, bundle_id: str) -> SlaBundle:
        try:
            raw = self.get(f"sla_bundles.{bundle_id}")
        except (NotFound, ValueError):
            raise NotFound(f"profile {self.profile_id} has no SLA bundle {bundle_id!r}", field="bundle_id") from None
        steps = tuple(
            SlaStep(key=s["key"], title_zh=s["title_zh"], title_en=s["title_en"],
                    deadline_hours=float(s["deadline_hours"]), department=s["department"], task_type=s["task_type"],
                    source=self._provenance[f"sla_bundles.{bundle_id}.steps[{i}].deadline_hours"].citation)
            for i, s in enumerate(raw["steps"]))
        return SlaBundle(id=bundle_id, title_zh=raw["title_zh"], title_en=raw["title_en"],
                         start_event=raw["start_event"], steps=steps)

    def sla_bundles(self) -> list[SlaBundle]:
        ids = dict.fromkeys(p.split(".")[1] for p in self._leaves if p.startswith("sla_bundles."))
        return [self.sla_bundle(bundle_id) for bundle_id in ids]

    def rows(self) -> list[tuple[str, Any, Provenance]]:
        """Every leaf with its value and provenance, in profile order (for the UI)."""
        return [(p, copy.deepcopy(leaf.value), self._provenance[p]) for p, leaf in self._leaves.items()]

    def check_override(self, path: str, value: Any) -> Any:
        """The canonical value `value` would have at `path` here; raises Invalid where the schema refuses it."""
        return flatten(apply_override(self._model, path, value))[path].value


def apply_override(profile: Profile, path: str, value: Any) -> Profile:
    """The profile with the value at `path` replaced, validated again as a whole.

    A sourced number takes a plain value in its canonical unit, or `{"value": …, "unit": …}` in any
    unit the field allows. Raises Invalid(field="path") for a path that is not a value of the
    profile, Invalid(field="value") for a value the schema refuses there.
    """
    leaves = flatten(profile)
    if path not in leaves:
        raise Invalid(f"{path!r} is not a value of profile {profile.id}", field="path")
    document = profile.model_dump()
    parts = split_path(path)
    parent = document
    for part in parts[:-1]:
        parent = parent[part]
    parent[parts[-1]] = _replacement(parent[parts[-1]], value, leaves[path])
    try:
        return validate(document)
    except ValidationError as exc:
        raise Invalid("; ".join(error_lines(exc)), field="value") from exc


def _replacement(current: Any, value: Any, leaf: Leaf) -> Any:
    if not leaf.sourced:
        if isinstance(value, dict):
            raise Invalid(f"give a plain value (like {leaf.value!r})", field="value")
        return value
    if isinstance(value, dict):
        unknown = set(value) - {"value", "unit"}
        if unknown or "value" not in value:
            raise Invalid('give a number, or {"value": …, "unit": …}', field="value")
        return {**current, "value": value["value"], "unit": value.get("unit", leaf.unit)}
    return {**current, "value": value, "unit": leaf.unit}


def build(*, base: Profile, basis: Basis, overrides: Iterable[OverrideSpec], jurisdiction_code: str,
          at: datetime) -> EffectiveProfile:
    """Apply `overrides` (root first, deeper later: deeper wins) to `base`; an override that no longer
    fits the profile (a path it lacks, a value it refuses) is skipped and listed in `ignored`."""
    base_prov = Provenance(source=f"profile:{base.id}", set_at_node=basis.jurisdiction_code,
                           effective_from=basis.effective_from, reason=basis.reason, citation="")
    profile, overridden, ignored = base, {}, []
    for spec in overrides:
        try:
            profile = apply_override(profile, spec.path, spec.value)
        except Invalid as exc:
            ignored.append((spec, exc.message))
            continue
        overridden[spec.path] = Provenance(source=f"override:{spec.jurisdiction_code}",
                                           set_at_node=spec.jurisdiction_code, effective_from=spec.effective_from,
                                           reason=spec.reason, citation=spec.reason)
    leaves = flatten(profile)
    provenance = {p: overridden.get(p) or Provenance(base_prov.source, base_prov.set_at_node, base_prov.effective_from,
                                                     base_prov.reason, leaf.citation)
                  for p, leaf in leaves.items()}
    return EffectiveProfile(profile_id=base.id, jurisdiction_code=jurisdiction_code, at=at, title_zh=base.title_zh,
                            title_en=base.title_en, basis=basis, ignored=tuple(ignored), _leaves=leaves,
                            _provenance=provenance, _model=profile)
