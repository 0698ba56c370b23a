"""Who studies and works where, in which class or team, and when.

Roles come from age (and sex, for the retirement ages); places are filled with a distance
preference by pairing people and places along a Z-order curve (see
:func:`fangkong.sim.city.spatial.rank_match`). Pupils go to a school near home; workers go
to a workplace near a point an exponentially distributed distance away from home, which
gives gravity-like commutes: mostly a few kilometres, sometimes across the city.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fangkong.sim.city.model import KIND_NONE, KIND_SCHOOL, KIND_WORK, VENUE_TYPES
from fangkong.sim.city.spatial import Box, displace, group_ids, rank_match, zkey

# Enrolment. Ages 3-5 kindergarten: gross enrolment 85.2%; ages 6-14 nine-year compulsory
# education: consolidation rate 95.2% (we use 0.99: urban); ages 15-17 senior secondary:
# gross enrolment 91.2%. Ministry of Education, national statistical bulletin on education 2020.
KINDERGARTEN_AGES = (3, 6)
SCHOOL_AGES = (6, 18)
_ENROL = ((3, 6, 0.852), (6, 15, 0.99), (15, 18, 0.912))

# Employment probability by age and sex. Modelling assumptions, calibrated to an
# employment-to-population ratio of about 63% of residents aged 15+ (ILO modelled
# estimate for China, 2020) once 60+ and students are excluded: 18-22-year-olds are mostly
# in education (higher-education gross enrolment 54.4%, MoE 2020); statutory retirement
# is at 60 for men and 50 (workers) or 55 (cadres) for women (国发〔1978〕104号), so few
# women in their fifties still work.
_EMPLOYMENT = (  # (age from, age to, men, women)
    (18, 23, 0.35, 0.35), (23, 50, 0.88, 0.78), (50, 60, 0.72, 0.35),
)

# Class sizes: kindergarten classes 25-35 (幼儿园工作规程, MoE 2016: 小班25, 中班30, 大班35);
# school classes of at most 45 (MoE 2018 plan to end oversized classes), ~40 in practice.
KINDERGARTEN_CLASS = 30
SCHOOL_CLASS = 40
TEAM_SIZE = 15  # workplace team: modelling assumption (teams of 10-20)
# School day Mon-Fri 8:00-16:30 (typical urban primary timetable; assumption).
SCHOOL_START, SCHOOL_END = 480, 990
# Arrival and departure change from day to day by up to this many minutes either way; a
# person's usual hours are kept this far inside the venue's opening hours, and at least
# an hour long, so a day's times never leave them.
DAY_JITTER = 15
_MIN_HOURS = 60
# Mean distance (km) from home to the point near which a worker's job is: modelling
# assumption giving mostly short commutes, capped at a third of the city's width.
COMMUTE_KM = 3.0

WEEKDAYS = 0b0011111  # bit 0 = Monday
SIX_DAYS = 0b0111111
_ALL_DAYS = 0b1111111
_DAY_OFF, _ROTA = -1, -2  # patterns drawn per person: one random day off; two consecutive days off

# Shifts per workplace type: (type, start, end, share, days). Standard hours are 8 h a day,
# 40 h a week (Labour Law of the PRC art. 36; State Council working-hours rules 1995);
# an office day of 9:00-18:00 includes the lunch hour. Shift patterns of factories,
# hospitals, shops and stations are modelling assumptions; every shift ends by 24:00.
_SHIFTS: tuple[tuple[str, int, int, float, int], ...] = (
    ("restaurant", 600, 1290, 1.0, _DAY_OFF),
    ("market", 360, 1080, 1.0, _DAY_OFF),
    ("supermarket", 480, 900, 0.5, _ROTA), ("supermarket", 900, 1320, 0.5, _ROTA),
    ("mall", 600, 960, 0.5, _ROTA), ("mall", 960, 1320, 0.5, _ROTA),
    ("office", 540, 1080, 0.9, WEEKDAYS), ("office", 540, 1080, 0.1, SIX_DAYS),
    ("factory", 480, 1020, 0.6, SIX_DAYS), ("factory", 960, 1440, 0.25, _ROTA), ("factory", 0, 480, 0.15, _ROTA),
    ("hospital", 480, 1050, 0.7, WEEKDAYS), ("hospital", 960, 1440, 0.15, _ROTA), ("hospital", 0, 480, 0.15, _ROTA),
    ("transport_hub", 330, 870, 0.5, _ROTA), ("transport_hub", 870, 1410, 0.5, _ROTA),
)
_SHIFT_TYPE = np.array([VENUE_TYPES.index(s[0]) for s in _SHIFTS])
_SHIFT_START = np.array([s[1] for s in _SHIFTS], dtype=np.int64)
_SHIFT_END = np.array([s[2] for s in _SHIFTS], dtype=np.int64)
_SHIFT_DAYS = np.array([s[4] for s in _SHIFTS], dtype=np.int64)


def _shift_cum() -> np.ndarray:
    """Cumulative shift shares offset by the type index (type t spans (t, t + 1]), so one
    searchsorted of ``type + U(0, 1)`` picks a shift of the right type."""
    out = []
    for t in dict.fromkeys(s[0] for s in _SHIFTS):
        share = np.array([s[3] for s in _SHIFTS if s[0] == t])
        cum = np.cumsum(share) / share.sum()
        cum[-1] = 1.0
        out.append(VENUE_TYPES.index(t) + cum)
    return np.concatenate(out)


_SHIFT_CUM = _shift_cum()


@dataclass
class Roles:
    kind: np.ndarray  # int8 KIND_*
    kindergarten: np.ndarray  # bool: a pupil aged 3-5


def choose_roles(age: np.ndarray, sex: np.ndarray, rng: np.random.Generator) -> Roles:
    """Who goes to kindergarten or school, who works, who does neither."""
    u = rng.random(age.shape[0])
    p_school = np.zeros(age.shape[0])
    for lo, hi, p in _ENROL:
        p_school[(age >= lo) & (age < hi)] = p
    p_work = np.zeros(age.shape[0])
    for lo, hi, men, women in _EMPLOYMENT:
        p_work[(age >= lo) & (age < hi)] = np.where(sex[(age >= lo) & (age < hi)] == 1, men, women)
    kind = np.where(u < p_school, KIND_SCHOOL, np.where(u < p_work, KIND_WORK, KIND_NONE)).astype(np.int8)
    return Roles(kind=kind, kindergarten=(kind == KIND_SCHOOL) & (age < KINDERGARTEN_AGES[1]))


def fill_places(people_key: np.ndarray, venue_ids: np.ndarray, places: np.ndarray, venue_key: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    """The venue of each person: ``places[k]`` people go to ``venue_ids[k]``, nearby people together."""
    slot_venue = np.repeat(venue_ids, places)
    return slot_venue[rank_match(people_key, np.repeat(venue_key, places), rng)]


def commute_targets(lon: np.ndarray, lat: np.ndarray, box: Box, rng: np.random.Generator) -> np.ndarray:
    """Z-order keys of the points near which workers look for a job."""
    width_km = (box[2] - box[0]) * 111.320 * np.cos(np.radians((box[1] + box[3]) / 2))
    t_lon, t_lat = displace(lon, lat, min(COMMUTE_KM, width_km / 3), box, rng)
    return zkey(t_lon, t_lat, box)


def _days(pattern: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Weekday bitmasks: fixed patterns as they are, rota patterns with random days off."""
    d = rng.integers(0, 7, size=pattern.shape[0])
    one_off = _ALL_DAYS & ~(1 << d)
    two_off = one_off & ~(1 << ((d + 1) % 7))
    out = np.where(pattern == _DAY_OFF, one_off, np.where(pattern == _ROTA, two_off, pattern))
    return out.astype(np.uint8)


