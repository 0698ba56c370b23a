"""Small vectorised helpers over index ranges and groups, shared by the model's layers."""

from __future__ import annotations

import numpy as np


def expand(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [starts[i], stops[i]): (i repeated per element, the element indices)."""
    counts = np.maximum(stops - starts, 0)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(starts)), counts)
    if total == 0:
        return owner, np.zeros(0, np.int64)
    offsets = np.cumsum(counts) - counts
    return owner, starts[owner] + (np.arange(total) - offsets[owner])


def first_min(owner: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Index of the smallest score in each run of equal, ascending `owner` values (one per owner).

    With score = Exp(1) / weight this draws one element per owner with probability
    proportional to its weight (the first of competing exponential clocks to ring)."""
    if owner.size == 0:
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]]))
    run = np.cumsum(np.concatenate([[0], (owner[1:] != owner[:-1]).astype(np.int64)]))
    best = np.minimum.reduceat(score, starts)
    winner = np.flatnonzero(score == best[run])
    return winner[np.concatenate([[True], run[winner][1:] != run[winner][:-1]])]
