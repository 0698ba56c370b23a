"""Vectorised spatial helpers for the synthetic city: points in rectangles, random
displacements, and "near" matching along a Z-order (Morton) curve.

A Z-order key maps a point to one integer so that points close on the curve are mostly
close on the ground. Sorting by the key then turns "find something near here" into a
binary search, and "give every worker a nearby job slot" into pairing two sorted lists by
rank; both stay plain NumPy over millions of rows (no KD-tree, no per-person loop).
"""

from __future__ import annotations

import numpy as np

# Ground distance of one degree: the same WGS-84 figures fangkong.geo.cells uses.
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320

Box = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1

# Points inside a rectangle stay this far (degrees, ~0.1 m) from its edges, so a point
# never sits on a boundary shared with a neighbour after rounding.
_INSET = 1e-6


def km_per_deg_lon(lat: float | np.ndarray) -> float | np.ndarray:
    return KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat))


def points_in_rects(rects: np.ndarray, which: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A uniform random (lon, lat) inside rectangle ``rects[which[i]]`` for every i."""
    r = rects[which]
    u = rng.random((2, which.shape[0]))
    lon = r[:, 0] + _INSET + u[0] * (r[:, 2] - r[:, 0] - 2 * _INSET)
    lat = r[:, 1] + _INSET + u[1] * (r[:, 3] - r[:, 1] - 2 * _INSET)
    return lon, lat


def displace(lon: np.ndarray, lat: np.ndarray, mean_km: float | np.ndarray, box: Box,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Move each point an exponentially distributed distance in a random direction.

    An exponential distance is a simple gravity-like kernel: most moves are short, a few are
    long. Points are clamped to ``box`` so every target stays inside the city.
    """
    n = lon.shape[0]
    dist = rng.exponential(1.0, n) * mean_km
    angle = rng.random(n) * (2 * np.pi)
    new_lat = np.clip(lat + dist * np.sin(angle) / KM_PER_DEG_LAT, box[1], box[3])
    new_lon = np.clip(lon + dist * np.cos(angle) / km_per_deg_lon(lat), box[0], box[2])
    return new_lon, new_lat


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """Insert a zero bit between the 16 low bits of each value (for bit interleaving)."""
    v = v.astype(np.uint64)
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
    v = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
    return v


def zkey(lon: np.ndarray, lat: np.ndarray, box: Box) -> np.ndarray:
    """The Z-order key (int64) of each point on a 65,536 x 65,536 lattice over ``box``."""
    fx = (np.asarray(lon, dtype=np.float64) - box[0]) / (box[2] - box[0])
    fy = (np.asarray(lat, dtype=np.float64) - box[1]) / (box[3] - box[1])
    x = np.clip(fx * 65535.0, 0, 65535).astype(np.uint64)
    y = np.clip(fy * 65535.0, 0, 65535).astype(np.uint64)
    return (_spread_bits(x) | (_spread_bits(y) << np.uint64(1))).astype(np.int64)


def rank_match(point_key: np.ndarray, slot_key: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pair every point with a distinct slot, both taken in Z-order: point k gets slot k.

    Used to fill fixed capacities (school places, job slots) with nearby people: each
    venue contributes as many slots as it has places, all with the venue's key, so a
    venue's places go to people from one stretch of the curve. Ties break at random.
    Returns the slot index of each point.
    """
    n = point_key.shape[0]
    if slot_key.shape[0] != n:
        raise ValueError(f"{n} points but {slot_key.shape[0]} slots")
    point_order = np.lexsort((rng.random(n), point_key))
    slot_order = np.lexsort((rng.random(n), slot_key))
    slot_of = np.empty(n, dtype=np.int64)
    slot_of[point_order] = slot_order
    return slot_of


def nearest_on_curve(q_lon: np.ndarray, q_lat: np.ndarray, v_lon: np.ndarray, v_lat: np.ndarray,
                     box: Box, window: int = 3) -> np.ndarray:
    """For each query point, the index of the closest of the ``2 * window`` candidate
    points around its position on the Z-order curve (near, not always the nearest).
    """
    v_key = zkey(v_lon, v_lat, box)
    order = np.argsort(v_key, kind="stable")
    sorted_key = v_key[order]
    pos = np.searchsorted(sorted_key, zkey(q_lon, q_lat, box))
    offsets = np.arange(-window, window, dtype=np.int64)
    cand = np.clip(pos[:, None] + offsets[None, :], 0, order.shape[0] - 1)
    cand = order[cand]
    # Squared ground distance with the longitude scaled at the query's latitude.
    scale = np.cos(np.radians(q_lat))[:, None]
    d2 = ((v_lon[cand] - q_lon[:, None]) * scale) ** 2 + (v_lat[cand] - q_lat[:, None]) ** 2
    return cand[np.arange(cand.shape[0]), np.argmin(d2, axis=1)]


def rank_in_runs(new_run: np.ndarray) -> np.ndarray:
    """Position of each row within its run, where ``new_run`` marks the first row of every run."""
    idx = np.arange(new_run.shape[0])
    return idx - np.maximum.accumulate(np.where(new_run, idx, 0))


def run_starts(*sorted_keys: np.ndarray) -> np.ndarray:
    """Mask of the rows (sorted by ``sorted_keys``) where any key differs from the row before."""
    change = np.zeros(sorted_keys[0].shape[0], dtype=bool)
    change[:1] = True
    for k in sorted_keys:
        change[1:] |= k[1:] != k[:-1]
    return change


def group_ids(sorted_keys: tuple[np.ndarray, ...], size: int | np.ndarray) -> np.ndarray:
    """Consecutive group numbers for rows already sorted by ``sorted_keys``: a new group
    starts at every change of any key and after every ``size`` rows within equal keys.
    """
    change = run_starts(*sorted_keys)
    new_group = change | (rank_in_runs(change) % size == 0)
    return (np.cumsum(new_group) - 1).astype(np.int32)
