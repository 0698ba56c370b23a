"""Case classification rules: which changes are allowed, and the online-report clock. Pure functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

CLASSIFICATIONS = ("suspected", "confirmed", "asymptomatic", "repositive", "excluded")
# Clinical types of the 9th-edition diagnosis and treatment protocol (诊疗方案 第九版):
# 轻型 / 普通型 / 重型 / 危重型 (shared/reference/protocols-china.md §6).
SEVERITIES = ("mild", "moderate", "severe", "critical")
ORIGINS = ("local", "imported", "import_related")
OUTCOMES = ("under_treatment", "recovered", "died")

# The change a case may make from each classification. Re-positive (复阳) follows a release or
# discharge; "excluded" (排除) is terminal except by an explicit reopen with a reason.
TRANSITIONS: dict[str, frozenset[str]] = {
    "suspected": frozenset({"confirmed", "asymptomatic", "excluded"}),
    "asymptomatic": frozenset({"confirmed", "repositive", "excluded"}),
    "confirmed": frozenset({"confirmed", "repositive", "excluded"}),
    "repositive": frozenset({"confirmed", "asymptomatic", "excluded"}),
    "excluded": frozenset({"suspected"}),
}
# Changes that reverse an earlier judgement need a written reason.
NEEDS_REASON = {("confirmed", "excluded"), ("asymptomatic", "excluded"), ("repositive", "excluded"),
                ("excluded", "suspected")}


def transition_problem(
    *, current: str, current_severity: str | None, target: str, severity: str | None,
    reason: str, outcome: str,
) -> tuple[str, str] | None:
    """Why the change is not allowed, as (field, message), or None."""
    if target not in CLASSIFICATIONS:
        return "classification", f"unknown classification {target!r}"
    if target == "confirmed" and severity not in SEVERITIES:
        return "severity", "a confirmed case needs a severity: mild, moderate, severe or critical"
    if target != "confirmed" and severity is not None:
        return "severity", "only confirmed cases have a severity"
    if target == current and severity == current_severity:
        return "classification", f"the case is already {target}" + (f" ({severity})" if severity else "")
    if target not in TRANSITIONS.get(current, frozenset()):
        if current == "excluded":
            return "classification", "an excluded case can only be reopened as suspected, with a reason"
        return "classification", f"a {current} case cannot become {target}"
    if (current, target) in NEEDS_REASON and not reason.strip():
        return "reason", f"changing {current} to {target} needs a reason"
    if target == "repositive" and outcome != "recovered":
        return "classification", "re-positive applies only after the case was released or discharged (outcome recovered)"
    return None


def initial_problem(*, classification: str, severity: str | None) -> tuple[str, str] | None:
    if classification not in CLASSIFICATIONS or classification == "excluded":
        return "classification", "a new case is suspected, confirmed, asymptomatic or re-positive"
    if classification == "confirmed" and severity not in SEVERITIES:
        return "severity", "a confirmed case needs a severity: mild, moderate, severe or critical"
    if classification != "confirmed" and severity is not None:
        return "severity", "only confirmed cases have a severity"
    return None


# A data-entry plausibility bound, not a protocol rule: an onset this long before diagnosis is far
# beyond any published incubation or onset-to-diagnosis delay (protocols-china.md §1, epi-methods.md
# §3) and is almost always a mistyped year or month.
MAX_ONSET_TO_DIAGNOSIS_DAYS = 60


def date_problems(
    *, onset: date | None, sampling: date | None, diagnosed: datetime | None, reported: datetime | None,
    today: date, diagnosed_local: date | None = None,
) -> list[tuple[str, str]]:
    """Date order and plausibility: (field, message) for each problem."""
    problems = []
    for field, value in (("onset_date", onset), ("sampling_date", sampling), ("diagnosed_at", diagnosed_local)):
        if value and value > today:
            problems.append((field, f"{field} {value} is in the future"))
    if sampling and diagnosed_local and diagnosed_local < sampling:
        problems.append(("diagnosed_at", "diagnosis comes before the sample was taken"))
    if diagnosed and reported and reported < diagnosed:
        problems.append(("reported_at", "the report is dated before the diagnosis"))
    if onset and diagnosed_local and (diagnosed_local - onset).days > MAX_ONSET_TO_DIAGNOSIS_DAYS:
        problems.append(("onset_date", f"onset is more than {MAX_ONSET_TO_DIAGNOSIS_DAYS} days before diagnosis"))
    return problems


def report_deadline(diagnosed_at: datetime | None, hours: float) -> datetime | None:
    return diagnosed_at + timedelta(hours=hours) if diagnosed_at else None


def report_status(*, deadline: datetime | None, reported_at: datetime | None, now: datetime) -> str | None:
    """'met' (reported in time), 'late' (reported after, or unreported past the deadline), 'open'."""
    if deadline is None:
        return None
    if reported_at is not None:
        return "met" if reported_at <= deadline else "late"
    return "late" if now > deadline else "open"
