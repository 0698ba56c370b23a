"""Person and case imports: encodings, mojibake, bad rows, all-or-nothing, idempotency."""

from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from fangkong.authz import SYSTEM, Actor
from fangkong.cases.models import Case
from fangkong.interop.case_import import import_cases
from fangkong.interop.importers import ImportRejected, import_persons
from fangkong.people.ids import check_digit
from fangkong.people.models import Person

GRID = "320102001001001"
TODAY = date(2022, 5, 1)


def rid(first17: str) -> str:
    return first17 + check_digit(first17)


PEOPLE = [
    ("陈静", "女", "1988-02-03", rid("32010219880203102"), "13911110001", GRID, "玄武区长江路1号"),
    ("刘洋", "男", "1979-11-30", rid("32010419791130101"), "13911110002", GRID, "玄武区长江路2号"),
    ("黄丽", "女", "2001-07-15", rid("32010520010715104"), "", GRID, ""),
]
HEADER = "name,sex,birth_date,resident_id,phone,jurisdiction_code,address"


def persons_csv(rows=PEOPLE, header=HEADER) -> str:
    return "\n".join([header] + [",".join(r) for r in rows]) + "\n"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_encodings_are_detected(session, tmp_path, encoding):
    before = count(session, Person)
    path = write(tmp_path, "p.csv", persons_csv().encode(encoding))
    report = import_persons(session=session, actor=SYSTEM, path=path, today=TODAY)
    assert report.created == 3 and count(session, Person) == before + 3
    names = set(session.scalars(select(Person.name).where(Person.phone.like("1391111%"))))
    assert names == {"陈静", "刘洋"}


def test_big5_file(session, tmp_path):
    rows = [("陳大文", "男", "1990-01-01", rid("81000019900101101"), "", GRID, "臺北市中正區")]
    path = write(tmp_path, "hk.csv", persons_csv(rows).encode("big5"))
    import_persons(session=session, actor=SYSTEM, path=path, today=TODAY)
    assert session.scalar(select(Person.address).where(Person.name == "陳大文")) == "臺北市中正區"


def test_chinese_headers_and_xlsx(session, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "出生日期", "身份证号", "手机号", "辖区编码", "现住址"])
    for r in PEOPLE:
        ws.append(list(r))
    wb.save(tmp_path / "p.xlsx")
    report = import_persons(session=session, actor=SYSTEM, path=tmp_path / "p.xlsx", today=TODAY)
    assert report.created == 3 and report.encoding == "xlsx"


def test_mojibake_is_rejected_with_row_and_field(session, tmp_path):
    # UTF-8 bytes once read as GBK and saved again as UTF-8: '陈静' becomes garbage that decodes fine
    garbled = "陈静".encode("utf-8").decode("gb18030", errors="replace")
    rows = [PEOPLE[0], (garbled,) + PEOPLE[1][1:]]
    before = count(session, Person)
    with pytest.raises(ImportRejected) as exc:
        import_persons(session=session, actor=SYSTEM, path=write(tmp_path, "m.csv", persons_csv(rows).encode()), today=TODAY)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "name")]
    assert count(session, Person) == before


def test_every_bad_row_is_reported_and_nothing_stored(session, tmp_path):
    bad = [
        PEOPLE[0],
        ("刘洋", "男", "1979-11-30", PEOPLE[1][3][:17] + ("0" if PEOPLE[1][3][17] != "0" else "1"), "", GRID, ""),
        ("黄丽", "女", "2001-07-15", PEOPLE[2][3], "12345", GRID, ""),
        ("赵敏", "女", "1990-13-01", "", "", GRID, ""),
        ("钱多", "男", "1990-01-01", "", "", "999999", ""),
        ("", "女", "1990-01-01", "", "", GRID, ""),
        ("孙莉", "男", "1988-02-03", rid("32010219880203122"), "", GRID, ""),
    ]
    before = count(session, Person)
    with pytest.raises(ImportRejected) as exc:
        import_persons(session=session, actor=SYSTEM, path=write(tmp_path, "bad.csv", persons_csv(bad).encode()), today=TODAY)
    found = {(e.row, e.field) for e in exc.value.errors}
    assert found == {(3, "resident_id"), (4, "phone"), (5, "birth_date"), (6, "jurisdiction_code"), (7, "name"), (8, "sex")}
    assert "check digit" in next(e.message for e in exc.value.errors if e.row == 3)
    assert count(session, Person) == before  # the good first row was not stored either


