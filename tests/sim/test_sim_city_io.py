"""A city folder: written, read back identical, importable as a jurisdiction tree, made by the CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fangkong.authz import SYSTEM
from fangkong.cli import app
from fangkong.geo import service as geo
from fangkong.geo.models import Jurisdiction
from fangkong.sim.city import City, build_city, read_city, write_city
from fangkong.sim.city.io import PERSON_COLUMNS

FILES = ("persons.parquet", "households.parquet", "venues.parquet", "favourites.parquet",
         "jurisdictions.geojson", "city.json")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[City, object]:
    city = build_city(population=5_000, seed=3)
    folder = tmp_path_factory.mktemp("city")
    write_city(city, folder)
    return city, folder


def assert_same_city(a: City, b: City) -> None:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), f.name
        elif f.name != "extra":
            assert x == y, f.name


def test_round_trip(written):
    city, folder = written
    back = read_city(folder)
    assert_same_city(city, back)
    for k, col in city.extra.items():
        assert np.array_equal(col, back.extra[k]), k


def test_folder_layout(written):
    city, folder = written
    assert all((folder / f).exists() for f in FILES)
    persons = pq.read_table(folder / "persons.parquet")
    assert tuple(persons.column_names) == PERSON_COLUMNS and persons.num_rows == city.n_persons
    assert set(persons.column("sex").to_pylist()) == {"M", "F"}
    assert persons.column("work_venue_id").null_count == int((city.work_venue < 0).sum())
    venues = pq.read_table(folder / "venues.parquet")
    assert venues.column_names[:4] == ["venue_id", "type", "place_code", "name"]
    meta = json.loads((folder / "city.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 3 and meta["counts"]["persons"] == 5_000 and "household_size" in meta["sources"]


def test_geojson_imports_through_the_jurisdiction_importer(written, session):
    city, folder = written
    path = folder / "jurisdictions.geojson"
    report = geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(path), source=path.name)
    assert report.created + report.updated + report.unchanged == len(city.jurisdictions.code)
    grid = session.get(Jurisdiction, str(city.grid_codes[0]))
    assert grid.level == "grid" and json.loads(grid.geometry)["type"] == "Polygon"


def test_cli_writes_the_folder(tmp_path):
    out = tmp_path / "c"
    result = CliRunner().invoke(app, ["sim", "city", "--population", "3000", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert all((out / f).exists() for f in FILES)
    assert_same_city(build_city(population=3000, seed=7), read_city(out))
    bad = CliRunner().invoke(app, ["sim", "city", "--population", "3000", "--out", str(out),
                                   "--reference-date", "yesterday"])
    assert bad.exit_code != 0
