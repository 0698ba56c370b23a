"""Resident ID (GB 11643-1999), phone numbers and masking: pure functions, no database."""

from __future__ import annotations

import re
from operator import mul
from dataclasses import dataclass
from functools import lru_cache
from datetime import date

import phonenumbers
from stdnum.cn import ric

# ISO 7064 MOD 11-2 weights and check characters, as specified in GB 11643-1999 §5.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Mobile prefixes where every number is valid in libphonenumber's metadata (checked by test);
# anything else goes through phonenumbers itself.
_CN_MOBILE = re.compile(r"1(3\d|4[57]|5[0-35-9]|6[2567]|7[0-35-8]|8\d|9[0-35-9])\d{8}")


class IdError(ValueError):
    """An ID number or phone that is not valid; the message says what is wrong."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # 'male' or 'female': the parity of the sequence code (GB 11643 §4.3)
    region_code: str
    region_name: str | None


def check_digit(first17: str) -> str:
    # map() keeps this in C: it runs once per row of a million-row import.
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def parse_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18-character resident ID and derive birth date, sex and region."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise IdError(f"a resident ID has 18 characters, got {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdError("a resident ID is 17 digits followed by a digit or X")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdError(f"check digit is {number[17]}, expected {expected} (ISO 7064 MOD 11-2)")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdError(f"birth date {number[6:14]} in the ID is not a real date") from exc
    if birth < date(1880, 1, 1) or birth > (today or date.today()):
        raise IdError(f"birth date {birth.isoformat()} in the ID is impossible")
    if number[:2] not in _PROVINCES:
        raise IdError(f"region code {number[:6]} names no province")
    return ResidentId(number, birth, "male" if int(number[16]) % 2 else "female", number[:6], region_name(number[:6], birth.year))


@lru_cache(maxsize=8192)
def region_name(code: str, year: int) -> str | None:
    """County name of a GB/T 2260 code as it was in `year` (codes are reassigned), from python-stdnum."""
    try:
        places = ric.get_birth_place(f"{code}{year:04d}01010000")
    except Exception:  # stdnum raises its own InvalidComponent for unknown counties
        return None
    return places.get("county") if isinstance(places, dict) else None


# GB/T 2260 province-level codes (incl. 71 Taiwan, 81 Hong Kong, 82 Macao, used on permits).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def cross_check(rid: ResidentId, *, birth_date: date | None, sex: str | None) -> list[tuple[str, str]]:
    """Disagreements between an ID and the separately entered birth date and sex: (field, reason)."""
    problems = []
    if birth_date and birth_date != rid.birth_date:
        problems.append(("birth_date", f"birth date {birth_date} differs from the ID's {rid.birth_date}"))
    if sex in ("male", "female") and sex != rid.sex:
        problems.append(("sex", f"sex {sex} differs from the ID's {rid.sex}"))
    return problems


def normalize_phone(value: str) -> str:
    """Validate a phone number (mainland by default) and return its national form for CN, E.164 otherwise."""
    raw = (value or "").strip().replace(" ", "").replace("-", "")
    if _CN_MOBILE.fullmatch(raw):
        return raw  # fast path for the common case; numbering plan: MIIT mobile prefixes 13x-19x
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise IdError(f"{value!r} is not a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise IdError(f"{value!r} is not a valid phone number")
    if parsed.country_code == 86:
        return str(parsed.national_number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_resident_id(value: str | None) -> str | None:
    """`320102199001011234` → `3201**********1234`: region prefix and last four stay readable."""
    if not value:
        return value
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """`13812345678` → `138****5678`."""
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_document(value: str | None) -> str | None:
    if not value:
        return value
    return value[:2] + "*" * max(len(value) - 4, 1) + value[-2:]


def mask_fields(values: dict) -> dict:
    """A copy with ID numbers, phones and documents masked: what the audit log keeps of personal data."""
    out = dict(values)
    for key, mask in (("resident_id", mask_resident_id), ("phone", mask_phone), ("doc_number", mask_document)):
        if key in out:
            out[key] = mask(out[key])
    return out