def test_same_file_twice_stores_once_and_same_rows_in_new_file_too(session, tmp_path):
    path = write(tmp_path, "p.csv", persons_csv().encode())
    first = import_persons(session=session, actor=SYSTEM, path=path, today=TODAY)
    second = import_persons(session=session, actor=SYSTEM, path=path, today=TODAY)
    assert (first.created, second.created, second.already_imported) == (3, 0, True)
    reordered = write(tmp_path, "p2.csv", persons_csv(list(reversed(PEOPLE))).encode("gb18030"))
    third = import_persons(session=session, actor=SYSTEM, path=reordered, today=TODAY)
    assert (third.created, third.existing) == (0, 3)


def test_conflicting_duplicate_rows_within_a_file(session, tmp_path):
    rows = [PEOPLE[0], PEOPLE[0][:4] + ("13911119999",) + PEOPLE[0][5:]]
    with pytest.raises(ImportRejected) as exc:
        import_persons(session=session, actor=SYSTEM, path=write(tmp_path, "d.csv", persons_csv(rows).encode()), today=TODAY)
    assert exc.value.errors[0].row == 3 and "row 2" in exc.value.errors[0].message


def test_rows_outside_the_importers_jurisdiction_are_refused(session, tmp_path):
    actor = Actor(id=None, username="x", role="epidemiologist", jurisdiction_code="320104", jurisdiction_level="district")
    with pytest.raises(ImportRejected) as exc:
        import_persons(session=session, actor=actor, path=write(tmp_path, "p.csv", persons_csv().encode()), today=TODAY)
    assert {e.field for e in exc.value.errors} == {"jurisdiction_code"} and len(exc.value.errors) == 3


CASE_HEADER = HEADER + ",classification,severity,origin,onset_date,sampling_date,diagnosed_at,reported_at,outcome"


def cases_csv(extra_rows=()) -> str:
    lines = [CASE_HEADER,
             ",".join(PEOPLE[0]) + ",确诊病例,轻型,本土,2022-04-20,2022-04-21,2022-04-21 20:00,2022-04-21 21:10,治疗中",
             ",".join(PEOPLE[1]) + ",asymptomatic,,local,,2022-04-22,2022-04-22T23:30:00+08:00,,under_treatment",
             *extra_rows]
    return "\n".join(lines) + "\n"


def test_case_import_creates_persons_and_cases_once(session, tmp_path):
    import_persons(session=session, actor=SYSTEM, path=write(tmp_path, "p.csv", persons_csv(PEOPLE[:1]).encode()), today=TODAY)
    people_before, cases_before = count(session, Person), count(session, Case)
    path = write(tmp_path, "c.csv", cases_csv().encode("gb18030"))
    report = import_cases(session=session, actor=SYSTEM, path=path, today=TODAY)
    assert report.created == 2 and count(session, Person) == people_before + 1
    case = session.scalar(select(Case).join(Person, Person.id == Case.person_id).where(Person.name == "陈静"))
    assert (case.classification, case.severity) == ("confirmed", "mild")
    assert case.diagnosed_at.hour == 12  # 20:00 local (UTC+8) stored as UTC
    copy = write(tmp_path, "c2.csv", cases_csv().encode("utf-8"))
    again = import_cases(session=session, actor=SYSTEM, path=copy, today=TODAY)
    assert (again.created, again.existing) == (0, 2) and count(session, Case) == cases_before + 2


def test_case_import_rejects_bad_rows_atomically(session, tmp_path):
    bad = ",".join(PEOPLE[2]) + ",confirmed,,local,2022-04-25,2022-04-20,2022-04-26 10:00,,under_treatment"
    cases_before, people_before = count(session, Case), count(session, Person)
    with pytest.raises(ImportRejected) as exc:
        import_cases(session=session, actor=SYSTEM, path=write(tmp_path, "c.csv", cases_csv([bad]).encode()), today=TODAY)
    assert [(e.row, e.field) for e in exc.value.errors] == [(4, "severity")]
    assert (count(session, Case), count(session, Person)) == (cases_before, people_before)
