"""One day of movement in the synthetic city: venue visits and 800 m cell presence.

:func:`day_visits` turns the city's standing timetables (school, work, favourite places,
leisure rates) into the visits of one day; :func:`day_presence` turns a day's visits into
where everyone was, cell by cell, from midnight to midnight. Both are plain NumPy over
all residents at once (a 1 M city takes a few tens of milliseconds per day).

Sorting is done on packed int64 keys with ``np.sort`` (vectorised in NumPy 2), which is
several times faster than ``argsort`` at a million rows: the row number rides in the low
bits of the key and is read back after the sort.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from fangkong.sim.city.model import VENUE_TYPES, City, Visits
from fangkong.sim.city.work import DAY_JITTER

# Median stay in minutes by venue type (lognormal, sigma 0.5). Modelling assumptions of
# typical stays: a meal ~1 h, a market or station ~30 min, a mall afternoon ~2 h, a KTV
# session 2-3 h, an outpatient visit ~1.5 h.
_STAY_MEDIAN = {
    "restaurant": 60, "market": 30, "supermarket": 25, "mall": 120, "office": 60, "factory": 60, "school": 60,
    "hospital": 90, "transport_hub": 30, "gym": 80, "ktv": 150,
}
_STAY_SIGMA = 0.5
MIN_STAY, MAX_STAY = 10, 360
# Leisure happens between 6:30 and 23:00; workers keep 15 minutes clear either side of work
# (modelling assumptions).
DAY_START, DAY_END = 390, 1380
_GAP = 15
MAX_LEISURE = 3  # leisure visits a day are Poisson(rate), capped here
# People go out more on rest days: leisure rates are this much higher on Saturday and
# Sunday (modelling assumption; China's 2018 time-use survey, National Bureau of
# Statistics, reports more free time on rest days than on working days).
WEEKEND_LEISURE = 1.4
_BITS = 11  # a minute of the day (0..1440) fits in 11 bits: packed keys and pairs use this
_PACK = 1 << _BITS
_RECIPROCAL = np.array([0.0] + [1.0 / k for k in range(1, MAX_LEISURE + 1)], dtype=np.float32)


def _stay_table(quantiles: int = 256) -> np.ndarray:
    """Stays by (type, quantile): a lookup of the lognormal is cheaper than drawing it."""
    z = np.array([NormalDist().inv_cdf((q + 0.5) / quantiles) for q in range(quantiles)])
    median = np.array([_STAY_MEDIAN[t] for t in VENUE_TYPES], dtype=np.float64)
    stay = np.rint(median[:, None] * np.exp(_STAY_SIGMA * z)[None, :])
    return np.clip(stay, MIN_STAY, MAX_STAY).astype(np.int32)


_STAYS = _stay_table()


class Presence(NamedTuple):
    """Where people were: one row per stay in an 800 m cell, ``[start_min, end_min)``."""

    person: np.ndarray  # int32
    cell: np.ndarray  # int64
    start_min: np.ndarray  # int16
    end_min: np.ndarray  # int16


def _work_visits(city: City, weekday: int, rng: np.random.Generator, active: np.ndarray | None,
                 venue_open: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """(person, venue, time_in, time_out) of today's school and work attendance, by person.

    The city keeps work hours DAY_JITTER minutes inside opening hours, so the day's jitter
    needs no clipping. Persons without school or work have no weekdays set.
    """
    goes = (city.work_days & np.uint8(1 << weekday)) != 0
    if active is not None:
        goes &= active
    w = np.flatnonzero(goes).astype(np.int32)
    v = city.work_venue[w]
    if venue_open is not None:
        keep = venue_open[v]
        w, v = w[keep], v[keep]
    jitter = rng.integers(-DAY_JITTER, DAY_JITTER + 1, size=(2, w.shape[0]), dtype=np.int16)
    return w, v, city.work_start[w] + jitter[0], city.work_end[w] + jitter[1]


def _leisure_counts(city: City, weekday: int, rng: np.random.Generator, active: np.ndarray | None) -> np.ndarray:
    """Leisure visits today per person: Poisson(rate) capped at 3, by inverting the CDF."""
    rate = city.leisure_rate * np.float32(WEEKEND_LEISURE) if weekday >= 5 else city.leisure_rate
    u = rng.random(rate.shape[0], dtype=np.float32)
    p0 = np.exp(-rate)
    p1 = p0 * rate
    c1 = p0 + p1
    c2 = c1 + p1 * rate * np.float32(0.5)
    k = (u >= p0).astype(np.int8) + (u >= c1) + (u >= c2)
    if active is not None:
        k[~active] = 0
    k[city.fav_start[1:] == city.fav_start[:-1]] = 0  # nobody to visit
    return k


def _slots(p: np.ndarray, j: np.ndarray, k: np.ndarray, work: tuple[np.ndarray, ...],
           n: int) -> tuple[np.ndarray, np.ndarray]:
    """The [lo, hi) window of the j-th of a person's k leisure visits.

    A person's free time (before and after today's work, or the whole leisure day) is laid
    end to end and cut into k equal slots, visit j taking slot j: visits can then never
    overlap each other or work, with no second pass to find clashes.
    """
    free = (DAY_END + _GAP) * _PACK + DAY_END + _GAP  # "work" after the leisure day: all of it is free
    busy = np.full(n, free, dtype=np.int32)
    busy[work[0]] = work[2].astype(np.int32) * _PACK + work[3]
    b = busy[p]
    before_end = np.minimum((b >> _BITS) - _GAP, DAY_END)
    after_start = np.maximum((b & (_PACK - 1)) + _GAP, DAY_START)
    before = np.maximum(before_end - DAY_START, 0)
    total = before + np.maximum(DAY_END - after_start, 0)
    slot = total * _RECIPROCAL[k]  # float division by 1, 2 or 3: integer division is slow
    a = (j * slot).astype(np.int32)
    e = ((j + 1) * slot).astype(np.int32)
    first_part = a < before  # a slot starting before work ends when work starts
    lo = np.where(first_part, DAY_START + a, after_start + a - before)
    hi = np.where(first_part, np.minimum(DAY_START + e, before_end), after_start + e - before)
    return lo, hi


def _leisure_visits(city: City, rng: np.random.Generator, k: np.ndarray, work: tuple[np.ndarray, ...],
                    venue_open: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """(person, venue, time_in, time_out, keep) of today's leisure visits; ``keep`` marks the
    ones that fit inside opening hours and the person's free time (the others are garbage)."""
    rows = [np.flatnonzero(k > j) for j in range(MAX_LEISURE)]
    p = np.concatenate(rows).astype(np.int32)
    j = np.repeat(np.arange(MAX_LEISURE, dtype=np.int32), [r.shape[0] for r in rows])
    first = city.fav_start[p]
    count = city.fav_start[p + 1] - first
    m = p.shape[0]
    v = city.fav_venue[first + (rng.random(m, dtype=np.float32) * count).astype(np.int64)]
    q = rng.integers(0, _STAYS.shape[1], size=m, dtype=np.int32)
    stay = _STAYS.ravel()[city.venue_type[v].astype(np.int32) * _STAYS.shape[1] + q]
    lo, hi = _slots(p, j, k[p].astype(np.int32), work, k.shape[0])
    lo = np.maximum(lo, city.venue_open[v])
    hi = np.minimum(hi, city.venue_close[v])
    stay = np.minimum(stay, hi - lo)  # a short window shortens the stay
    t_in = lo + (rng.random(m, dtype=np.float32) * (hi - lo - stay + 1)).astype(np.int32)
    keep = stay >= MIN_STAY
    if venue_open is not None:
        keep &= venue_open[v]
    # Rows that do not fit are dropped later, with one mask on the sort keys.
    return p, v, t_in.astype(np.int16), (t_in + stay).astype(np.int16), keep


