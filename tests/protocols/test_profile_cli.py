"""`fangkong profiles list|show|diff|validate`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fangkong.cli import app
from fangkong.protocols.loader import PROFILE_DIR

runner = CliRunner()


def test_list():
    result = runner.invoke(app, ["profiles", "list"])
    assert result.exit_code == 0
    for profile_id in ("ed8", "ed9", "twenty_measures", "ten_measures", "who_generic"):
        assert profile_id in result.output


def test_show_as_text_and_json():
    result = runner.invoke(app, ["profiles", "show", "ed9"])
    assert result.exit_code == 0
    assert "case_reporting.report_deadline_hours\t2 hour\t\treport-v3" in result.output
    assert "categories.close_contact.restart.adjacent_floors\t1 floor\t◦\trestart-jxyuer" in result.output
    data = json.loads(runner.invoke(app, ["profiles", "show", "ed9", "--json"]).output)
    assert data["id"] == "ed9" and data["sources"]["report-v3"]["url"] == "sdjlnm.com/changshi/264054.html"
    missing = runner.invoke(app, ["profiles", "show", "ed7"])
    assert missing.exit_code == 1 and "no protocol profile 'ed7'" in missing.output


def test_diff():
    result = runner.invoke(app, ["profiles", "diff", "ed8", "ed9"])
    assert result.exit_code == 0
    assert "contacts.close_contact.lookback_days\t2 day\t4 day\t≠" in result.output
    assert "categories.close_contact.phases[0].days\t14 day\t7 day\t≠" in result.output
    assert "case_reporting.report_deadline_hours" not in result.output
    full = runner.invoke(app, ["profiles", "diff", "ed8", "ed9", "--all"])
    assert "case_reporting.report_deadline_hours\t2 hour\t2 hour\t=" in full.output


def test_validate_lists_every_problem(tmp_path):
    good = runner.invoke(app, ["profiles", "validate", str(PROFILE_DIR / "ed9.toml")])
    assert good.exit_code == 0 and "valid — ed9" in good.output
    text = (PROFILE_DIR / "ed9.toml").read_text(encoding="utf-8")
    text = text.replace('days = { value = 7, unit = "day", source = "ed9-gscdc" }', 'days = { value = 7, unit = "day" }', 1)
    text = text.replace('swab = "oropharyngeal"', 'swab = "oropharyngeal"\nswabs = 2', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["profiles", "validate", str(bad)])
    assert result.exit_code == 1
    assert "categories.close_contact.phases[0].days: missing source" in result.output
    assert "categories.close_contact.swabs: unknown key" in result.output
    assert "2 problem(s)" in result.output
    nowhere = runner.invoke(app, ["profiles", "validate", str(tmp_path / "none.toml")])
    assert nowhere.exit_code == 1 and "cannot read" in nowhere.output
