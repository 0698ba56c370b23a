"""Venue import (CLI and service): validation by row and field, idempotency, cells; unregistered venues."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tracing_corekit import grids, write_store
from typer.testing import CliRunner

from fangkong.cli import app
from fangkong.db import session_scope
from fangkong.errors import NotFound
from fangkong.geo.cells import cell_id
from fangkong.interop.importers import ImportRejected
from fangkong.tracing import venues
from fangkong.tracing.models import Venue

HEADER = "venue_id,place_code,name,kind,address,lon,lat,jurisdiction_code"
runner = CliRunner()


def csv_file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_is_validated_idempotent_and_computes_cells(session, actor_of, tmp_path):
    epi = actor_of("epi")
    code, _ = grids(session, epi)
    good = csv_file(tmp_path, "v.csv", [f"11,PC-11,老王面馆,restaurant,中山路1号,118.78,32.04,{code}",
                                        f"12,PC-12,新街口站,metro,,118.7845,32.0415,{code}",
                                        f"13,PC-13,无坐标市场,market,,,,{code}"])
    report = venues.import_venues(session=session, actor=epi, path=good)
    assert (report.rows, report.created) == (3, 3)
    v = session.get(Venue, 11)
    assert v.cell_id == int(cell_id(118.78, 32.04)) and v.kind == "restaurant"
    assert session.get(Venue, 13).cell_id is None
    assert venues.import_venues(session=session, actor=epi, path=good).already_imported
    changed = csv_file(tmp_path, "v2.csv", [f"11,PC-11,老王面馆(新),restaurant,中山路1号,118.78,32.04,{code}",
                                            f"12,PC-12,新街口站,metro,,118.7845,32.0415,{code}"])
    report = venues.import_venues(session=session, actor=epi, path=changed)
    assert (report.created, report.existing, report.notes) == (0, 1, ["1 venues updated"])
    assert session.get(Venue, 11).name == "老王面馆(新)"


def test_bad_rows_are_listed_and_nothing_is_stored(session, actor_of, tmp_path):
    epi = actor_of("epi")
    code, _ = grids(session, epi)
    bad = csv_file(tmp_path, "bad.csv", [f"21,PC-21,好的,restaurant,,118.7,32.0,{code}",
                                         f"x,PC-22,坏ID,restaurant,,,,{code}",
                                         f"23,,无码,restaurant,,,,{code}",
                                         f"24,PC-24,半坐标,restaurant,,118.7,,{code}",
                                         "25,PC-25,外地,restaurant,,,,999999",
                                         f"26,PC-21,重码,restaurant,,,,{code}"])
    with pytest.raises(ImportRejected) as err:
        venues.import_venues(session=session, actor=epi, path=bad)
    where = {(e.row, e.field) for e in err.value.errors}
    assert {(3, "venue_id"), (4, "place_code"), (5, "lat"), (6, "jurisdiction_code"), (7, "place_code")} <= where
    assert session.get(Venue, 21) is None


def test_cli_import_venues(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATABASE_URL", db_url)
    with session_scope(db_url) as s:
        from fangkong.geo.models import Jurisdiction

        code = s.scalar(select(Jurisdiction.code).where(Jurisdiction.level == "grid"))
    good = csv_file(tmp_path, "cli.csv", [f"31,PC-31,超市,market,,118.7,32.0,{code}"])
    result = runner.invoke(app, ["import", "venues", str(good), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    bad = csv_file(tmp_path, "clibad.csv", [f"32,PC-32,超市,market,,200,32.0,{code}"])
    result = runner.invoke(app, ["import", "venues", str(bad), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "row 2, field lon" in result.output and "nothing was stored" in result.output
    with session_scope(db_url) as s:
        assert s.get(Venue, 31).name == "超市" and s.get(Venue, 32) is None


def test_unregistered_venues_are_those_with_checkins_and_no_record(session, actor_of, settings):
    epi = actor_of("epi")
    code, _ = grids(session, epi)
    session.add(Venue(id=41, place_code="PC-41", name="已登记", kind="mall", address="", jurisdiction_code=code))
    session.flush()
    write_store(settings.data_dir, "checkins", [(1, 41, "2022-07-07 10:00:00", "2022-07-07 11:00:00"),
                                                (2, 42, "2022-07-07 10:00:00", "2022-07-07 11:00:00"),
                                                (3, 42, "2022-07-08 10:00:00", "2022-07-08 11:00:00"),
                                                (4, 43, "2022-07-07 10:00:00", "2022-07-07 11:00:00")])
    rows = venues.unregistered(session=session, actor=epi, data_dir=settings.data_dir)
    assert [(r["venue_id"], r["checkins"]) for r in rows] == [(42, 2), (43, 1)]


def test_venue_reads_are_scoped(session, actor_of):
    district = actor_of("epi_district")
    _, outside = grids(session, district)
    session.add(Venue(id=51, place_code="PC-51", name="外区", kind="mall", address="", jurisdiction_code=outside))
    session.flush()
    with pytest.raises(NotFound):
        venues.get_venue(session=session, actor=district, venue_id=51)
    assert 51 not in {v.id for v in venues.list_venues(session=session, actor=district, limit=500)[0]}
    assert [v.id for v in venues.list_venues(session=session, actor=actor_of("epi"), q="PC-51")[0]] == [51]


def test_xlsx_with_chinese_names_imports_like_csv(session, actor_of, tmp_path):
    from openpyxl import Workbook

    epi = actor_of("epi")
    code, _ = grids(session, epi)
    wb = Workbook()
    wb.active.append(HEADER.split(","))
    wb.active.append([61, "PC-61", "菜市场", "market", "建邺路", 118.76, 32.03, code])
    path = tmp_path / "venues.xlsx"
    wb.save(path)
    report = venues.import_venues(session=session, actor=epi, path=path)
    assert (report.encoding, report.created) == ("xlsx", 1)
    assert session.get(Venue, 61).name == "菜市场" and session.get(Venue, 61).cell_id is not None
