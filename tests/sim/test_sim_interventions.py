"""Interventions: parameters, effects on the run, and the scientific direction of their effects."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from fangkong.sim import RunConfig, build_city, run_sim
from fangkong.sim.city.model import VENUE_TYPES
from fangkong.sim.interventions import REGISTRY, ScenarioError, make
from fangkong.sim.model import Sim
from fangkong.sim.scenario import load_scenario, parse_scenario


@pytest.fixture(scope="module")
def city():
    return build_city(population=30_000, seed=21)


def infections(city, specs, *, seeds=(1, 2, 3), days=45, seed_infections=40):
    total = 0
    for seed in seeds:
        config, interventions = parse_scenario({"seed_infections": seed_infections, "presence": False,
                                                "write_visits": False, "interventions": specs})
        total += run_sim(city=city, days=days, seed=seed, config=config, interventions=interventions).summary["infections"]
    return total


def test_more_screening_means_fewer_infections(city):
    symptomatic = [{"type": "symptomatic_testing"}]
    none = infections(city, symptomatic)
    weekly = infections(city, symptomatic + [{"type": "mass_screening", "start_day": 7, "every_days": 7}])
    every_two = infections(city, symptomatic + [{"type": "mass_screening", "start_day": 7, "every_days": 2}])
    assert every_two < weekly < none


def test_faster_tracing_means_fewer_infections(city):
    def traced(delay):
        return infections(city, [{"type": "symptomatic_testing"}, {"type": "quarantine"},
                                 {"type": "contact_tracing", "delay_days": delay}])
    fast, slow = traced(0), traced(3)
    assert fast < slow < infections(city, [{"type": "symptomatic_testing"}])


def test_closing_venues_and_vaccination_reduce_infections(city):
    none = infections(city, [])
    closed = infections(city, [{"type": "venue_closure", "types": list(VENUE_TYPES)}])
    vaccinated = infections(city, [{"type": "vaccination", "coverage": 0.9, "efficacy_infection": 0.5, "delay_days": 0}])
    assert closed < none and vaccinated < none


def test_closed_venues_get_no_visits(city):
    config, ivs = parse_scenario({"interventions": [{"type": "venue_closure", "types": ["restaurant", "ktv"],
                                                     "start_day": 2, "end_day": 3}]})
    sim = Sim(city, days=5, seed=1, config=config, interventions=ivs)
    seen = {}
    sim.on_day.append(lambda s, today: seen.__setitem__(today.day, set(city.venue_type[today.visits.venue].tolist())))
    sim.run()
    closed = {VENUE_TYPES.index("restaurant"), VENUE_TYPES.index("ktv")}
    assert closed <= seen[1] and closed <= seen[4]
    assert not closed & seen[2] and not closed & seen[3]


def test_lockdown_keeps_the_case_community_home_until_the_profile_lifts_it(city):
    config, ivs = parse_scenario({"seed_infections": 40, "interventions": [
        {"type": "symptomatic_testing", "daily_prob": 1.0}, {"type": "lockdown", "level": "community"}]})
    sim = Sim(city, days=40, seed=3, config=config, interventions=ivs)
    locked_days = []
    sim.on_day.append(lambda s, today: locked_days.append(int(s.people.locked.sum())))
    sim.run()
    lockdown = ivs[1]
    assert lockdown.lift == 7  # ed9: high-risk area steps down after 7 days without a new case
    assert max(locked_days) > 0
    p = sim.people
    locked_today = p.locked & ~p.isolated
    assert not np.isin(np.flatnonzero(locked_today), sim.today.visits.person).any()


def test_screening_pools_never_exceed_the_pool_size_and_find_the_detectable(city):
    config, ivs = parse_scenario({"seed_infections": 200, "interventions": [
        {"type": "mass_screening", "start_day": 10, "every_days": 100, "pool_size": 10, "coverage": 1.0}]})
    sim = Sim(city, days=13, seed=2, config=config, interventions=ivs)
    sim.run()
    (day, samples, results), = ivs[0].rounds
    per_tube = pa.TableGroupBy(samples, "tube_id").aggregate([("person_id", "count")]).column("person_id_count")
    assert max(per_tube.to_pylist()) == 10
    persons = samples.column("person_id").to_numpy()
    assert len(np.unique(persons)) == len(persons) == city.n_persons - int(sim.people.isolated.sum() + 0)
    detectable = persons[sim.detectable(persons, day)]
    positive_tubes = results.filter(pa.compute.equal(results.column("result"), "positive")).column("tube_id")
    in_positive = samples.filter(pa.compute.is_in(samples.column("tube_id"), positive_tubes)).column("person_id").to_numpy()
    assert np.isin(detectable, in_positive).all()  # sensitivity 1: every detectable person is in a positive tube
    assert len(positive_tubes) == len(np.unique(samples.filter(pa.compute.is_in(
        samples.column("person_id"), pa.array(detectable))).column("tube_id").to_numpy()))


def test_vaccination_protects_after_the_delay(city):
    config, ivs = parse_scenario({"seed_infections": 0, "interventions": [
        {"type": "vaccination", "daily_doses": 1000, "efficacy_infection": 0.4, "efficacy_symptoms": 0.7, "delay_days": 2}]})
    sim = Sim(city, days=4, seed=1, config=config, interventions=ivs)
    before = sim.people.sus.copy()
    sim.run()
    vaccination = ivs[0]
    assert vaccination.doses == 4000
    protected = np.flatnonzero(sim.people.sus < before)
    assert protected.size == 2000  # doses of days 0 and 1 have taken effect, days 2 and 3 not yet
    assert np.allclose(sim.people.sus[protected], before[protected] * 0.6)
    assert np.allclose(sim.people.symp_factor[protected], 0.3 / 0.6)


@pytest.mark.parametrize(("spec", "message"), [
    ({"type": "lockdwn"}, "unknown intervention type 'lockdwn'"),
    ({"type": "mass_screening", "pool_sise": 10}, "pool_sise"),
    ({"type": "mass_screening", "pool_size": 50}, "pool_size"),
    ({"type": "venue_closure", "types": ["casino"]}, "casino"),
    ({"type": "vaccination", "coverage": 0.5}, "efficacy_infection"),
])
def test_bad_intervention_parameters_are_errors_that_name_the_key(spec, message):
    with pytest.raises(ScenarioError, match=message):
        make(spec, where="s.toml: interventions[0]")


def test_scenario_files_reject_unknown_keys_and_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('seed_infections = 5\nscan_complience = 0.5\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.toml: scan_complience"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="not a built-in scenario"):
        load_scenario("no-such-scenario")


def test_contact_tracing_needs_quarantine(city, tmp_path):
    config, ivs = parse_scenario({"interventions": [{"type": "contact_tracing"}]})
    with pytest.raises(ScenarioError, match="needs a quarantine intervention"):
        run_sim(city=city, days=1, seed=1, config=config, interventions=ivs, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_every_builtin_intervention_declares_its_parameters():
    assert set(REGISTRY) == {"symptomatic_testing", "mass_screening", "contact_tracing", "quarantine", "lockdown",
                             "venue_closure", "vaccination"}
    for cls in REGISTRY.values():
        assert cls.Params.model_config.get("extra") == "forbid"


def test_quarantine_follows_the_profile_schedule(city):
    config, ivs = parse_scenario({"interventions": [{"type": "quarantine", "profile": "ed9"}]})
    sim = Sim(city, days=1, seed=1, config=config, interventions=ivs)
    sim.run()
    quarantine = ivs[0]
    who = np.array([0, 1])
    quarantine.assign(who, category=0, clock=0)  # close contacts, last exposure on day 0
    kinds = []
    for day in range(1, 12):
        quarantine.before_day(sim, day)
        kinds.append(int(sim.people.quarantine[0]))
        sim.people.quarantine[:] = 0
    # ed9: 7 days centralized, then 3 days home health monitoring (free to go out), then released.
    assert kinds == [2] * 7 + [0] * 4
    assert [d for d in range(11) if quarantine.test[0, d]] == [1, 2, 3, 5, 7, 10]


def test_results_due_the_same_day_are_reported_the_next_morning(city):
    config, ivs = parse_scenario({"seed_infections": 200, "interventions": [
        {"type": "symptomatic_testing", "daily_prob": 1.0, "turnaround_days": 0}]})
    sim = Sim(city, days=20, seed=4, config=config, interventions=ivs)
    sim.run()
    p = sim.people
    tested = np.flatnonzero(p.diagnosed != np.iinfo(np.int32).max)
    assert tested.size > 0
    # Tested every day from onset; the first test that can detect the infection (PCR from day 3
    # after infection) is positive, and isolation starts the next morning.
    first_positive = np.maximum(p.onset[tested], p.infected[tested] + sim.disease.pcr_from)
    assert (p.diagnosed[tested] == first_positive + 1).all()
