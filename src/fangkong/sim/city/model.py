"""The in-memory synthetic city: plain NumPy arrays, one row per person or venue.

Index = id: person ``i`` is row ``i`` of every person array and ``person_id == i``; venue
``v`` likewise. Persons are ordered by household, so a household's members are the
contiguous slice ``hh_start[h]:hh_start[h + 1]``. Times of day are minutes after local
midnight (int16). Nothing here imports the web or the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

# Venue types in a fixed order; the int8 `venue_type` array indexes this tuple.
VENUE_TYPES: tuple[str, ...] = (
    "restaurant", "market", "supermarket", "mall", "office", "factory", "school",
    "hospital", "transport_hub", "gym", "ktv",
)
WORK_TYPES = ("office", "factory", "hospital", "mall", "supermarket", "market", "restaurant", "transport_hub")

NO_VENUE = -1
KIND_NONE, KIND_SCHOOL, KIND_WORK = 0, 1, 2


@dataclass
class Jurisdictions:
    """The tree from province to grid; every list is in the same order (parents first)."""

    code: list[str]
    parent_code: list[str | None]
    level: list[str]
    name: list[str]
    name_en: list[str]
    boundary: list[dict | None]  # GeoJSON Polygon geometry, None above district level


@dataclass
class City:
    seed: int
    # --- persons (ordered by household) ---
    age: np.ndarray  # int16 years
    sex: np.ndarray  # int8: 1 male, 0 female
    household: np.ndarray  # int32 household id, ascending
    hh_start: np.ndarray  # int64, H + 1 offsets into the person arrays
    grid: np.ndarray  # int32 index into grid_codes: the home grid
    home_cell: np.ndarray  # int64 800 m cell id of the home (fangkong.geo.cells)
    home_lon: np.ndarray  # float64
    home_lat: np.ndarray  # float64
    work_kind: np.ndarray  # int8 KIND_NONE / KIND_SCHOOL / KIND_WORK
    work_venue: np.ndarray  # int32 venue id of the school or workplace, NO_VENUE if none
    work_group: np.ndarray  # int32 class or team id (global numbering), -1 if none
    work_start: np.ndarray  # int16 minute of day the person arrives
    work_end: np.ndarray  # int16 minute of day the person leaves
    work_days: np.ndarray  # uint8 weekday bitmask, bit 0 = Monday
    leisure_rate: np.ndarray  # float32 expected leisure venue visits per day
    fav_start: np.ndarray  # int64, n + 1 offsets into fav_venue (CSR)
    fav_venue: np.ndarray  # int32 the leisure venues a person goes to
    # --- venues ---
    venue_type: np.ndarray  # int8 index into VENUE_TYPES
    venue_grid: np.ndarray  # int32 index into grid_codes
    venue_cell: np.ndarray  # int64
    venue_lon: np.ndarray  # float64
    venue_lat: np.ndarray  # float64
    venue_open: np.ndarray  # int16 minute of day
    venue_close: np.ndarray  # int16 minute of day (<= 1440)
    # --- geography ---
    grid_codes: np.ndarray  # str, 15-digit grid codes
    grid_community: np.ndarray  # int32 index into community_codes
    community_codes: np.ndarray  # str, 12 digits
    community_street: np.ndarray  # int32 index into street_codes
    street_codes: np.ndarray  # str, 9 digits
    jurisdictions: Jurisdictions
    # Identity columns (names, ID numbers, phones, place codes) are only needed when
    # writing files, so they are built lazily by fangkong.sim.city.identity.
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    # Ages are completed years on this day; birth dates in the identity columns agree with it.
    reference_date: date = date(2022, 3, 1)

    @property
    def n_persons(self) -> int:
        return int(self.age.shape[0])

    @property
    def n_venues(self) -> int:
        return int(self.venue_type.shape[0])

    @property
    def n_households(self) -> int:
        return int(self.hh_start.shape[0] - 1)

    @property
    def street(self) -> np.ndarray:
        """Street index of each person's home."""
        return self.community_street[self.grid_community[self.grid]]


@dataclass
class Visits:
    """One day's venue visits: parallel arrays, sorted by (venue, time_in)."""

    person: np.ndarray  # int32
    venue: np.ndarray  # int32
    time_in: np.ndarray  # int16 minute of day
    time_out: np.ndarray  # int16 minute of day, > time_in
    scanned: np.ndarray  # bool: the person scanned the place code (a check-in)
    work: np.ndarray | None = None  # bool: the person's school or workplace (None: not known)

    def at_work(self, city: City) -> np.ndarray:
        """Whether each visit is to the person's own school or workplace."""
        return self.work if self.work is not None else self.venue == city.work_venue[self.person]

    def subset(self, keep: np.ndarray) -> Visits:
        return Visits(self.person[keep], self.venue[keep], self.time_in[keep], self.time_out[keep],
                      self.scanned[keep], None if self.work is None else self.work[keep])

    def __len__(self) -> int:
        return int(self.person.shape[0])
