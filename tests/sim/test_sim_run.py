"""The run folder: files, their agreement with each other and with the run, determinism."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from fangkong.sim import RunConfig, build_city, run_sim
from fangkong.sim.model import Sim
from fangkong.sim.scenario import load_scenario


@pytest.fixture(scope="module")
def city():
    return build_city(population=20_000, seed=11)


@pytest.fixture(scope="module")
def run(city, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    config, interventions = load_scenario("ed9_response")
    config = config.model_copy(update={"seed_infections": 60})
    return run_sim(city=city, days=30, seed=5, config=config, interventions=interventions, out=out, plots=True)


def sql(query: str):
    return duckdb.connect().execute(query).fetchall()


def test_run_folder_has_the_documented_files(run):
    out = run.out
    for name in ("infections.parquet", "daily.csv", "run.json", "observed/cases.parquet", "observed/tests.parquet",
                 "plots/compartments.png", "plots/incidence.png", "plots/layers.png"):
        assert (out / name).is_file(), name
    days = sorted(p.stem for p in (out / "checkins").glob("*.parquet"))
    assert len(days) == 30 and days[0] == "2022-03-01"
    assert sorted(p.stem for p in (out / "visits").glob("*.parquet")) == days
    assert sorted(p.stem for p in (out / "presence").glob("*.parquet")) == days
    assert pq.read_schema(out / "checkins" / "2022-03-01.parquet").names == ["person_id", "venue_id", "time_in",
                                                                             "time_out"]
    assert pq.read_schema(out / "presence" / "2022-03-01.parquet").names == ["person_id", "cell_id", "time_start",
                                                                             "time_end"]
    names = pq.read_schema(out / "infections.parquet").names
    assert names[:6] == ["infectee_id", "infector_id", "infected_at", "layer", "venue_id", "onset_at"]


def test_checkins_are_the_scanned_subset_of_visits(run):
    out = run.out
    [(missing,)] = sql(f"""select count(*) from '{out}/checkins/*.parquet' c anti join '{out}/visits/*.parquet' v
                           using (person_id, venue_id, time_in, time_out)""")
    assert missing == 0
    [(n_checkins,)] = sql(f"select count(*) from '{out}/checkins/*.parquet'")
    [(n_visits,)] = sql(f"select count(*) from '{out}/visits/*.parquet'")
    assert 0.85 < n_checkins / n_visits < 0.95  # default scan compliance 0.9
    assert n_visits == run.summary["visits"]


def test_every_venue_infection_happens_while_both_are_at_the_venue(run):
    out = run.out
    (venue_infections,) = sql(f"select count(*) from '{out}/infections.parquet' where layer in ('venue', 'work', 'school')")[0]
    assert venue_infections > 0
    (bad,) = sql(f"""
        select count(*) from '{out}/infections.parquet' i
        where i.layer in ('venue', 'work', 'school') and (
          not exists (select 1 from '{out}/visits/*.parquet' v where v.person_id = i.infector_id
                      and v.venue_id = i.venue_id and v.time_in <= i.infected_at and i.infected_at < v.time_out)
          or not exists (select 1 from '{out}/visits/*.parquet' v where v.person_id = i.infectee_id
                      and v.venue_id = i.venue_id and v.time_in <= i.infected_at and i.infected_at < v.time_out))
    """)[0]
    assert bad == 0


def test_isolated_and_quarantined_people_make_no_visits(run, city):
    out = run.out
    [(bad,)] = sql(f"""select count(*) from '{out}/visits/*.parquet' v join '{out}/infections.parquet' i
                       on v.person_id = i.infectee_id where cast(v.time_in as date) >= i.diagnosed_on""")
    assert bad == 0
    config, interventions = load_scenario("ed9_response")
    sim = Sim(city, days=25, seed=5, config=config.model_copy(update={"seed_infections": 30}),
              interventions=interventions)
    kept_home = []

    def check(s, today):
        home = np.flatnonzero((s.people.quarantine != 0) | s.people.isolated | s.people.locked)
        kept_home.append(home.size)
        assert not np.isin(home, today.visits.person).any(), today.day

    sim.on_day.append(check)
    sim.run()
    assert max(kept_home) > 0


def test_presence_covers_every_day_of_every_person(run, city):
    out = run.out
    rows = sql(f"""select person_id, sum(epoch(time_end) - epoch(time_start)) / 60 as minutes
                   from '{out}/presence/2022-03-02.parquet' group by person_id""")
    assert len(rows) == city.n_persons
    assert {m for _, m in rows} == {1440}


def test_observed_cases_are_true_infections_reported_after_onset(run):
    cases = run.cases.to_pandas()
    infections = run.infections.to_pandas().set_index("infectee_id")
    assert len(cases) == run.summary["diagnosed"] > 0
    assert cases["person_id"].isin(infections.index).all()
    onset = cases.dropna(subset=["onset_date"])
    assert (onset["onset_date"] <= onset["reported_at"].dt.date).all()
    assert set(cases["found_by"]) <= {"symptomatic", "quarantine", "screening"}


def test_ended_on_agrees_with_the_daily_recoveries_and_deaths(run):
    infections = run.infections.to_pandas()
    last = run.to_df().iloc[-1]
    assert (infections["ended_on"] >= infections["infectious_until"]).all()
    ended = infections["ended_on"] <= last["date"]
    assert ended[infections["severity"] == "dead"].sum() == last["D"]
    assert ended.sum() == last["R"] + last["D"] > 0


def test_same_city_and_seed_give_the_same_files(city, tmp_path):
    a = run_sim(city=city, days=8, seed=9, out=tmp_path / "a", config=RunConfig(seed_infections=30))
    b = run_sim(city=city, days=8, seed=9, out=tmp_path / "b", config=RunConfig(seed_infections=30))
    for rel in ("infections.parquet", "visits/2022-03-05.parquet", "checkins/2022-03-08.parquet",
                "presence/2022-03-03.parquet"):
        assert pq.read_table(a.out / rel).equals(pq.read_table(b.out / rel)), rel
    assert (a.out / "daily.csv").read_bytes() == (b.out / "daily.csv").read_bytes()
    c = run_sim(city=city, days=8, seed=10, config=RunConfig(seed_infections=30))
    assert not c.infections.equals(a.infections)


def test_full_scan_compliance_makes_checkins_equal_visits(city, tmp_path):
    run_sim(city=city, days=2, seed=1, out=tmp_path, config=RunConfig(scan_compliance=1.0, presence=False))
    assert pq.read_table(tmp_path / "visits/2022-03-02.parquet").equals(pq.read_table(tmp_path / "checkins/2022-03-02.parquet"))


def test_daily_table_adds_up(run, city):
    df = run.to_df()
    assert len(df) == 30
    assert ((df["S"] + df["E"] + df["I"] + df["R"] + df["D"]) == city.n_persons).all()
    assert df["new_infections"].sum() == run.summary["infections"] == len(run.infections)
    assert (df["tests"] > 0).any() and (df["quarantined_central"] > 0).any()
