"""The screening rules of a jurisdiction, read from its protocol profile, and the sampling modes.

Every number comes from the `[screening]` section of the effective profile. A profile without a
value (the WHO-style profile has no area screening) falls back to the 9th edition's values, each
cited below; the fallbacks are listed in docs/screening.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fangkong.errors import Invalid
from fangkong.protocols import service as profiles

MODES = ("single", "household", "pooled", "by_risk")
RISK_LEVELS = ("high", "medium", "low")

# Fallbacks (ed9 values; shared/reference/protocols-china.md §3 and §6):
FALLBACK = {
    "pool_sizes_validated": [5, 10, 20],  # NHC clinical lab centre, 2022-06-09 (§3.3)
    "pool_size_by_risk": {"high": 1, "medium": 5, "low": 10},  # local practice by risk level (§3.3)
    "ct_positive_threshold": 35.0,  # 诊疗方案 第九版: Ct < 35 positive (§6)
    "area_round_hours": 24.0,  # 区域核酸检测组织实施指南 第三版 (§3.1)
    "people_per_site_min": 2000.0,  # 第三版: one site per 2,000–3,000 people (§3.2)
    "people_per_site_max": 3000.0,
    "people_per_sampler": 360.0,  # 第三版: samplers = population ÷ 360 for 24 h (§3.2)
    "turnaround": {"urgent_hours": 6.0, "outpatient_hours": 12.0, "other_hours": 24.0},  # 工作手册 第二版 (§3.1)
}


@dataclass(frozen=True)
class ScreeningRules:
    profile_id: str
    pool_sizes: tuple[int, ...]
    pool_by_risk: dict[str, int]
    ct_threshold: float
    round_hours: float
    people_per_site_min: float
    people_per_site_max: float
    people_per_sampler: float
    turnaround_hours: dict[str, float]

    @property
    def largest_pool(self) -> int:
        return max(self.pool_sizes)

    def targets(self) -> list[float]:
        """The turnaround targets in hours, shortest first (6 / 12 / 24 h in the Chinese editions)."""
        return sorted(set(self.turnaround_hours.values()))


def _value(profile, name: str):
    path = f"screening.{name}"
    return profile.get(path) if profile.has(path) else FALLBACK[name]


def rules_for(*, session: Session, jurisdiction_code: str, at: datetime | None = None) -> ScreeningRules:
    """The screening values of the profile in force for the node at `at` (default now)."""
    profile = profiles.effective_profile(session=session, jurisdiction_code=jurisdiction_code, at=at)
    by_risk = {**FALLBACK["pool_size_by_risk"], **(_value(profile, "pool_size_by_risk") or {})}
    turnaround = {**FALLBACK["turnaround"], **(_value(profile, "turnaround") or {})}
    return ScreeningRules(
        profile_id=profile.profile_id,
        pool_sizes=tuple(sorted(_value(profile, "pool_sizes_validated"))),
        pool_by_risk={k: int(v) for k, v in by_risk.items() if v is not None},
        ct_threshold=float(_value(profile, "ct_positive_threshold")),
        round_hours=float(_value(profile, "area_round_hours")),
        people_per_site_min=float(_value(profile, "people_per_site_min")),
        people_per_site_max=float(_value(profile, "people_per_site_max")),
        people_per_sampler=float(_value(profile, "people_per_sampler")),
        turnaround_hours={k: float(v) for k, v in turnaround.items() if v is not None},
    )


def pool_size_for(rules: ScreeningRules, *, mode: str, pool_size: int | None, risk_level: str | None) -> int:
    """Swabs per tube for a sampling mode, checked against the profile (Invalid when refused).

    single: 1. household: one tube per household, up to the largest validated pool. pooled: one of the
    validated sizes (5, 10 or 20; re-pooling tubes into larger pools is not validated, §3.3).
    by_risk: the profile's size for the area's risk level (high 1, medium 5, low 10).
    """
    if mode not in MODES:
        raise Invalid(f"unknown sampling mode {mode!r}; use {', '.join(MODES)}", field="mode")
    if mode == "single":
        return 1
    if mode == "household":
        return rules.largest_pool
    if mode == "pooled":
        if pool_size not in rules.pool_sizes:
            sizes = ", ".join(map(str, rules.pool_sizes))
            raise Invalid(f"pool size {pool_size} is not validated in profile {rules.profile_id}: use {sizes}",
                          field="pool_size")
        return pool_size
    if risk_level not in rules.pool_by_risk:
        raise Invalid(f"sampling by risk level needs a risk_level: {', '.join(RISK_LEVELS)}", field="risk_level")
    return rules.pool_by_risk[risk_level]


def tube_mode(area_mode: str, pool_size: int) -> str:
    """How a tube of an area is filled: single (one swab), household (one home), or pooled."""
    if pool_size == 1:
        return "single"
    return "household" if area_mode == "household" else "pooled"
