"""One day of transmission, layer by layer. Plain array functions; no Python loop over people.

Each layer returns candidate infection events ``Events`` (infector, infectee, minute of day, venue);
the model keeps one event per infectee. A pair transmits with probability ``1 - exp(-rate * x)``
where x is the infector's weight (individual infectiousness) times the infectee's susceptibility,
times the exposure (days for groups, hours of co-presence at venues).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fangkong.sim.city.model import City, Visits
from fangkong.sim.arrays import expand, first_min
from fangkong.sim.occupancy import KEY as _KEY
from fangkong.sim.occupancy import Occupancy

LAYER_NAMES = ("seed", "household", "school", "work", "venue", "community")
SEED, HOUSEHOLD, SCHOOL, WORK, VENUE, COMMUNITY = range(6)


@dataclass
class Events:
    infector: np.ndarray  # int32 (-1: seeded)
    infectee: np.ndarray  # int32
    minute: np.ndarray  # int16 minute of day
    layer: np.ndarray  # int8
    venue: np.ndarray  # int32, -1 when not at a venue

    @classmethod
    def empty(cls) -> Events:
        z = np.zeros(0, np.int32)
        return cls(z, z, z.astype(np.int16), z.astype(np.int8), z)

    @classmethod
    def concat(cls, parts: list[Events]) -> Events:
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("infector", "infectee", "minute", "layer", "venue")))

    def __len__(self) -> int:
        return int(self.infectee.shape[0])


def _draw(rng: np.random.Generator, hazard: np.ndarray) -> np.ndarray:
    return rng.random(hazard.shape[0]) < -np.expm1(-hazard)


def household(rng: np.random.Generator, city: City, *, sources: np.ndarray, weight: np.ndarray,
              target_ok: np.ndarray, sus: np.ndarray, rate: float) -> Events:
    """Every infectious person meets every household member who is at home (not in a facility)."""
    if rate <= 0 or sources.size == 0:
        return Events.empty()
    h = city.household[sources]
    owner, member = expand(city.hh_start[h], city.hh_start[h + 1])
    infector = sources[owner]
    ok = (member != infector) & target_ok[member]
    infector, member = infector[ok], member[ok]
    hit = _draw(rng, rate * weight[infector] * sus[member])
    n = int(hit.sum())
    # Household transmission happens at home: evenings (18:00-23:00).
    minute = rng.integers(18 * 60, 23 * 60, n).astype(np.int16)
    return Events(infector[hit].astype(np.int32), member[hit].astype(np.int32), minute,
                  np.full(n, HOUSEHOLD, np.int8), np.full(n, -1, np.int32))


@dataclass
class Groups:
    """Members of each school class or work team, CSR by group id."""

    start: np.ndarray
    members: np.ndarray

    @classmethod
    def of(cls, city: City) -> Groups:
        g = city.work_group
        order = np.argsort(g, kind="stable")
        order = order[g[order] >= 0]
        n_groups = int(g.max()) + 1 if g.size and g.max() >= 0 else 0
        counts = np.bincount(g[order], minlength=n_groups)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), order.astype(np.int32))


def workplace(rng: np.random.Generator, city: City, groups: Groups, visits: Visits, *, weight: np.ndarray,
              susceptible: np.ndarray, sus: np.ndarray, school_rate: float, work_rate: float,
              at_work: np.ndarray) -> Events:
    """Classmates and team members infect each other while both are at their school or workplace.

    A susceptible member's hazard is the rate times the infectious weight of the group present that
    day (a class or team shares its hours, as Covasim's school and work layers share a day); the
    infector is then drawn among the infectious members present, in proportion to their weight,
    and only one whose visit overlaps the infectee's can be it.
    """
    person = visits.person[at_work]
    w = weight[person]
    src = w > 0
    if not src.any():
        return Events.empty()
    group = city.work_group[person]
    present = np.bincount(group[src], w[src], minlength=groups.start.size - 1)
    tgt = np.flatnonzero(susceptible[person] & (present[group] > 0))
    school = city.work_kind[person[tgt]] == 1
    rate = np.where(school, school_rate, work_rate)
    hit = _draw(rng, rate * present[group[tgt]] * sus[person[tgt]])
    infected = tgt[hit]
    if infected.size == 0:
        return Events.empty()
    n = city.n_persons
    t_in, t_out = np.full(n, -1, np.int32), np.full(n, -1, np.int32)
    t_in[person], t_out[person] = visits.time_in[at_work], visits.time_out[at_work]
    who = person[infected]
    g = group[infected]
    owner, idx = expand(groups.start[g], groups.start[g + 1])
    cand = groups.members[idx]
    lo = np.maximum(t_in[cand], t_in[who[owner]])
    hi = np.minimum(t_out[cand], t_out[who[owner]])
    ok = (weight[cand] > 0) & (t_in[cand] >= 0) & (hi > lo)
    owner, cand, lo, hi = owner[ok], cand[ok], lo[ok], hi[ok]
    pick = first_min(owner, rng.exponential(size=owner.size) / weight[cand])
    owner, cand, lo, hi = owner[pick], cand[pick], lo[pick], hi[pick]
    minute = (lo + rng.random(lo.size) * (hi - lo)).astype(np.int16)
    layer = np.where(city.work_kind[cand] == 1, SCHOOL, WORK).astype(np.int8)
    return Events(cand.astype(np.int32), who[owner].astype(np.int32), minute, layer,
                  city.work_venue[cand].astype(np.int32))


def venues(rng: np.random.Generator, city: City, visits: Visits, *, weight: np.ndarray, susceptible: np.ndarray,
           sus: np.ndarray, rate: float, at_work: np.ndarray) -> Events:
    """Anyone at the same venue at the same time, for the minutes they overlap.

    Staff-to-staff contact is the work layer; every other pair of overlapping visits (customer and
    customer, customer and staff) is a venue contact. A susceptible visit's hazard is the rate times
    the infectious weight-minutes it shares (`Occupancy.exposure`, exact, no pairs built); an
    infected visit's infector and moment of infection are drawn with probability proportional to
    weight x overlap (`Occupancy.draw`), so both were at the venue at that moment.
    """
    if rate <= 0 or len(visits) == 0:
        return Events.empty()
    w_visit = weight[visits.person]
    src = np.flatnonzero(w_visit > 0)
    if src.size == 0:
        return Events.empty()
    has_source = np.zeros(int(visits.venue.max()) + 1, bool)
    has_source[visits.venue[src]] = True
    target = susceptible[visits.person] & has_source[visits.venue]
    parts = []
    for sources, targets in ((src, np.flatnonzero(target & ~at_work)),
                             (src[~at_work[src]], np.flatnonzero(target & at_work))):
        if sources.size == 0 or targets.size == 0:
            continue
        occupancy = Occupancy(visits.venue[sources], visits.time_in[sources], visits.time_out[sources],
                              w_visit[sources].astype(np.float64))
        venue = visits.venue[targets]
        exposure = occupancy.exposure(venue, visits.time_in[targets], visits.time_out[targets])
        hit = _draw(rng, rate / 60.0 * exposure * sus[visits.person[targets]])
        infected = targets[hit]
        if infected.size == 0:
            continue
        chosen, moment = occupancy.draw(rng, venue[hit], visits.time_in[infected], exposure[hit])
        infector = visits.person[sources[chosen]]
        parts.append(Events(infector.astype(np.int32), visits.person[infected].astype(np.int32),
                            np.floor(moment).astype(np.int16), np.full(infected.size, VENUE, np.int8),
                            visits.venue[infected].astype(np.int32)))
    return Events.concat(parts)


_STAY_CLASSES = np.array([30, 60, 120, 240])  # minutes: overlaps() searches each class separately


def overlaps(venue: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, src: np.ndarray,
             tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a in src, b in tgt) of visits at the same venue whose intervals overlap, with the
    overlap [start, stop). Visits must be sorted by (venue, time_in); src and tgt index them in
    ascending order.

    A target overlaps a source when it arrives before the source leaves and leaves after the
    source arrives; looking targets up by arrival alone, the window reaches back by the longest
    stay. Targets are split into classes of stay length so that a few long stays do not widen
    every window.
    """
    if src.size == 0 or tgt.size == 0:
        z = np.zeros(0, np.int64)
        return z, z, z, z
    stay = t_out[tgt].astype(np.int64) - t_in[tgt]
    cls = np.searchsorted(_STAY_CLASSES, stay)
    parts = [_overlaps_within(venue, t_in, t_out, src, tgt[cls == c]) for c in np.unique(cls)]
    return tuple(np.concatenate(x) for x in zip(*parts, strict=True))


def _overlaps_within(venue: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, src: np.ndarray,
                     tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t_venue = venue[tgt].astype(np.int64)
    b_in = t_in[tgt].astype(np.int64)
    key = t_venue * _KEY + b_in
    # The longest stay among the targets of each venue: tgt is in (venue, time_in) order, so each
    # venue's targets are one run.
    runs = np.flatnonzero(np.concatenate([[True], t_venue[1:] != t_venue[:-1]]))
    longest = np.zeros(int(venue.max()) + 1, np.int64)
    longest[t_venue[runs]] = np.maximum.reduceat(t_out[tgt].astype(np.int64) - b_in, runs)
    s_venue = venue[src].astype(np.int64)
    s_in = t_in[src].astype(np.int64)
    lo = np.searchsorted(key, s_venue * _KEY + np.maximum(s_in - longest[s_venue], 0))
    hi = np.searchsorted(key, s_venue * _KEY + t_out[src].astype(np.int64))
    owner, j = expand(lo, hi)
    a, b = src[owner], tgt[j]
    start = np.maximum(t_in[a], t_in[b]).astype(np.int32)
    stop = np.minimum(t_out[a], t_out[b]).astype(np.int32)
    ok = stop > start
    return a[ok], b[ok], start[ok], stop[ok]


@dataclass
class Pools:
    """Persons grouped by home street, for drawing random community contacts."""

    order: np.ndarray
    start: np.ndarray
    street: np.ndarray  # street of each person

    @classmethod
    def of(cls, city: City) -> Pools:
        street = city.street
        order = np.argsort(street, kind="stable").astype(np.int32)
        counts = np.bincount(street, minlength=len(city.street_codes))
        return cls(order, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), street)


def community(rng: np.random.Generator, city: City, pools: Pools, *, sources: np.ndarray, weight: np.ndarray,
              target_ok: np.ndarray, sus: np.ndarray, rate: float, contacts: float, city_share: float) -> Events:
    """Random encounters: each source makes Poisson(contacts * rate * weight) effective contacts,
    with people of the same street or, for `city_share` of them, anyone in the city.

    Effective contacts (rather than contacts that each transmit with some probability) keep the
    expected number of infections linear in the rate, which is what the final-size validation needs.
    """
    if rate <= 0 or contacts <= 0 or sources.size == 0:
        return Events.empty()
    # Thin by relative susceptibility, which may exceed 1 (older ages): draw at the highest.
    top = float(sus.max()) if sus.size else 1.0
    k = rng.poisson(contacts * rate * top * weight[sources])
    infector = np.repeat(sources, k)
    m = infector.shape[0]
    anywhere = rng.random(m) < city_share
    street = pools.street[infector]
    lo, hi = pools.start[street], pools.start[street + 1]
    local = pools.order[lo + (rng.random(m) * (hi - lo)).astype(np.int64)]
    target = np.where(anywhere, rng.integers(0, city.n_persons, m), local)
    ok = (target != infector) & target_ok[target] & (rng.random(m) * top < sus[target])
    infector, target = infector[ok], target[ok]
    n = infector.shape[0]
    minute = rng.integers(8 * 60, 21 * 60, n).astype(np.int16)
    return Events(infector.astype(np.int32), target.astype(np.int32), minute, np.full(n, COMMUNITY, np.int8),
                  np.full(n, -1, np.int32))


def first_per_infectee(rng: np.random.Generator, events: Events) -> Events:
    """Keep one event for each infectee, chosen at random among the day's events."""
    if len(events) == 0:
        return events
    order = rng.permutation(len(events))
    _, first = np.unique(events.infectee[order], return_index=True)
    keep = order[first]
    return Events(events.infector[keep], events.infectee[keep], events.minute[keep], events.layer[keep],
                  events.venue[keep])