def day_visits(city: City, *, day: int, weekday: int, rng: np.random.Generator, active: np.ndarray | None = None,
               venue_open: np.ndarray | None = None, scan_compliance: float = 1.0) -> Visits:
    """The venue visits of one day, sorted by (venue, time_in).

    ``weekday`` is 0 for Monday. ``active`` masks the persons who may leave home (False:
    quarantined, isolated, locked down: no visits); ``venue_open`` masks the open venues
    (closed venues get no visits). Pupils and workers attend on their weekdays, up to a
    quarter of an hour early or late; leisure visits (Poisson of the person's rate, at most
    3) go to favourite venues inside opening hours, before or after work, and never overlap
    another visit of the same person. ``scanned`` marks the visits whose place code was
    scanned, each with probability ``scan_compliance``. ``day`` is the simulation day; the
    draws depend on ``rng``'s state only, so the same state gives the same visits.
    """
    del day  # part of the contract, not of the draws
    work = _work_visits(city, weekday, rng, active, venue_open)
    k = _leisure_counts(city, weekday, rng, active)
    *leisure, keep = _leisure_visits(city, rng, k, work, venue_open)
    n_work, n_all = work[0].shape[0], work[0].shape[0] + leisure[0].shape[0]
    # Sort on packed int64 keys (venue, time_in, row): venue and time_in are read back from
    # the key, the row finds the rest; ties keep row order (work first, then leisure).
    bits = max(1, n_all.bit_length())
    key = np.concatenate([
        (work[1].astype(np.int64) << (_BITS + bits)) | (work[2].astype(np.int64) << bits) | np.arange(n_work),
        ((leisure[1].astype(np.int64) << (_BITS + bits)) | (leisure[2].astype(np.int64) << bits)
         | np.arange(n_work, n_all))[keep],
    ])
    key.sort()
    row = key & ((1 << bits) - 1)
    venue = (key >> (_BITS + bits)).astype(np.int32)
    time_in = ((key >> bits) & (_PACK - 1)).astype(np.int16)
    person = np.concatenate([work[0], leisure[0]])[row]
    t_out = np.concatenate([work[3], leisure[3]])[row]
    m = key.shape[0]
    if scan_compliance >= 1.0:
        scanned = np.ones(m, dtype=bool)
    else:
        scanned = rng.random(m, dtype=np.float32) < scan_compliance
    return Visits(person=person, venue=venue, time_in=time_in, time_out=t_out, scanned=scanned, work=row < n_work)


