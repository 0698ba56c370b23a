"""The exposure search against the simulator's ground truth, on a small city with every visit scanned.

Index persons are the run's reported cases with the ed9 look-back window (from the profile: days
before onset, or before sampling without symptoms, up to the report). Every venue infection an
index case caused inside its window must be among that case's exposures (recall ≥ 99%), and every
reported exposure must be a real co-presence in ``visits/`` (both persons at the venue over the
whole overlap). benchmarks/tracing_recall.py runs the same check on the issue's 200,000 persons.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fangkong.protocols.diff import plain
from fangkong.protocols.loader import get_profile
from fangkong.sim import build_city, run_sim
from fangkong.sim.scenario import load_scenario
from fangkong.tracing.engine import find_exposures, ingest_files

POPULATION, DAYS, SEED, SEED_INFECTIONS = 20_000, 30, 3, 150


@pytest.fixture(scope="module")
def traced(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("sim_recall")
    config, interventions = load_scenario("baseline")  # symptomatic testing only: the outbreak grows
    config = config.model_copy(update={"scan_compliance": 1.0, "seed_infections": SEED_INFECTIONS, "presence": False})
    run_sim(city=build_city(population=POPULATION, seed=SEED), days=DAYS, seed=SEED, config=config,
            interventions=interventions, out=root / "run")
    report = ingest_files(data_dir=root / "data", kind="checkins", files=[root / "run" / "checkins"],
                          timezone="Asia/Shanghai")
    assert report.ok and report.stored > 0
    lookback = int(plain(get_profile("ed9"), "contacts.close_contact.lookback_days"))
    windows = {}
    for case in pq.read_table(root / "run" / "observed" / "cases.parquet").to_pylist():
        anchor = case["onset_date"] or case["sampled_on"]
        start = datetime.combine(anchor, time()) - timedelta(days=lookback)
        windows.setdefault(case["person_id"], (start, case["reported_at"]))
    index = pa.table({"person_id": pa.array(list(windows), pa.int64()),
                      "window_start": pa.array([w[0] for w in windows.values()], pa.timestamp("us")),
                      "window_end": pa.array([w[1] for w in windows.values()], pa.timestamp("us"))})
    exposures = find_exposures(data_dir=root / "data", index=index)
    return {"run": root / "run", "windows": windows, "exposures": exposures, "lookback": lookback}


def test_finds_the_venue_infectees_of_each_case_within_its_window(traced):
    windows = traced["windows"]
    infections = pq.read_table(traced["run"] / "infections.parquet").to_pylist()
    targets = [(f["infector_id"], f["infectee_id"], f["venue_id"], f["infected_at"]) for f in infections
               if str(f["layer"]) == "venue" and f["infector_id"] in windows
               and windows[f["infector_id"]][0] <= f["infected_at"] <= windows[f["infector_id"]][1]]
    assert traced["lookback"] == 4 and len(targets) >= 20, "the outbreak must give enough venue infections to score"
    found = {(e["index_person_id"], e["person_id"], e["place_id"]): e for e in traced["exposures"].to_pylist()}
    missed = [t for t in targets if t[:3] not in found]
    recall = 1 - len(missed) / len(targets)
    assert recall >= 0.99, f"recall {recall:.3f}; missed (infector, infectee, venue, infected_at): {missed[:10]}"
    assert all(e["index_person_id"] in windows and e["person_id"] != e["index_person_id"]
               for e in found.values())


def test_every_exposure_is_a_real_co_presence_in_the_visits(traced):
    exposures = traced["exposures"]
    assert exposures.num_rows > 0 and set(exposures["kind"].to_pylist()) == {"venue"}
    con = duckdb.connect()
    con.register("e", exposures)
    visits = str(Path(traced["run"]) / "visits" / "*.parquet")
    con.execute(f"CREATE TABLE v AS SELECT person_id, venue_id, CAST(time_in AS TIMESTAMP) AS t0, "
                f"CAST(time_out AS TIMESTAMP) AS t1 FROM read_parquet('{visits}')")
    at = ("EXISTS (SELECT 1 FROM v WHERE v.person_id = e.{who} AND v.venue_id = e.place_id "
          "AND v.t0 <= e.overlap_start AND v.t1 >= e.overlap_end)")
    unreal = con.execute(f"SELECT count(*) FROM e WHERE NOT ({at.format(who='index_person_id')} "
                         f"AND {at.format(who='person_id')}) OR overlap_end <= overlap_start").fetchone()[0]
    assert unreal == 0
    # The overlap is reported in minutes, from the intersection.
    wrong = con.execute("SELECT count(*) FROM e WHERE abs(overlap_minutes - "
                        "date_diff('second', overlap_start, overlap_end) / 60.0) > 1e-9").fetchone()[0]
    assert wrong == 0
