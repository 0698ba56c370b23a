"""Infectious occupancy of venues over the day, for exposure integrals and infector draws.

Source visits (infectious people's visits) make each venue's infectious weight W(t) a step
function of the minute of day. `Occupancy` answers, for any target visit at a venue:

* its exposure, the integral of W over the target's stay (= sum of weight x overlap minutes
  over all sources, without building a single pair);
* a moment t* drawn with density W(t) on that stay, and a source present at t* drawn in
  proportion to its weight, which together pick a source with probability proportional to
  weight x overlap: the infector of an infected target, and t* the moment of infection.

Everything is looked up by packed (venue, minute) keys in arrays sorted once per day.
"""

from __future__ import annotations

import numpy as np

from fangkong.sim.arrays import expand, first_min

KEY = 2048  # > minutes in a day: venue * KEY + minute orders by venue, then time
_ROUNDS = 30  # rejection rounds before the remaining draws enumerate their candidates


class Occupancy:
    def __init__(self, venue: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, weight: np.ndarray):
        """`venue`, `t_in`, `t_out`, `weight`: the source visits, in (venue, t_in) order."""
        base = venue.astype(np.int64) * KEY
        self.src_key = base + t_in
        self.src_out = t_out.astype(np.int64)
        self.src_w = np.concatenate([[0.0], np.cumsum(weight, dtype=np.float64)])
        longest = np.zeros(int(venue.max()) + 1 if venue.size else 1, np.int64)
        if venue.size:
            runs = np.flatnonzero(np.concatenate([[True], venue[1:] != venue[:-1]]))
            longest[venue[runs]] = np.maximum.reduceat(t_out.astype(np.int64) - t_in, runs)
        self.longest = longest
        # Arrivals add +w and departures -w at their keys; after sorting, the running sum is W.
        key = np.concatenate([base + t_in, base + t_out])
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.minute = (self.key % KEY).astype(np.float64)
        w_after = np.cumsum(np.concatenate([weight, -weight])[order], dtype=np.float64)
        same = np.concatenate([self.key[1:] // KEY == self.key[:-1] // KEY, [False]])
        # W is 0 after a venue's last departure; clear rounding left in the running sum.
        self.w_after = np.where(same, np.maximum(w_after, 0.0), 0.0)
        step = self.w_after[:-1] * np.diff(self.minute)
        self.g = np.concatenate([[0.0], np.cumsum(step)])  # integral of W up to each event

    def integral(self, venue: np.ndarray, minute: np.ndarray) -> np.ndarray:
        """Integral of W from the venue's first event up to `minute` (plus a constant per venue)."""
        if self.key.size == 0:
            return np.zeros(venue.shape[0])
        q = venue.astype(np.int64) * KEY + minute
        k = np.searchsorted(self.key, q, side="right") - 1
        inside = k >= 0
        k = np.maximum(k, 0)
        here = inside & (self.key[k] // KEY == venue)
        return np.where(inside, self.g[k] + np.where(here, self.w_after[k] * (minute - self.minute[k]), 0.0), 0.0)

    def exposure(self, venue: np.ndarray, t_in: np.ndarray, t_out: np.ndarray) -> np.ndarray:
        """Sum over sources of weight x overlap minutes, for each target stay."""
        return np.maximum(self.integral(venue, t_out) - self.integral(venue, t_in), 0.0)

    def draw(self, rng: np.random.Generator, venue: np.ndarray, t_in: np.ndarray,
             exposure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For targets with positive exposure: (index of the chosen source, moment t*)."""
        start = self.integral(venue, t_in)
        level = start + rng.random(venue.shape[0]) * exposure
        k = np.searchsorted(self.g, level, side="right") - 1
        moment = self.minute[k] + (level - self.g[k]) / self.w_after[k]
        # Rounding must not carry the moment onto the next event (a departure, say).
        moment = np.clip(moment, self.minute[k], self.minute[np.minimum(k + 1, self.minute.size - 1)] - 1e-6)
        return self._present(rng, venue.astype(np.int64), moment), moment

    def _present(self, rng: np.random.Generator, venue: np.ndarray, moment: np.ndarray) -> np.ndarray:
        """A source present at (venue, moment) for each query, drawn in proportion to weight:
        a weighted draw among those who arrived within the venue's longest stay before the
        moment, repeated for the draws that had already left."""
        lo = np.searchsorted(self.src_key, venue * KEY + np.maximum(np.ceil(moment) - self.longest[venue], 0))
        hi = np.searchsorted(self.src_key, venue * KEY + np.floor(moment), side="right")
        chosen = np.full(venue.shape[0], -1, np.int64)
        todo = np.arange(venue.shape[0])
        for _ in range(_ROUNDS):
            if todo.size == 0:
                return chosen
            a, b = self.src_w[lo[todo]], self.src_w[hi[todo]]
            j = np.searchsorted(self.src_w, a + rng.random(todo.size) * (b - a), side="right") - 1
            j = np.clip(j, lo[todo], hi[todo] - 1)
            ok = self.src_out[j] > moment[todo]
            chosen[todo[ok]] = j[ok]
            todo = todo[~ok]
        # Rare: the weight present is a sliver of the weight that arrived; weigh the present ones.
        owner, j = expand(lo[todo], hi[todo])
        present = self.src_out[j] > moment[todo][owner]
        owner, j = owner[present], j[present]
        pick = first_min(owner, rng.exponential(size=j.size) / (self.src_w[j + 1] - self.src_w[j]))
        chosen[todo[owner[pick]]] = j[pick]
        return chosen
