"""Venues of the synthetic city: where people work, study, eat, shop and travel.

Service venues (restaurants, markets, shops, hospitals, stations, gyms, KTVs) are counted
per resident; schools and workplaces are sized to fit the pupils and workers who will be
assigned to them. Every venue sits at a random point of a grid, chosen in proportion to
the grid's residents, so venues follow the population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fangkong.geo.cells import cell_id
from fangkong.sim.city.geography import Geography
from fangkong.sim.city.model import VENUE_TYPES
from fangkong.sim.city.spatial import points_in_rects

TYPE = {name: np.int8(i) for i, name in enumerate(VENUE_TYPES)}

# Opening hours, minutes after midnight. Typical posted hours of Chinese urban venues
# (modelling assumption, not a survey): the simulation's day ends at 24:00, so KTVs
# (usually 14:00-02:00) close at 1440 here, and hospitals and factories (shifts) never close.
_HOURS: dict[str, tuple[int, int]] = {
    "restaurant": (600, 1320), "market": (360, 1080), "supermarket": (480, 1320), "mall": (600, 1320),
    "office": (480, 1200), "factory": (0, 1440), "school": (420, 1080), "hospital": (0, 1440),
    "transport_hub": (330, 1410), "gym": (360, 1320), "ktv": (840, 1440),
}
OPEN_MIN = np.array([_HOURS[t][0] for t in VENUE_TYPES], dtype=np.int16)
CLOSE_MIN = np.array([_HOURS[t][1] for t in VENUE_TYPES], dtype=np.int16)

# (residents per venue, staff per venue) of the venues that serve the public. Modelling
# assumptions of plausible urban ratios, except where noted:
# - restaurant 1 per 250 residents: China had roughly 9 M catering outlets for 1.4 bn people
#   (~1 per 160, industry estimates 2020); we keep the sit-down share.
# - hospital 1 per 40k: 35,394 hospitals for 1.41 bn people (National Health Commission,
#   statistical bulletin 2020). Staff 300 = 7.57 health workers per 1,000 residents
#   (same bulletin) x 40k residents.
# - market (农贸市场) 1 per 10k, transport hub (metro/bus station) 1 per 40k: Nanjing had
#   ~200 metro stations for 9.3 M people in 2022 (~1 per 45k).
_SERVICE: dict[str, tuple[float, float]] = {
    "restaurant": (250, 8), "market": (10_000, 25), "supermarket": (4_000, 30), "mall": (50_000, 250),
    "hospital": (40_000, 300), "transport_hub": (40_000, 80), "gym": (8_000, 0), "ktv": (15_000, 0),
}
# At most this share of the workers staff the service venues (small cities would otherwise
# have more service jobs than workers; 47.7% of China's employed worked in the tertiary
# sector in 2020, National Bureau of Statistics, and offices are tertiary too).
_MAX_SERVICE_SHARE = 0.3


@dataclass
class VenueDraft:
    """Venues before they are numbered: type, grid, position and places (staff or pupils)."""

    vtype: np.ndarray  # int8
    grid: np.ndarray  # int32
    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    places: np.ndarray  # int64 staff posts or school places

    def __len__(self) -> int:
        return int(self.vtype.shape[0])


def place(geo: Geography, vtype: np.ndarray, places: np.ndarray, weight: np.ndarray,
          rng: np.random.Generator) -> VenueDraft:
    """Put each venue at a random point of a grid drawn with probability ``weight``."""
    grid = rng.choice(weight.shape[0], size=vtype.shape[0], p=weight / weight.sum()).astype(np.int32)
    lon, lat = points_in_rects(geo.grid_rect, grid, rng)
    return VenueDraft(vtype.astype(np.int8), grid, lon, lat, places.astype(np.int64))


def service_venues(geo: Geography, population: int, workers: int, rng: np.random.Generator) -> VenueDraft:
    """Restaurants, markets, shops, hospitals, stations, gyms and KTVs, with their staff posts."""
    names = list(_SERVICE)
    counts = np.array([max(1, round(population / _SERVICE[t][0])) for t in names])
    staff = np.array([_SERVICE[t][1] for t in names], dtype=np.float64)
    total = float((counts * staff).sum())
    if total > _MAX_SERVICE_SHARE * workers:
        staff = staff * (_MAX_SERVICE_SHARE * workers / total)
    vtype = np.repeat([TYPE[t] for t in names], counts)
    posts = np.repeat(staff, counts)
    # Whole posts, keeping the total: round down, then give the remainders out at random.
    places = np.floor(posts).astype(np.int64)
    short = int(round(posts.sum())) - int(places.sum())
    if short > 0:  # only venues that have staff at all (gyms and KTVs have none here)
        staffed = np.flatnonzero(posts > 0)
        places[rng.choice(staffed, size=short, replace=short > staffed.shape[0])] += 1
    return place(geo, vtype, places, geo.grid_people, rng)


def sized(n_people: int, median: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Lognormal venue sizes (at least 1) that add up to exactly ``n_people``."""
    if n_people <= 0:
        return np.zeros(0, dtype=np.int64)
    draw = max(4, int(2 * n_people / median) + 4)
    sizes = np.zeros(0, dtype=np.int64)
    while sizes.sum() < n_people:
        more = np.maximum(1, np.rint(rng.lognormal(np.log(median), sigma, size=draw))).astype(np.int64)
        sizes = np.concatenate([sizes, more])
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n_people)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cum[k - 1] - n_people)
    return sizes


def concat(drafts: list[VenueDraft]) -> VenueDraft:
    return VenueDraft(*(np.concatenate([getattr(d, f) for d in drafts])
                        for f in ("vtype", "grid", "lon", "lat", "places")))


def hours(vtype: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(open, close) minute of each venue, by type."""
    return OPEN_MIN[vtype], CLOSE_MIN[vtype]


def cells(draft: VenueDraft) -> np.ndarray:
    return cell_id(draft.lon, draft.lat)
