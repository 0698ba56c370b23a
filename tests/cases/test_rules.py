from datetime import datetime, timedelta, timezone

import pytest

from fangkong.cases import rules

T0 = datetime(2022, 4, 1, 23, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("current, target, severity, reason, outcome, field", [
    ("suspected", "confirmed", "mild", "", "under_treatment", None),
    ("suspected", "confirmed", None, "", "under_treatment", "severity"),
    ("suspected", "asymptomatic", "mild", "", "under_treatment", "severity"),
    ("asymptomatic", "confirmed", "moderate", "", "under_treatment", None),
    ("confirmed", "asymptomatic", None, "", "under_treatment", "classification"),
    ("confirmed", "excluded", None, "", "under_treatment", "reason"),
    ("confirmed", "excluded", None, "lab error", "under_treatment", None),
    ("confirmed", "repositive", None, "", "under_treatment", "classification"),
    ("confirmed", "repositive", None, "", "recovered", None),
    ("excluded", "confirmed", "mild", "new test", "under_treatment", "classification"),
    ("excluded", "suspected", None, "", "under_treatment", "reason"),
    ("excluded", "suspected", None, "new exposure found", "under_treatment", None),
    ("suspected", "bogus", None, "", "under_treatment", "classification"),
])
def test_transitions(current, target, severity, reason, outcome, field):
    problem = rules.transition_problem(current=current, current_severity="mild" if current == "confirmed" else None,
                                       target=target, severity=severity, reason=reason, outcome=outcome)
    assert (problem[0] if problem else None) == field


def test_severity_change_of_a_confirmed_case_is_a_transition():
    assert rules.transition_problem(current="confirmed", current_severity="mild", target="confirmed",
                                    severity="severe", reason="", outcome="under_treatment") is None
    same = rules.transition_problem(current="confirmed", current_severity="mild", target="confirmed",
                                    severity="mild", reason="", outcome="under_treatment")
    assert "already" in same[1]


def test_report_deadline_across_midnight():
    deadline = rules.report_deadline(T0, 2)
    assert deadline == datetime(2022, 4, 2, 1, 30, tzinfo=timezone.utc)
    assert rules.report_status(deadline=deadline, reported_at=T0 + timedelta(hours=2), now=T0) == "met"
    assert rules.report_status(deadline=deadline, reported_at=T0 + timedelta(hours=2, seconds=1), now=T0) == "late"
    assert rules.report_status(deadline=deadline, reported_at=None, now=T0 + timedelta(hours=1)) == "open"
    assert rules.report_status(deadline=deadline, reported_at=None, now=T0 + timedelta(hours=3)) == "late"
    assert rules.report_status(deadline=None, reported_at=None, now=T0) is None