def _changes(p: np.ndarray, c: np.ndarray, a: np.ndarray, b: np.ndarray,
             home: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The moments a person changes cell, from visits sorted by (person, time_in).

    Each visit can start a stay when it begins (coming from home into another cell) and
    when it ends (going home, or straight on into the next visit's different cell).
    Returns (person, minute, new cell) of the changes in (person, minute) order, and a mask
    of the visits that begin a person's day at minute 0.
    """
    m = p.shape[0]
    same_prev = np.zeros(m, dtype=bool)
    same_prev[1:] = p[1:] == p[:-1]
    same_next = np.zeros(m, dtype=bool)
    same_next[:-1] = same_prev[1:]
    prev_end = np.zeros(m, dtype=b.dtype)  # 0: a person's first visit has midnight before it
    prev_end[1:] = b[:-1]
    prev_end[~same_prev] = 0
    next_start = np.full(m, 1440, dtype=a.dtype)
    next_start[:-1] = a[1:]
    next_start[~same_next] = 1440
    next_cell = np.empty_like(c)
    next_cell[:-1] = c[1:]
    gap_after = b < next_start
    enter = (a > prev_end) & (c != home)
    leave = np.where(gap_after, c != home, same_next & (c != next_cell))
    mask = np.stack([enter, leave], axis=1).ravel()
    minute = np.stack([a, b], axis=1).ravel()[mask]
    cell = np.stack([c, np.where(gap_after, home, next_cell)], axis=1).ravel()[mask]
    return np.repeat(p, 2)[mask], minute, cell, ~same_prev & (a == 0)


def day_presence(city: City, visits: Visits, *, active: np.ndarray | None = None) -> Presence:
    """Where everyone was today, as 800 m cell stays covering ``[0, 1440)`` for every person.

    At home (the home cell) outside visits, in the venue's cell during them; consecutive
    stays in the same cell are one stay. Visits of persons outside ``active`` are ignored,
    so quarantined people are at home all day. Visits must not overlap per person (as
    :func:`day_visits` guarantees). Rows: first every person's stay from midnight (row
    ``q`` is person ``q``'s), then the later stays, sorted by (person, start_min).
    """
    n = city.n_persons
    p, v, t_in, t_out = visits.person, visits.venue, visits.time_in, visits.time_out
    if active is not None:
        keep = active[p]
        p, v, t_in, t_out = p[keep], v[keep], t_in[keep], t_out[keep]
    m = p.shape[0]
    bits = max(1, m.bit_length())
    row = np.sort((p.astype(np.int64) << (_BITS + bits)) | (t_in.astype(np.int64) << bits) | np.arange(m))
    row &= (1 << bits) - 1
    p = p[row]
    c = city.venue_cell[v[row]]
    cp, minute, cell, at_zero = _changes(p, c, t_in[row], t_out[row], city.home_cell[p])
    # Stays from midnight: at home unless the day starts in a venue; they end at the
    # person's first change of cell, if any.
    first_cell = city.home_cell.copy()
    first_cell[p[at_zero]] = c[at_zero]
    first_end = np.full(n, 1440, dtype=np.int16)
    is_first = np.ones(cp.shape[0], dtype=bool)
    is_first[1:] = cp[1:] != cp[:-1]
    first_end[cp[is_first]] = minute[is_first]
    # Every later stay ends at the person's next change, or at midnight.
    later_end = np.full(cp.shape[0], 1440, dtype=np.int16)
    later_end[:-1] = np.where(is_first[1:], 1440, minute[1:])
    return Presence(person=np.concatenate([np.arange(n, dtype=np.int32), cp]),
                    cell=np.concatenate([first_cell, cell]),
                    start_min=np.concatenate([np.zeros(n, dtype=np.int16), minute]),
                    end_min=np.concatenate([first_end, later_end]))
