"""`fangkong screening import-results FILE`: lab results into the database's rounds, from the command line."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from fangkong.authz import SYSTEM
from fangkong.cli import app
from fangkong.db import session_scope
from fangkong.screening import sampling, service
from fangkong.screening.models import Isolation
from fangkong.screening.schemas import AreaIn, CampaignCreate, RoundCreate, SampleCreate
from screenkit import GRID, HEADER, START, add_grid, at

runner = CliRunner()


def test_import_results_resolves_the_round(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATABASE_URL", db_url)
    with session_scope(db_url) as s:
        people = add_grid(s, GRID, 6)
        campaign = service.create_campaign(session=s, actor=SYSTEM, data=CampaignCreate(
            name="命令行", jurisdiction_code="320102", areas=[AreaIn(jurisdiction_code=GRID, pool_size=5)]))
        rnd = service.launch_round(session=s, actor=SYSTEM, campaign_id=campaign.id, data=RoundCreate(starts_at=START))
        for pid in people[:5]:
            sampling.record_sample(session=s, actor=SYSTEM, round_id=rnd.id,
                                   data=SampleCreate(person_id=pid, tube_code="CLI-1", collected_at=at(1)))
    good = tmp_path / "results.csv"
    good.write_text(HEADER + "CLI-1,positive,31,32,LAB1,2022-05-01 17:00\n", encoding="utf-8")
    data_dir = ["--data-dir", str(tmp_path)]
    out = runner.invoke(app, ["screening", "import-results", str(good), *data_dir])
    assert out.exit_code == 0, out.output
    assert "1 rows, 1 new" in out.output and "5 isolated, 5 re-check tasks" in out.output
    assert "imported before" in runner.invoke(app, ["screening", "import-results", str(good), *data_dir]).output
    with session_scope(db_url) as s:
        assert len(s.scalars(select(Isolation)).all()) == 5
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "NOPE,positive,31,32,LAB1,2022-05-01 17:00\n", encoding="utf-8")
    refused = runner.invoke(app, ["screening", "import-results", str(bad), *data_dir])
    assert refused.exit_code == 1 and "row 2, field tube_id: unknown tube 'NOPE'" in refused.output
