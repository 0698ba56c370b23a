"""Display names for coded values and known service messages, as gettext message ids.

The domain stores codes ("confirmed", "under_treatment") and raises English messages; the pages show
them in the user's language. `N_` only marks a string for extraction (scripts/extract-messages.sh).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from babel.support import NullTranslations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    return message


LABELS: dict[str, dict[str, str]] = {
    "classification": {
        "suspected": N_("Suspected"), "confirmed": N_("Confirmed"), "asymptomatic": N_("Asymptomatic"),
        "repositive": N_("Re-positive"), "excluded": N_("Excluded"),
    },
    "severity": {"mild": N_("Mild"), "moderate": N_("Moderate"), "severe": N_("Severe"), "critical": N_("Critical")},
    "origin": {"local": N_("Local"), "imported": N_("Imported"), "import_related": N_("Import-related")},
    "outcome": {"under_treatment": N_("Under treatment"), "recovered": N_("Recovered"), "died": N_("Died")},
    "report_status": {"met": N_("On time"), "late": N_("Late"), "open": N_("Open")},
    "sex": {"male": N_("Male"), "female": N_("Female"), "unknown": N_("Unknown")},
    "doc_type": {
        "passport": N_("Passport"), "hk_macao_permit": N_("Mainland travel permit (HK/Macao)"),
        "taiwan_permit": N_("Mainland travel permit (Taiwan)"),
        "foreign_permanent_id": N_("Foreign permanent resident ID"), "other": N_("Other document"),
    },
    "role": {
        "admin": N_("Administrator"), "commander": N_("Commander"), "epidemiologist": N_("Epidemiologist"),
        "lab_operator": N_("Lab operator"), "quarantine_manager": N_("Quarantine manager"),
        "grid_worker": N_("Grid worker"), "supply_officer": N_("Supply officer"), "auditor": N_("Auditor"),
    },
    "level": {
        "province": N_("Province"), "city": N_("City"), "district": N_("District"), "street": N_("Street"),
        "community": N_("Community"), "grid": N_("Grid"),
    },
    "dup_reason": {
        "birth_date": N_("same birth date"), "phone": N_("same phone"), "name": N_("same name"),
        "resident_id~typo": N_("ID numbers differ by a typo"),
    },
    "date_field": {"onset": N_("Onset date"), "report": N_("Report date")},
    "task_status": {"open": N_("To do"), "in_progress": N_("In progress"), "done": N_("Done"),
                    "cancelled": N_("Cancelled")},
    "priority": {"high": N_("High"), "normal": N_("Normal"), "low": N_("Low")},
    "department": {
        "headquarters": N_("Headquarters"), "cdc": N_("CDC"), "health": N_("Health commission"),
        "public_security": N_("Public security"), "industry_it": N_("Industry and IT"), "community": N_("Community"),
        "lab": N_("Laboratory"), "quarantine": N_("Quarantine sites"), "supplies": N_("Supplies"),
    },
    "subject_type": {
        "case": N_("Case"), "contact": N_("Contact"), "person": N_("Person"), "facility": N_("Facility"),
        "area": N_("Area"), "campaign": N_("Screening campaign"), "jurisdiction": N_("Jurisdiction"),
    },
    "task_event": {
        "created": N_("Created"), "assigned": N_("Assigned"), "status": N_("Status changed"), "note": N_("Note"),
        "evidence": N_("Evidence added"), "overdue": N_("Overdue"), "bulk": N_("Bulk action"),
        "due": N_("Due time changed"), "priority": N_("Priority changed"),
    },
    "notification": {"assigned": N_("Assigned to you"), "overdue": N_("Overdue"),
                     "escalated": N_("Overdue, escalated to you")},
    "sla_outcome": {
        "due": N_("Due in the period"), "on_time": N_("Done on time"), "late": N_("Done late"), "open_overdue": N_("Open, overdue"),
        "open_not_due": N_("Open, not yet due"), "cancelled": N_("Cancelled"),
    },
    "flash": {
        "saved": N_("Saved."), "classified": N_("Classification changed."), "created": N_("Case registered."),
        "merged": N_("Persons merged."), "dismissed": N_("Marked as not a duplicate."),
        "logged_out": N_("You have been signed out."),
        "bulk_assigned": N_("Tasks assigned."), "bulk_closed": N_("Tasks closed."), "task_started": N_("Task started."),
        "task_done": N_("Task completed."), "task_reopened": N_("Task reopened."),
        "task_assigned": N_("Task assigned."), "note_added": N_("Note added."), "due_changed": N_("Due time changed."),
        "notifications_read": N_("Notifications marked as read."),
    },
    "field": {
        "jurisdiction_code": N_("Jurisdiction"), "origin": N_("Origin"), "onset_date": N_("Onset date"),
        "sampling_date": N_("Sampling date"), "diagnosed_at": N_("Diagnosed at"), "reported_at": N_("Reported at"),
        "outcome": N_("Outcome"), "outcome_date": N_("Outcome date"), "notes": N_("Notes"),
        "classification": N_("Classification"), "severity": N_("Severity"), "name": N_("Name"),
        "sex": N_("Sex"), "birth_date": N_("Birth date"), "resident_id": N_("Resident ID"),
        "doc_type": N_("Document type"), "doc_number": N_("Document number"), "phone": N_("Phone"),
        "address": N_("Address"), "person_id": N_("Person"), "external_id": N_("Report card number"),
        "version": N_("Version"),
        "title": N_("Title"), "due_at": N_("Due"), "reason": N_("Reason"), "note": N_("Note"),
        "team_id": N_("Team"), "assignee_id": N_("Assignee"), "ids": N_("Tasks"), "file": N_("File"),
        "status": N_("Status"), "priority": N_("Priority"),
    },
}

# Messages the services raise with fixed wording; anything else is shown as raised.
KNOWN_MESSAGES = (
    N_("a confirmed case needs a severity: mild, moderate, severe or critical"),
    N_("only confirmed cases have a severity"),
    N_("a case under treatment has no outcome date"),
    N_("diagnosis comes before the sample was taken"),
    N_("the report is dated before the diagnosis"),
    N_("onset is more than 60 days before diagnosis"),
    N_("this case was changed by someone else; reload it"),
    N_("this record was changed by someone else; reload it"),
    N_("a case needs a jurisdiction"),
    N_("a new case is suspected, confirmed, asymptomatic or re-positive"),
    N_("an excluded case can only be reopened as suspected, with a reason"),
    N_("re-positive applies only after the case was released or discharged (outcome recovered)"),
    N_("a document number needs its document type"),
    N_("name is required"),
    N_("give person_id or person"),
    N_("a person cannot be merged into itself"),
    N_("one of these persons was already merged"),
    N_("a resident ID is 17 digits followed by a digit or X"),
    N_("not a valid date"),
    N_("not a valid date and time"),
    N_("this value is not allowed"),
    N_("this field is required"),
    N_("the text is too long"),
    N_("not a number"),
    N_("no such record"),
    N_("the form's security token is missing or out of date; reload the page and try again"),
    N_("completing a task needs a note or an attachment as evidence"),
    N_("cancelling a task needs a reason"),
    N_("closing tasks in bulk needs a reason"),
    N_("changing the due time needs a reason"),
    N_("this task is assigned to someone else; a user who may assign tasks can reassign it"),
    N_("the file is empty"),
    N_("select at least one task"),
    N_("choose a team"),
    N_("the period ends before it starts"),
    N_("the period is longer than a year"),
)


# Messages with values in them: (pattern, message id). The value-free wording is shown.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r" is in the future$", N_("the date is in the future")),
    (r"^a resident ID has 18 characters", N_("a resident ID has 18 characters")),
    (r"^check digit is", N_("the check digit of the resident ID is wrong")),
    (r"^birth date \S+ in the ID", N_("the birth date in the resident ID is not valid")),
    (r"^region code \d+ names no province", N_("the region code of the resident ID is not valid")),
    (r"differs from the ID's", N_("does not match the resident ID")),
    (r"is not a (valid )?phone number$", N_("not a valid phone number")),
    (r"^resident ID already registered as person", N_("this resident ID is already registered to another person")),
    (r"^no jurisdiction with code", N_("no such jurisdiction in your area")),
    (r"^changing \w+ to \w+ needs a reason", N_("this change needs a reason")),
    (r"^a \w+ case cannot become", N_("this classification change is not allowed")),
    (r"^the case is already", N_("the case already has this classification")),
    (r"^no (case|person) \d+", N_("no such record")),
    (r"^person \d+ was merged into", N_("this person was merged into another record")),
    (r"^the file is larger than", N_("the file is too large")),
    (r"^team .+ does not cover", N_("this team does not cover the task's area")),
    (r"^user .+ cannot see tasks in", N_("this user cannot see tasks in that area")),
    (r"^a \w+ task cannot become", N_("this status change is not allowed")),
    (r"^the task is already", N_("the task already has this status")),
    (r"^no (task|team|user|notification|attachment) \d+", N_("no such record")),
    (r"^a team named .+ exists", N_("a team with this name exists here")),
))


def translate_message(catalogue: NullTranslations, message: str) -> str:
    """A service's message in the user's language where its wording is known; else as raised."""
    if message in KNOWN_MESSAGES:
        return catalogue.gettext(message)
    for pattern, msgid in PATTERNS:
        if pattern.search(message):
            return catalogue.gettext(msgid)
    return message


def labeller(catalogue: NullTranslations) -> Callable[[str, str | None], str]:
    """`label(kind, value)` for templates: the translated display name, or the value itself."""

    def label(kind: str, value: str | None) -> str:
        if value is None or value == "":
            return ""
        msgid = LABELS.get(kind, {}).get(value)
        return catalogue.gettext(msgid) if msgid else str(value)

    return label
