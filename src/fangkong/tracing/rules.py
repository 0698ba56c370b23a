"""Pure contact rules driven by the protocol profile: which categories a profile determines, how a
person exposed in a given way is categorised, the look-back window, the quarantine clock.

No ORM, no session: `ContactRules.from_values` takes the profile's `contacts` and `categories`
sections (plain dicts, `EffectiveProfile.get(...)`), so each profile's decisions are tested directly.
Definitions: protocols-china.md §1.1 (ed8/ed9 list of who counts as a 密接; 次密接 from the close
contact's first contact with the case until it is isolated; 一般接触者; 涉疫场所暴露人员; 时空伴随).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Contact category (contract) → the profile's key under [contacts.*] and [categories.*].
PROFILE_KEY = {"close": "close_contact", "secondary": "secondary_contact", "general": "general_contact",
               "venue_exposed": "venue_exposed", "companion": "companion"}
CATEGORIES = tuple(PROFILE_KEY)

# How a person was exposed, as the investigator records it. The first group is the ed8/ed9 list of
# close-contact situations (protocols-china.md §1.1, items 1–9): exposures of that kind to a case
# make a close contact, to a close contact a secondary contact.
CLOSE_EXPOSURES = {
    "household": "household",          # 1. co-residents (同住)
    "carer": "healthcare",             # 2./3. direct carers, clinical staff, visiting medics or family
    "aerosol_procedure": "healthcare",  # 4. aerosol-generating procedures in the same space
    "shared_closed_space": "workplace",  # 5. same office, meeting room, workshop, team, dorm or classroom
    "shared_meal": "venue",            # 6. same or adjacent table, shared toilet or lift, entertainment
    "vehicle_near": "transport",       # 7. within 1 m on the same vehicle, attendants and companions
    "contaminated_environment": "other",  # 8. contaminated environment or objects
    "investigator_judgement": "other",  # 9. judged so by the field investigator
}
# Exposures that are not close: same plane/train/ship or place without the close criteria (一般接触者),
# a shared crowded closed place (涉疫场所暴露人员, ed9), the same 800 m grid cell (时空伴随).
OTHER_EXPOSURES = {"same_vehicle": ("general", "transport"), "same_place": ("general", "other"),
                   "venue": ("venue_exposed", "venue"), "cell": ("companion", "other")}
EXPOSURES = (*CLOSE_EXPOSURES, *OTHER_EXPOSURES)


@dataclass(frozen=True)
class ContactRules:
    """What one profile says about contacts."""

    profile_id: str
    determined: frozenset[str]  # contact categories the profile determines
    lookback_days: float | None
    companion: dict[str, float] | None  # min_overlap, window_days, cumulative_stay_hours; None: no 时空伴随
    clocks: dict[str, str]  # category → "last_exposure" | "identified", where the profile manages it

    @classmethod
    def from_values(cls, *, profile_id: str, contacts: dict[str, Any] | None,
                    categories: dict[str, Any] | None) -> ContactRules:
        contacts, categories = contacts or {}, categories or {}
        determined = frozenset(c for c, key in PROFILE_KEY.items()
                               if key in contacts and contacts[key].get("determined", True))
        close = contacts.get("close_contact", {})
        comp = contacts.get("companion") if "companion" in determined else None
        companion = None if comp is None else {k: float(comp[k]) for k in
                                               ("min_overlap", "window_days", "cumulative_stay_hours") if k in comp}
        clocks = {c: categories[key].get("clock", "identified") for c, key in PROFILE_KEY.items() if key in categories}
        lookback = close.get("lookback_days")
        return cls(profile_id=profile_id, determined=determined,
                   lookback_days=None if lookback is None else float(lookback), companion=companion, clocks=clocks)

    def traces_secondary(self) -> bool:
        return "secondary" in self.determined

    def venue_category(self) -> str:
        """Category of a venue co-presence: 涉疫场所暴露人员 where the profile has it, else general."""
        return "venue_exposed" if "venue_exposed" in self.determined else "general"


def categorise(rules: ContactRules, *, exposure: str, via_close_contact: bool = False) -> tuple[str, str] | None:
    """(category, setting) for a person exposed in the way `exposure` to a case, or, with
    `via_close_contact`, to a close contact of one; None when the profile does not determine such a person."""
    if exposure not in EXPOSURES:
        raise ValueError(f"unknown exposure {exposure!r}; one of {', '.join(EXPOSURES)}")
    if via_close_contact:
        # 次密接: close-type exposure to a close contact, only where the profile still determines them.
        if exposure in CLOSE_EXPOSURES and rules.traces_secondary():
            return "secondary", CLOSE_EXPOSURES[exposure]
        if exposure == "venue" and rules.traces_secondary():
            return "secondary", "venue"
        return None
    if exposure in CLOSE_EXPOSURES:
        return "close", CLOSE_EXPOSURES[exposure]
    category, setting = OTHER_EXPOSURES[exposure]
    if exposure == "venue":
        category = rules.venue_category()
    if category in rules.determined or category == "general":
        return category, setting
    return None


def lookback_start(rules: ContactRules, *, classification: str, onset: date | None, sampling: date | None,
                   fallback: date) -> tuple[datetime | None, date]:
    """Start of the look-back (local midnight, naive) and the date it counts from: `lookback_days`
    before onset, or before sampling for an asymptomatic case (or a case without onset)."""
    anchor = sampling if classification == "asymptomatic" else onset
    anchor = anchor or onset or sampling or fallback
    if rules.lookback_days is None:
        return None, anchor
    return datetime.combine(anchor, time()) - timedelta(days=rules.lookback_days), anchor


def clock_start(rules: ContactRules, *, category: str, last_exposure_at: datetime | None,
                identified_at: datetime) -> datetime:
    """When the contact's quarantine clock starts, per the profile's category: last exposure or identification."""
    kind = rules.clocks.get(category, "identified")
    if kind == "last_exposure" and last_exposure_at is not None:
        return last_exposure_at
    return identified_at


def local_naive(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware instant as naive local wall time (the bulk store's timestamps)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def aware(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time as an aware instant."""
    return local.replace(tzinfo=zone) if local.tzinfo is None else local
