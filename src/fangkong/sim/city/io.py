"""Write a synthetic city to a folder and read it back.

Folder layout (a public contract; other parts of the platform read these files):

- ``persons.parquet``: one row per resident (see :data:`PERSON_COLUMNS`)
- ``households.parquet``: household_id, size, jurisdiction_code, home_cell_id, home_lon, home_lat
- ``venues.parquet``: venue_id, type, place_code, name, cell_id, lon, lat, jurisdiction_code,
  open_min, close_min
- ``favourites.parquet``: person_id, venue_id (each resident's leisure venues)
- ``jurisdictions.geojson``: one Feature per node, properties code, parent_code, level, name,
  name_zh, name_en; Polygon geometry, null above district level
- ``city.json``: seed, population, reference date, counts and sources

:func:`read_city` rebuilds a :class:`City` whose arrays equal the written one's.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fangkong.sim.city.identity import ensure_identity
from fangkong.sim.city.model import KIND_NONE, KIND_SCHOOL, KIND_WORK, NO_VENUE, VENUE_TYPES, City, Jurisdictions
from fangkong.sim.city.sources import SOURCES

FORMAT = 1
WORK_KINDS = ("none", "school", "work")  # indexed by KIND_*
PERSON_COLUMNS = (
    "person_id", "age", "sex", "household_id", "home_cell_id", "jurisdiction_code", "home_lon", "home_lat",
    "name", "resident_id", "phone", "birth_date", "work_kind", "work_venue_id", "work_group", "work_start",
    "work_end", "work_days", "leisure_rate",
)


def _strings(a: np.ndarray) -> pa.Array:
    return pa.array(a, type=pa.string())


def _persons_table(city: City) -> pa.Table:
    extra = ensure_identity(city)
    has_work = city.work_kind != KIND_NONE
    return pa.table({
        "person_id": pa.array(np.arange(city.n_persons, dtype=np.int64)),
        "age": pa.array(city.age),
        "sex": _strings(np.where(city.sex == 1, "M", "F")),
        "household_id": pa.array(city.household.astype(np.int64)),
        "home_cell_id": pa.array(city.home_cell),
        "jurisdiction_code": _strings(city.grid_codes[city.grid]),
        "home_lon": pa.array(city.home_lon),
        "home_lat": pa.array(city.home_lat),
        "name": _strings(extra["name"]),
        "resident_id": _strings(extra["resident_id"]),
        "phone": _strings(extra["phone"]),
        "birth_date": pa.array(extra["birth_date"].astype("datetime64[D]"), type=pa.date32()),
        "work_kind": _strings(np.asarray(WORK_KINDS)[city.work_kind]),
        "work_venue_id": pa.array(city.work_venue.astype(np.int64), mask=city.work_venue == NO_VENUE),
        "work_group": pa.array(city.work_group, mask=city.work_group < 0),
        "work_start": pa.array(city.work_start, mask=~has_work),
        "work_end": pa.array(city.work_end, mask=~has_work),
        "work_days": pa.array(city.work_days),
        "leisure_rate": pa.array(city.leisure_rate),
    })


def _households_table(city: City) -> pa.Table:
    first = city.hh_start[:-1]
    return pa.table({
        "household_id": pa.array(np.arange(city.n_households, dtype=np.int64)),
        "size": pa.array(np.diff(city.hh_start).astype(np.int16)),
        "jurisdiction_code": _strings(city.grid_codes[city.grid[first]]),
        "home_cell_id": pa.array(city.home_cell[first]),
        "home_lon": pa.array(city.home_lon[first]),
        "home_lat": pa.array(city.home_lat[first]),
    })


def _venues_table(city: City) -> pa.Table:
    extra = ensure_identity(city)
    return pa.table({
        "venue_id": pa.array(np.arange(city.n_venues, dtype=np.int64)),
        "type": _strings(np.asarray(VENUE_TYPES)[city.venue_type]),
        "place_code": _strings(extra["place_code"]),
        "name": _strings(extra["venue_name"]),
        "cell_id": pa.array(city.venue_cell),
        "lon": pa.array(city.venue_lon),
        "lat": pa.array(city.venue_lat),
        "jurisdiction_code": _strings(city.grid_codes[city.venue_grid]),
        "open_min": pa.array(city.venue_open),
        "close_min": pa.array(city.venue_close),
    })


def _geojson(j: Jurisdictions) -> dict:
    features = [
        {"type": "Feature", "geometry": geometry,
         "properties": {"code": code, "parent_code": parent, "level": level, "name": name, "name_zh": name,
                        "name_en": name_en}}
        for code, parent, level, name, name_en, geometry in zip(j.code, j.parent_code, j.level, j.name, j.name_en,
                                                                j.boundary)
    ]
    return {"type": "FeatureCollection", "features": features}


def _summary(city: City) -> dict:
    levels = np.asarray(city.jurisdictions.level)
    return {
        "format": FORMAT,
        "generator": "fangkong.sim.city",
        "seed": city.seed,
        "population": city.n_persons,
        "reference_date": city.reference_date.isoformat(),
        "counts": {
            "persons": city.n_persons,
            "households": city.n_households,
            "venues": city.n_venues,
            "venues_by_type": dict(zip(VENUE_TYPES, np.bincount(city.venue_type, minlength=len(VENUE_TYPES)).tolist())),
            **{f"{lvl}s": int((levels == lvl).sum()) for lvl in ("district", "street", "community", "grid")},
            "pupils": int((city.work_kind == KIND_SCHOOL).sum()),
            "workers": int((city.work_kind == KIND_WORK).sum()),
            "favourites": int(city.fav_venue.shape[0]),
        },
        "sources": SOURCES,
    }


def write_city(city: City, out_dir: Path) -> None:
    """Write ``city`` into ``out_dir`` (created if needed; files there are replaced)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(_persons_table(city), out_dir / "persons.parquet")
    pq.write_table(_households_table(city), out_dir / "households.parquet")
    pq.write_table(_venues_table(city), out_dir / "venues.parquet")
    person = np.repeat(np.arange(city.n_persons, dtype=np.int64), np.diff(city.fav_start))
    pq.write_table(pa.table({"person_id": person, "venue_id": city.fav_venue.astype(np.int64)}),
                   out_dir / "favourites.parquet")
    (out_dir / "jurisdictions.geojson").write_text(
        json.dumps(_geojson(city.jurisdictions), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    (out_dir / "city.json").write_text(json.dumps(_summary(city), ensure_ascii=False, indent=2), encoding="utf-8")


def _numpy(table: pa.Table, name: str, null: int | None = None) -> np.ndarray:
    col = table.column(name)
    if null is not None:
        col = col.fill_null(null)
    return col.to_numpy()


def _strings_back(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy().astype(str)


def _index_of(table: pa.Table, name: str, values: np.ndarray | tuple[str, ...]) -> np.ndarray:
    """Position of each value of a string column in ``values`` (int32); unknown values raise."""
    idx = pc.index_in(table.column(name), value_set=pa.array(list(values), type=pa.string()))
    if idx.null_count:
        raise ValueError(f"{name}: {idx.null_count} values not in the expected set")
    return idx.to_numpy().astype(np.int32)


def _read_tree(path: Path) -> tuple[Jurisdictions, dict[str, np.ndarray]]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    props = [f["properties"] for f in features]
    j = Jurisdictions(code=[p["code"] for p in props], parent_code=[p.get("parent_code") for p in props],
                      level=[p["level"] for p in props], name=[p.get("name") or p.get("name_zh") for p in props],
                      name_en=[p.get("name_en", "") for p in props], boundary=[f.get("geometry") for f in features])
    by_level = {lvl: [(c, pc_) for c, pc_, lv in zip(j.code, j.parent_code, j.level) if lv == lvl]
                for lvl in ("street", "community", "grid")}
    streets = {c: i for i, (c, _) in enumerate(by_level["street"])}
    communities = {c: i for i, (c, _) in enumerate(by_level["community"])}
    arrays = {
        "street_codes": np.asarray([c for c, _ in by_level["street"]]),
        "community_codes": np.asarray([c for c, _ in by_level["community"]]),
        "community_street": np.asarray([streets[p] for _, p in by_level["community"]], dtype=np.int32),
        "grid_codes": np.asarray([c for c, _ in by_level["grid"]]),
        "grid_community": np.asarray([communities[p] for _, p in by_level["grid"]], dtype=np.int32),
    }
    return j, arrays


def read_city(city_dir: Path) -> City:
    """The city written by :func:`write_city` into ``city_dir``, identity columns in ``extra``."""
    city_dir = Path(city_dir)
    meta = json.loads((city_dir / "city.json").read_text(encoding="utf-8"))
    jurisdictions, geo = _read_tree(city_dir / "jurisdictions.geojson")
    p = pq.read_table(city_dir / "persons.parquet").sort_by("person_id")
    v = pq.read_table(city_dir / "venues.parquet").sort_by("venue_id")
    fav = pq.read_table(city_dir / "favourites.parquet").sort_by([("person_id", "ascending"),
                                                                  ("venue_id", "ascending")])
    n = p.num_rows
    household = _numpy(p, "household_id").astype(np.int32)
    hh_start = np.zeros(int(household.max()) + 2 if n else 1, dtype=np.int64)
    np.cumsum(np.bincount(household), out=hh_start[1:])
    fav_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(_numpy(fav, "person_id"), minlength=n), out=fav_start[1:])
    extra = {
        "name": _strings_back(p, "name"), "resident_id": _strings_back(p, "resident_id"),
        "phone": _strings_back(p, "phone"),
        "birth_date": p.column("birth_date").cast(pa.int32()).to_numpy().astype("datetime64[D]"),
        "place_code": _strings_back(v, "place_code"), "venue_name": _strings_back(v, "name"),
    }
    return City(
        seed=int(meta["seed"]),
        age=_numpy(p, "age").astype(np.int16),
        sex=pc.equal(p.column("sex"), "M").to_numpy().astype(np.int8),
        household=household, hh_start=hh_start,
        grid=_index_of(p, "jurisdiction_code", geo["grid_codes"]),
        home_cell=_numpy(p, "home_cell_id").astype(np.int64),
        home_lon=_numpy(p, "home_lon"), home_lat=_numpy(p, "home_lat"),
        work_kind=_index_of(p, "work_kind", WORK_KINDS).astype(np.int8),
        work_venue=_numpy(p, "work_venue_id", NO_VENUE).astype(np.int32),
        work_group=_numpy(p, "work_group", -1).astype(np.int32),
        work_start=_numpy(p, "work_start", 0).astype(np.int16),
        work_end=_numpy(p, "work_end", 0).astype(np.int16),
        work_days=_numpy(p, "work_days").astype(np.uint8),
        leisure_rate=_numpy(p, "leisure_rate").astype(np.float32),
        fav_start=fav_start, fav_venue=_numpy(fav, "venue_id").astype(np.int32),
        venue_type=_index_of(v, "type", VENUE_TYPES).astype(np.int8),
        venue_grid=_index_of(v, "jurisdiction_code", geo["grid_codes"]),
        venue_cell=_numpy(v, "cell_id").astype(np.int64),
        venue_lon=_numpy(v, "lon"), venue_lat=_numpy(v, "lat"),
        venue_open=_numpy(v, "open_min").astype(np.int16), venue_close=_numpy(v, "close_min").astype(np.int16),
        jurisdictions=jurisdictions, extra=extra, reference_date=date.fromisoformat(meta["reference_date"]),
        **geo,
    )
