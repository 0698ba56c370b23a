"""The synthetic city: jurisdictions, residents, households, venues and daily movement.

A plain-NumPy engine (no web or ORM imports): :func:`build_city` makes a deterministic
city from a population size and a seed, :func:`write_city` / :func:`read_city` store it
as Parquet + GeoJSON, :func:`day_visits` and :func:`day_presence` give one day's venue
visits and 800 m cell presence.
"""

from fangkong.sim.city.build import build_city
from fangkong.sim.city.io import read_city, write_city
from fangkong.sim.city.model import City, Jurisdictions, Visits
from fangkong.sim.city.schedule import Presence, day_presence, day_visits

__all__ = ["City", "Jurisdictions", "Presence", "Visits", "build_city", "day_presence", "day_visits", "read_city",
           "write_city"]