def work_hours(vtype: np.ndarray, open_min: np.ndarray, close_min: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, weekday mask, shift row) of workers at venues of type ``vtype``.

    Each worker keeps a personal offset of a quarter of an hour or so around the shift's
    hours, clipped to the venue's opening hours.
    """
    shift = np.searchsorted(_SHIFT_CUM, vtype + rng.random(vtype.shape[0]), side="right")
    jitter = np.rint(rng.normal(0.0, 15.0, size=(2, vtype.shape[0]))).astype(np.int64)
    start, end = _inside(_SHIFT_START[shift] + jitter[0], _SHIFT_END[shift] + jitter[1], open_min, close_min)
    return start, end, _days(_SHIFT_DAYS[shift], rng), shift


def _inside(start: np.ndarray, end: np.ndarray, open_min: np.ndarray,
            close_min: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Usual hours clipped DAY_JITTER inside the opening hours, at least _MIN_HOURS long."""
    start = np.clip(start, open_min + DAY_JITTER, close_min - DAY_JITTER - _MIN_HOURS)
    end = np.clip(end, start + _MIN_HOURS, close_min - DAY_JITTER)
    return start.astype(np.int16), end.astype(np.int16)


def school_hours(group: np.ndarray, n_groups: int, open_min: np.ndarray, close_min: np.ndarray,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of pupils: each class has its own timetable offset, pupils a few minutes more."""
    class_offset = rng.normal(0.0, 10.0, size=n_groups)[group]
    pupil = rng.normal(0.0, 5.0, size=(2, group.shape[0]))
    start = np.rint(SCHOOL_START + class_offset + pupil[0]).astype(np.int64)
    end = np.rint(SCHOOL_END + class_offset + pupil[1]).astype(np.int64)
    return _inside(start, end, open_min, close_min)


def classes(venue: np.ndarray, age: np.ndarray, kindergarten: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Class number (0-based, consecutive) of each pupil: same school, same age, ~30-40 a class."""
    order = np.lexsort((rng.random(venue.shape[0]), age, venue))
    size = np.where(kindergarten[order], KINDERGARTEN_CLASS, SCHOOL_CLASS)
    out = np.empty(venue.shape[0], dtype=np.int32)
    out[order] = group_ids((venue[order], age[order]), size)
    return out


def teams(venue: np.ndarray, shift: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Team number (0-based, consecutive) of each worker: same workplace, same shift, ~15 a team."""
    order = np.lexsort((rng.random(venue.shape[0]), shift, venue))
    out = np.empty(venue.shape[0], dtype=np.int32)
    out[order] = group_ids((venue[order], shift[order]), TEAM_SIZE)
    return out
