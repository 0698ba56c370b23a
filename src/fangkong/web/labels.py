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
    "flash": {
        "saved": N_("Saved."), "classified": N_("Classification changed."), "created": N_("Case registered."),
        "merged": N_("Persons merged."), "dismissed": N_("Marked as not a duplicate."),
        "logged_out": N_("You have been signed out."),
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
