"""`fangkong sim run` from the command line."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from typer.testing import CliRunner

from fangkong.cli import app

runner = CliRunner()


def test_sim_city_then_run_writes_the_run_folder(tmp_path):
    city, out = tmp_path / "city", tmp_path / "run"
    result = runner.invoke(app, ["sim", "city", "--population", "3000", "--seed", "4", "--out", str(city)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["sim", "run", "--city", str(city), "--days", "6", "--seed", "2", "--out", str(out),
                                 "--scenario", "ed9_response", "--start", "2022-04-01", "--no-presence", "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "attack rate" in result.output
    assert sorted(p.stem for p in (out / "checkins").glob("*.parquet"))[0] == "2022-04-01"
    assert not (out / "presence").exists() and not (out / "plots").exists()
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert meta["days"] == 6 and [i["type"] for i in meta["interventions"]] == [
        "symptomatic_testing", "quarantine", "contact_tracing", "lockdown"]
    assert pq.read_table(out / "infections.parquet").num_rows == meta["summary"]["infections"]


def test_sim_run_reports_a_bad_scenario_with_its_file_and_key(tmp_path):
    city = tmp_path / "city"
    runner.invoke(app, ["sim", "city", "--population", "500", "--out", str(city)])
    scenario = tmp_path / "s.toml"
    scenario.write_text('[[interventions]]\ntype = "mass_screening"\npool = 10\n', encoding="utf-8")
    result = runner.invoke(app, ["sim", "run", "--city", str(city), "--days", "2", "--out", str(tmp_path / "r"),
                                 "--scenario", str(scenario)])
    assert result.exit_code == 2
    assert "s.toml: interventions[0] (mass_screening): pool" in result.output
    assert not (tmp_path / "r").exists()
