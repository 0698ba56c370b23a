from datetime import date, datetime, timezone

from sqlalchemy import inspect, select

from fangkong.kit import bulk
from fangkong.people.models import Person

NOW = datetime(2022, 4, 30, 12, 0, tzinfo=timezone.utc)


def rows(first_id: int, n: int) -> list[dict]:
    return [dict(id=first_id + k, name=f"测试{k}", sex="female", birth_date=date(1990, 1, 1 + k % 28),
                 resident_id=None, doc_type=None, doc_number=None, phone=None, jurisdiction_code="320102001001001",
                 address="", merged_into_id=None, created_at=NOW, updated_at=NOW, version=1) for k in range(n)]


def test_rows_round_trip_with_dates_and_times(session):
    start = (session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0) + 1
    bulk.insert_rows(session, Person.__table__, rows(start, 30))
    person = session.get(Person, start + 3)
    assert (person.name, person.birth_date, person.created_at) == ("测试3", date(1990, 1, 4), NOW)


def test_large_load_rebuilds_secondary_indexes(session, monkeypatch, db_url):
    before = {ix["name"] for ix in inspect(session.connection()).get_indexes("persons")}
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 10)
    start = (session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0) + 1
    existing = session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0
    bulk.insert_rows(session, Person.__table__, rows(start, existing + 10))
    after = {ix["name"] for ix in inspect(session.connection()).get_indexes("persons")}
    assert after == before
    assert session.scalar(select(Person.id).where(Person.name == "测试7", Person.id >= start)) == start + 7
