"""Demo outbreak, part 2: from the transmission chain to cases.

Classification, severity, origin, sampling / diagnosis / report times and outcomes of the
cases of :mod:`fangkong.demo.transmission`. Illustrative parameters, not estimates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np

from fangkong.demo.geography import _Geography
from fangkong.demo.models import DemoCase
from fangkong.demo.population import _Population
from fangkong.demo.transmission import _Spread

# Delays (days). Onset to sampling 0-3 and sampling to diagnosis 0-2: illustrative values
# for a period of mass testing, not estimates.
_SAMPLING_DELAY = np.array([0.40, 0.30, 0.20, 0.10])
_DIAGNOSIS_DELAY = np.array([0.55, 0.35, 0.10])

# Reporting: Class-A-managed diseases (COVID-19 until January 2023) are reported to the
# online direct reporting system within 2 hours of diagnosis (传染病信息报告管理规范).
# Most demo cases meet that; ~8% are late (2-6 h); ~3% of the most recent are not yet in.
_LATE_REPORT_SHARE = 0.08
_UNREPORTED_SHARE = 0.03

_CLASS_SHARES = (
    ("confirmed", 55), ("asymptomatic", 35), ("suspected", 4), ("excluded", 3), ("repositive", 2),
)
_SEVERITY_SHARES = (("mild", 80), ("moderate", 15), ("severe", 4), ("critical", 1))

# Days from diagnosis after which a case counts as recovered (discharged / released),
# illustrative: mild and asymptomatic cases were released after about 7-10 days of
# centralised isolation under the 9th-edition protocol; longer for worse illness.
_RECOVERY_DAYS = {
    "asymptomatic": 10, "mild": 10, "moderate": 14, "severe": 21, "critical": 28, "repositive": 7,
}

_CHINA_UTC_OFFSET = timedelta(hours=8)


def _largest_remainder(total: int, shares: list[float]) -> list[int]:
    """Split `total` into integers proportional to `shares`, summing exactly to `total`."""
    s = np.asarray(shares, dtype=float)
    raw = total * s / s.sum()
    base = np.floor(raw).astype(int)
    left = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:left]] += 1
    return [int(v) for v in base]


def _build_cases(
    rng: np.random.Generator, geo: _Geography, pop: _Population, n_base: int, n_cases: int, end: date, days: int
) -> list[DemoCase]:
    if n_cases == 0:
        return []
    ages = pop.ages[:n_base]
    chain = _Spread(rng, geo, pop, n_base).run(n_cases, days)
    case_person, case_day_a, infector_a = chain.case_person, chain.case_day, chain.infector
    n = len(case_person)
    case_age = ages[np.asarray(case_person)]
    is_seed = np.zeros(n, dtype=bool)
    is_seed[:chain.n_seed] = True
    imported = np.zeros(n, dtype=bool)
    imported[:chain.n_imported] = True
    has_children = np.zeros(n, dtype=bool)
    has_children[infector_a[infector_a >= 0]] = True

    classification = _classify(rng, chain.n_seed, case_day_a, has_children, is_seed, imported, case_age)
    severity = _severities(rng, classification, case_age)
    origin = _origins(imported, infector_a)
    asymptomatic = classification == "asymptomatic"
    index_ord, samp_ord, diag_ord, diagnosed_at = _case_dates(rng, case_day_a, asymptomatic, end, days)
    by_time, reported_at = _report_times(rng, diagnosed_at)
    outcome = _outcomes(rng, classification, severity, case_age, end.toordinal() - diag_ord)

    cases = []
    for i in by_time:
        symptomatic = not asymptomatic[i]
        cases.append(
            DemoCase(
                person_index=int(case_person[i]),
                classification=str(classification[i]),
                severity=severity[i],
                origin=str(origin[i]),
                onset_date=date.fromordinal(int(index_ord[i])) if symptomatic else None,
                sampling_date=date.fromordinal(int(samp_ord[i])),
                diagnosed_at=diagnosed_at[i],
                reported_at=reported_at[i],
                outcome=str(outcome[i]),
            )
        )
    return cases


def _classify(
    rng: np.random.Generator,
    n_seed: int,
    case_day_a: np.ndarray,
    has_children: np.ndarray,
    is_seed: np.ndarray,
    imported: np.ndarray,
    case_age: np.ndarray,
) -> np.ndarray:
    n = len(case_day_a)
    # Classification. Suspected, excluded and re-positive cases are chosen among cases that
    # infected no one, suspected ones among the most recent.
    class_counts = dict(zip([c for c, _ in _CLASS_SHARES], _largest_remainder(n, [s for _, s in _CLASS_SHARES])))
    if n >= len(_CLASS_SHARES):
        for c in class_counts:
            if class_counts[c] == 0:
                class_counts[c] = 1
                class_counts["confirmed"] -= 1
    classification = np.array(["confirmed"] * n, dtype=object)
    leaf_first = np.lexsort((rng.random(n), has_children | is_seed))  # leaves first, shuffled
    free = np.ones(n, dtype=bool)
    free[is_seed] = n <= n_seed  # seeds stay confirmed unless there is nothing else

    def take(k: int, candidates: np.ndarray) -> np.ndarray:
        chosen = [int(i) for i in candidates if free[i]][:k]
        free[chosen] = False
        return np.asarray(chosen, dtype=np.int64)

    recent_leaves = np.lexsort((rng.random(n), -case_day_a, has_children | is_seed))
    classification[take(class_counts["suspected"], recent_leaves)] = "suspected"
    classification[take(class_counts["excluded"], leaf_first)] = "excluded"
    classification[take(class_counts["repositive"], leaf_first)] = "repositive"
    # Asymptomatic: younger cases more likely; local seeds may be asymptomatic too.
    rest = np.flatnonzero((classification == "confirmed") & ~imported)
    n_asym = min(class_counts["asymptomatic"], len(rest))
    if n_asym:
        w = np.where(case_age[rest] < 60, 1.0, 0.4)
        asym = rng.choice(rest, size=n_asym, replace=False, p=w / w.sum())
        classification[asym] = "asymptomatic"
    return classification


def _severities(rng: np.random.Generator, classification: np.ndarray, case_age: np.ndarray) -> np.ndarray:
    n = len(classification)
    # Severity among confirmed cases, worse illness weighted towards the elderly.
    severity = np.array([None] * n, dtype=object)
    confirmed = np.flatnonzero(classification == "confirmed")
    sev_counts = dict(zip([s for s, _ in _SEVERITY_SHARES],
                          _largest_remainder(len(confirmed), [s for _, s in _SEVERITY_SHARES])))
    pool = confirmed.copy()
    age_c = case_age
    for level, weight in (("critical", [0.2, 2.0, 15.0, 30.0]), ("severe", [0.2, 2.0, 15.0, 30.0]),
                          ("moderate", [1.0, 1.5, 2.0, 2.5])):
        k = min(sev_counts[level], len(pool))
        if k:
            band = np.digitize(age_c[pool], [40, 60, 80])
            w = np.asarray(weight)[band]
            chosen = rng.choice(pool, size=k, replace=False, p=w / w.sum())
            severity[chosen] = level
            pool = np.setdiff1d(pool, chosen)
    severity[pool] = "mild"
    return severity


def _origins(imported: np.ndarray, infector_a: np.ndarray) -> np.ndarray:
    # Origin: imported seeds; their direct contacts are import-related; the rest local.
    origin = np.array(["local"] * len(imported), dtype=object)
    origin[imported] = "imported"
    related = (infector_a >= 0) & np.isin(infector_a, np.flatnonzero(imported))
    origin[related & ~imported] = "import_related"
    return origin


def _case_dates(
    rng: np.random.Generator, case_day_a: np.ndarray, asymptomatic: np.ndarray, end: date, days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[datetime]]:
    """(index day, sampling day, diagnosis day as ordinals; diagnosis time in UTC)."""
    n = len(case_day_a)
    day0 = end.toordinal() - (days - 1)
    end_ord = end.toordinal()
    samp_delay = rng.choice(len(_SAMPLING_DELAY), size=n, p=_SAMPLING_DELAY)
    diag_delay = rng.choice(len(_DIAGNOSIS_DELAY), size=n, p=_DIAGNOSIS_DELAY)
    index_ord = day0 + case_day_a
    # Asymptomatic infections are found by screening: the index day is the sampling day.
    samp_ord = np.minimum(index_ord + np.where(asymptomatic, 0, samp_delay), end_ord)
    diag_ord = np.minimum(samp_ord + diag_delay, end_ord)
    # Diagnosis between 09:00 and 22:59 China time, i.e. 01:00-14:59 UTC on the same date.
    diag_minute = rng.integers(9 * 60, 23 * 60, size=n)
    diagnosed_at = [
        datetime.combine(date.fromordinal(int(diag_ord[i])), datetime.min.time(), tzinfo=timezone.utc)
        + timedelta(minutes=int(diag_minute[i])) - _CHINA_UTC_OFFSET
        for i in range(n)
    ]
    return index_ord, samp_ord, diag_ord, diagnosed_at


def _report_times(rng: np.random.Generator, diagnosed_at: list[datetime]) -> tuple[list[int], list[datetime | None]]:
    """(case indices in order of diagnosis, report time per case or None when not yet reported)."""
    n = len(diagnosed_at)
    # Reporting delays.
    by_time = sorted(range(n), key=lambda i: (diagnosed_at[i], i))
    n_unreported = int(round(n * _UNREPORTED_SHARE))
    unreported = set(by_time[n - n_unreported:]) if n_unreported else set()
    reportable = np.asarray([i for i in range(n) if i not in unreported], dtype=np.int64)
    n_late = min(int(round(n * _LATE_REPORT_SHARE)), len(reportable))
    late = set(int(i) for i in rng.choice(reportable, size=n_late, replace=False)) if n_late else set()
    on_time_minutes = np.minimum(5 + rng.gamma(2.0, 15.0, size=n), 119).astype(np.int64)
    late_minutes = rng.integers(121, 6 * 60 + 1, size=n)
    reported_at: list[datetime | None] = []
    for i in range(n):
        if i in unreported:
            reported_at.append(None)
        elif i in late:
            reported_at.append(diagnosed_at[i] + timedelta(minutes=int(late_minutes[i])))
        else:
            reported_at.append(diagnosed_at[i] + timedelta(minutes=int(on_time_minutes[i])))
    return by_time, reported_at


def _outcomes(
    rng: np.random.Generator,
    classification: np.ndarray,
    severity: np.ndarray,
    case_age: np.ndarray,
    since_diag: np.ndarray,
) -> np.ndarray:
    n = len(classification)
    # Outcomes: deaths only among elderly severe/critical cases diagnosed a few days ago.
    outcome = np.array(["under_treatment"] * n, dtype=object)
    jitter = rng.integers(-2, 3, size=n)
    for i in range(n):
        cls = classification[i]
        if cls == "excluded":
            outcome[i] = "recovered"  # ruled out and released: the case is closed
        elif cls in ("asymptomatic", "repositive", "confirmed"):
            key = severity[i] if cls == "confirmed" else cls
            if since_diag[i] >= _RECOVERY_DAYS[key] + jitter[i]:
                outcome[i] = "recovered"
    eligible = np.flatnonzero(np.isin(severity, ["severe", "critical"]) & (case_age >= 60) & (since_diag >= 3))
    if len(eligible):
        p_die = np.where(severity[eligible] == "critical", 0.6, 0.2)
        died = eligible[rng.random(len(eligible)) < p_die]
        max_deaths = max(1, int(round(n * 0.015)))
        if len(died) == 0:  # keep at least one death in the demo when one is plausible
            died = eligible[np.lexsort((-case_age[eligible], severity[eligible] != "critical"))][:1]
        outcome[died[:max_deaths]] = "died"
    return outcome
