"""The command line, run as a user would: demo, users, jurisdictions, imports, serve's refusal."""

import csv
import io

import pytest
from typer.testing import CliRunner

from fangkong.cli import app
from fangkong.people.ids import check_digit

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--data-dir", str(folder), "--no-serve", "--persons", "600"])
    assert result.exit_code == 0, result.output
    assert "demo-pass-2022" in result.output and "epi_district" in result.output
    return folder


def test_demo_is_built_once(demo_dir):
    written = (demo_dir / "sim" / "run" / "infections.parquet").stat().st_mtime_ns
    again = runner.invoke(app, ["demo", "--data-dir", str(demo_dir), "--no-serve", "--persons", "600"])
    assert again.exit_code == 0 and "already" in again.output
    assert (demo_dir / "sim" / "run" / "infections.parquet").stat().st_mtime_ns == written  # not written again


def test_demo_writes_the_simulated_city_and_run(demo_dir):
    sim = demo_dir / "sim"
    assert (sim / "city" / "persons.parquet").is_file() and (sim / "run" / "infections.parquet").is_file()
    days = sorted((sim / "run" / "checkins").glob("*.parquet"))
    assert len(days) >= 35 and len(list((sim / "run" / "presence").glob("*.parquet"))) == len(days)


def test_demo_seeds_tracing_from_the_simulation(demo_dir):
    """Venues and check-ins reach the platform's stores with the database's ids; cases get
    investigations and exposure searches; the truth's infector pairs among cases become links."""
    import pyarrow.dataset as ds
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{demo_dir / 'fangkong.db'}")
    with engine.connect() as conn:
        count = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        persons = count("SELECT count(*) FROM persons")
        assert count("SELECT count(*) FROM tracing_venues") > 0
        assert count("SELECT count(*) FROM persons WHERE household_code IS NULL") == 0
        traced = count("SELECT count(*) FROM cases WHERE classification IN ('confirmed', 'asymptomatic')")
        assert traced and count("SELECT count(*) FROM tracing_investigations") == traced
        assert count("SELECT count(*) FROM tracing_exposure_searches WHERE status = 'done'") > 0
        assert count("SELECT count(*) FROM tracing_links") > 0
        assert count("SELECT count(*) FROM tracing_itinerary WHERE venue_id IS NOT NULL") > 0
        # the teams' work: steps stamped in order, after diagnosis
        assert count("SELECT count(*) FROM tracing_investigations WHERE status = 'reported'") > 0
        assert count("SELECT count(*) FROM tracing_investigations i JOIN cases c ON c.id = i.case_id "
                     "WHERE i.team_on_site_at < c.diagnosed_at OR i.core_info_at < i.team_on_site_at "
                     "OR i.reported_at < i.core_info_at") == 0
        unknown = count("SELECT sum(unknown_persons) FROM tracing_exposure_searches WHERE status = 'done'")
        assert unknown == 0  # every exposed person id is a person of the database
    checkins = ds.dataset(demo_dir / "bulk" / "checkins", format="parquet", partitioning="hive").to_table()
    assert 1 <= min(checkins["person_id"].to_pylist()) and max(checkins["person_id"].to_pylist()) <= persons
    assert min(checkins["venue_id"].to_pylist()) >= 1


def test_jurisdictions_csv_lists_the_tree(demo_dir):
    result = runner.invoke(app, ["jurisdictions", "list", "--data-dir", str(demo_dir), "--csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["code", "level", "name", "parent_code"]
    levels = {r["level"] for r in rows}
    assert levels == {"province", "city", "district", "street", "community", "grid"}
    codes = {r["code"] for r in rows}
    assert all(r["parent_code"] in codes for r in rows if r["level"] != "province")


def test_serve_refuses_demo_passwords_outside_demo_mode(demo_dir, monkeypatch):
    monkeypatch.delenv("FANGKONG_ENVIRONMENT", raising=False)
    result = runner.invoke(app, ["serve", "--data-dir", str(demo_dir), "--port", "1"])
    assert result.exit_code == 1 and "refusing" in result.output and "admin" in result.output


def test_users_create(tmp_path, demo_dir):
    ok = runner.invoke(app, ["users", "create", "--data-dir", str(demo_dir), "--username", "wang",
                             "--password", "strong-pass-9", "--role", "grid_worker", "--jurisdiction", "320102001001"])
    assert ok.exit_code == 0, ok.output
    dup = runner.invoke(app, ["users", "create", "--data-dir", str(demo_dir), "--username", "wang",
                              "--password", "strong-pass-9", "--role", "grid_worker", "--jurisdiction", "320102001001"])
    assert dup.exit_code == 1 and "already exists" in dup.output
    bad = runner.invoke(app, ["users", "create", "--data-dir", str(demo_dir), "--username", "li",
                              "--password", "strong-pass-9", "--role", "boss", "--jurisdiction", "320102"])
    assert bad.exit_code == 1 and "role" in bad.output


def test_import_persons_reports_rows_and_is_idempotent(tmp_path, demo_dir):
    first17 = "32010219920202101"
    good = tmp_path / "p.csv"
    good.write_bytes(f"姓名,性别,身份证号,辖区编码\n吴敏,男,{first17}{check_digit(first17)},320102001001001\n".encode("gb18030"))
    once = runner.invoke(app, ["import", "persons", str(good), "--data-dir", str(demo_dir)])
    assert once.exit_code == 0 and "1 new" in once.output and "gb18030" in once.output
    twice = runner.invoke(app, ["import", "persons", str(good), "--data-dir", str(demo_dir)])
    assert twice.exit_code == 0 and "nothing new" in twice.output
    bad = tmp_path / "bad.csv"
    bad.write_text("name,jurisdiction_code,phone\n吴敏,320102001001001,123\n", encoding="utf-8")
    rejected = runner.invoke(app, ["import", "persons", str(bad), "--data-dir", str(demo_dir)])
    assert rejected.exit_code == 1 and "row 2, field phone" in rejected.output and "nothing was stored" in rejected.output


def test_db_upgrade(tmp_path):
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0 and "at revision" in result.output
    from alembic.script import ScriptDirectory

    from fangkong.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert f"revision {head}" in result.output
    assert (tmp_path / "fangkong.db").exists()


def test_bad_settings_fail_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("FANGKONG_TIMEZONE", "Mars/Olympus")
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "timezone" in result.output
