"""Lab result files: Ct thresholds, indeterminate results, invalid rows, unknown tubes, idempotent uploads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fangkong.interop.importers import ImportRejected
from fangkong.screening import results, sampling
from fangkong.screening.models import Sample, Tube, TubeResult
from fangkong.screening.schemas import SampleCreate
from screenkit import at, campaign, csv_file, grid, round_  # noqa: F401


@pytest.fixture
def tubes(session, actor_of, round_, grid):
    """Tubes P1–P3 (5-in-1, GRID: 5, 5 and 2 swabs) and S1–S5 (single tubes, OTHER_GRID), collected at 01:00Z."""
    lab = actor_of("lab")
    people, others = grid
    codes = [f"P{i // 5 + 1}" for i in range(len(people))] + [f"S{i + 1}" for i in range(len(others))]
    for pid, code in zip(people + others, codes):
        sampling.record_sample(session=session, actor=lab, round_id=round_.id,
                               data=SampleCreate(person_id=pid, tube_code=code, collected_at=at(1)))
    return lab


def outcome(session, code: str) -> str:
    return session.scalar(select(Tube.outcome).where(Tube.code == code))


def stored(session) -> int:
    return session.scalar(select(func.count()).select_from(TubeResult))


def test_ct_below_the_threshold_is_positive_whatever_the_result_cell_says(session, tmp_path, tubes):
    # 17:00 local (Asia/Shanghai) = 09:00Z: 8 h after collection
    report = results.upload_file(session=session, actor=tubes, path=csv_file(
        tmp_path, "r.csv", "P1,negative,34.9,36,LAB1,2022-05-01 17:00", "P2,negative,35.0,35.0,LAB1,2022-05-01 17:00",
        "P3,阴性,,,LAB1,2022-05-01 17:00"))
    assert (report.rows, report.stored, report.existing, report.rounds) == (3, 3, 0, [1])
    assert [outcome(session, c) for c in ("P1", "P2", "P3", "S1")] == ["positive", "negative", "negative", "pending"]
    p1 = session.scalar(select(Tube).where(Tube.code == "P1"))
    assert (p1.min_ct, p1.turnaround_hours, p1.status, p1.lab_id) == (34.9, 8.0, "sent", "LAB1")
    statuses = dict(session.execute(select(Sample.status, func.count()).join(Tube, Tube.id == Sample.tube_id)
                                    .where(Tube.code.in_(["P1", "P2"])).group_by(Sample.status)).all())
    assert statuses == {"recheck": 5, "cleared": 5}


def test_indeterminate_tubes_send_their_members_to_recheck(session, tmp_path, tubes):
    results.upload_file(session=session, actor=tubes, path=csv_file(
        tmp_path, "r.csv", "P1,indeterminate,,36.5,LAB1,2022-05-01T09:00:00Z", "S1,可疑,,,LAB1,2022-05-01T09:00:00Z"))
    assert outcome(session, "P1") == outcome(session, "S1") == "indeterminate"
    members = session.scalars(select(Sample.status).join(Tube, Tube.id == Sample.tube_id).where(Tube.code == "P1"))
    assert set(members) == {"recheck"}


def test_an_unknown_tube_is_an_error_and_nothing_of_the_file_is_stored(session, tmp_path, tubes):
    with pytest.raises(ImportRejected) as err:
        results.upload_file(session=session, actor=tubes, path=csv_file(
            tmp_path, "r.csv", "P1,negative,,,LAB1,2022-05-01 17:00", "NOPE-9,negative,,,LAB1,2022-05-01 17:00"))
    assert [(e.row, e.field) for e in err.value.errors] == [(3, "tube_id")]
    assert "unknown tube 'NOPE-9'" in err.value.errors[0].message
    assert stored(session) == 0 and outcome(session, "P1") == "pending"


def test_every_invalid_row_is_reported_by_row_and_field(session, tmp_path, tubes):
    with pytest.raises(ImportRejected) as err:
        results.upload_file(session=session, actor=tubes, path=csv_file(
            tmp_path, "r.csv",
            "P1,maybe,,,LAB1,2022-05-01 17:00",  # row 2: not a result
            "P2,positive,abc,,LAB1,2022-05-01 17:00",  # row 3: Ct not a number
            "P3,positive,60,,LAB1,2022-05-01 17:00",  # row 4: Ct out of range
            "S1,negative,,,LAB1,",  # row 5: no report time
            "S2,negative,,,LAB1,2022-05-01 08:30",  # row 6: 00:30Z, before the 01:00Z collection
            "S3,negative,,,LAB1,2022-05-01 17:00"))  # row 7: fine
    found = {(e.row, e.field) for e in err.value.errors}
    assert found == {(2, "result"), (3, "ct_orf1ab"), (4, "ct_orf1ab"), (5, "reported_at"), (6, "reported_at")}
    assert stored(session) == 0


def test_a_missing_column_rejects_the_file(session, tmp_path, tubes):
    path = tmp_path / "r.csv"
    path.write_text("tube_id,result\nP1,negative\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        results.upload_file(session=session, actor=tubes, path=path)
    assert {e.field for e in err.value.errors} == {"lab_id", "reported_at"}


def test_uploads_are_idempotent_by_file_hash_and_by_natural_key(session, tmp_path, tubes):
    first = csv_file(tmp_path, "a.csv", "P1,negative,,,LAB1,2022-05-01 17:00", "P2,negative,,,LAB1,2022-05-01 17:00")
    assert results.upload_file(session=session, actor=tubes, path=first).stored == 2
    again = results.upload_file(session=session, actor=tubes, path=first)
    assert (again.already_imported, again.stored) == (True, 0)
    # another export of the same rows plus one new one: only the new one is stored
    other = csv_file(tmp_path, "b.csv", "P2,negative,,,LAB1,2022-05-01T09:00:00+00:00",
                     "P1,negative,,,LAB1,2022-05-01 17:00", "P3,negative,,,LAB1,2022-05-01 18:00")
    report = results.upload_file(session=session, actor=tubes, path=other)
    assert (report.already_imported, report.stored, report.existing) == (False, 1, 2)
    assert stored(session) == 3


def test_a_result_that_contradicts_a_stored_one_is_refused(session, tmp_path, tubes):
    results.upload_file(session=session, actor=tubes,
                        path=csv_file(tmp_path, "a.csv", "P1,negative,,,LAB1,2022-05-01 17:00"))
    with pytest.raises(ImportRejected) as err:
        results.upload_file(session=session, actor=tubes, path=csv_file(
            tmp_path, "b.csv", "P1,positive,30,,LAB1,2022-05-01 18:00"))
    assert err.value.errors[0].row == 2 and err.value.errors[0].field == "result"
    assert "already has a result on record that differs in result" in err.value.errors[0].message


def test_chinese_headers_in_gb18030_and_xlsx(session, tmp_path, tubes):
    from openpyxl import Workbook

    path = tmp_path / "结果.csv"
    path.write_bytes("试管编号,检测结果,ORF1ab,N,检测机构,报告时间\nP1,阴性,,,市一检测所,2022-05-01 17:00\n".encode("gb18030"))
    assert results.upload_file(session=session, actor=tubes, path=path).format == "gb18030"
    book = Workbook()
    sheet = book.active
    sheet.append(["tube_id", "result", "ct_orf1ab", "ct_n", "lab_id", "reported_at"])
    sheet.append(["S1", "阳性", 24.5, 25.1, "市一检测所", "2022-05-01 17:00"])
    book.save(tmp_path / "r.xlsx")
    report = results.upload_file(session=session, actor=tubes, path=tmp_path / "r.xlsx")
    assert (report.format, report.stored) == ("xlsx", 1)
    assert outcome(session, "P1") == "negative" and outcome(session, "S1") == "positive"


def test_a_tube_outside_the_uploaders_jurisdiction_does_not_exist_for_them(session, actor_of, tmp_path, tubes):
    from fangkong.auth import service as auth
    from fangkong.demo.seed import DEMO_PASSWORD

    auth.create_user(session=session, actor=None, username="lab_qinhuai", password=DEMO_PASSWORD, role="lab_operator",
                     jurisdiction_code="320104")
    with pytest.raises(ImportRejected, match="unknown tube 'P1'"):
        results.upload_file(session=session, actor=actor_of("lab_qinhuai"), path=csv_file(
            tmp_path, "r.csv", "P1,negative,,,LAB1,2022-05-01 17:00"))
