from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from fangkong.audit.models import AuditEntry
from fangkong.auth import service as auth
from fangkong.auth.models import User
from fangkong.db import session_scope, utcnow
from fangkong.demo.seed import DEMO_PASSWORD


def test_token_and_me(api):
    r = api.post("/api/v1/auth/token", data={"username": "epi", "password": DEMO_PASSWORD})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["role"] == "epidemiologist" and "case.classify" in me["actions"]
    assert api.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_repeated_failures_lock_the_account(api, db_url, settings):
    for _ in range(settings.login_max_failures):
        assert api.post("/api/v1/auth/token", data={"username": "lab", "password": "wrong-password"}).status_code == 401
    r = api.post("/api/v1/auth/token", data={"username": "lab", "password": DEMO_PASSWORD})
    assert r.status_code == 423 and r.json()["code"] == "locked"
    with session_scope(db_url) as s:
        s.execute(update(User).where(User.username == "lab").values(locked_until=utcnow() - timedelta(seconds=1)))
    assert api.post("/api/v1/auth/token", data={"username": "lab", "password": DEMO_PASSWORD}).status_code == 200
    with session_scope(db_url) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.actor_username == "lab").order_by(AuditEntry.id)))
    assert actions == ["login.failed"] * settings.login_max_failures + ["login.locked", "login"]


def test_unknown_user_is_audited_without_revealing_which_part_was_wrong(api, db_url):
    r = api.post("/api/v1/auth/token", data={"username": "nobody", "password": "whatever-1"})
    assert r.json()["message"] == "wrong user name or password"
    with session_scope(db_url) as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.actor_username == "nobody")).action == "login.failed"


def test_reads_changes_and_searches_are_audited_and_filterable(api):
    case = api.get("/api/v1/cases?limit=1", user="epi").json()["items"][0]
    api.get(f"/api/v1/cases/{case['id']}", user="epi")
    api.patch(f"/api/v1/cases/{case['id']}", json={"notes": "audit me"}, user="epi")
    rows = api.get(f"/api/v1/audit?resource_type=case&resource_id={case['id']}", user="auditor").json()["items"]
    assert [r["action"] for r in rows][:3] == ["case.read", "case.update", "case.read"]
    assert rows[1]["changes"] == {"notes": ["", "audit me"]} and rows[1]["actor_username"] == "epi"
    only_updates = api.get("/api/v1/audit?action=case.update", user="auditor").json()["items"]
    assert {r["action"] for r in only_updates} == {"case.update"}
    by_user = api.get("/api/v1/audit?username=epi", user="auditor").json()["items"]
    assert by_user and {r["actor_username"] for r in by_user} == {"epi"}


def test_audit_log_is_append_only_in_the_database(db_url):
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(db_url) as s:
            s.execute(text("UPDATE audit_log SET action = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(db_url) as s:
            s.execute(text("DELETE FROM audit_log"))


def test_district_auditor_sees_only_district_entries(api, db_url):
    with session_scope(db_url) as s:
        auth.create_user(session=s, actor=None, username="aud_district", password="district-pass-1",
                         role="auditor", jurisdiction_code="320102")
    token = api.post("/api/v1/auth/token", data={"username": "aud_district", "password": "district-pass-1"}).json()
    api.get("/api/v1/cases?limit=5", user="epi")
    rows = api.get("/api/v1/audit?limit=500", headers={"Authorization": f"Bearer {token['access_token']}"}).json()["items"]
    assert rows and all((r["jurisdiction_code"] or "").startswith("320102") for r in rows)


def test_auditor_cannot_write(api):
    case = api.get("/api/v1/cases?limit=1", user="auditor").json()["items"][0]
    r = api.patch(f"/api/v1/cases/{case['id']}", json={"notes": "x"}, user="auditor")
    assert r.status_code == 403 and "case.update" in r.json()["message"]


def test_password_rules_and_roles(session):
    from fangkong.errors import Invalid

    with pytest.raises(Invalid) as exc:
        auth.create_user(session=session, actor=None, username="u1", password="short", role="admin",
                         jurisdiction_code="320100")
    assert exc.value.field == "password"
    with pytest.raises(Invalid) as exc:
        auth.create_user(session=session, actor=None, username="u1", password="long-enough-1", role="boss",
                         jurisdiction_code="320100")
    assert exc.value.field == "role"
    user = auth.create_user(session=session, actor=None, username="u1", password="long-enough-1", role="grid_worker",
                            jurisdiction_code="320102001001")
    assert user.password_hash.startswith("$argon2id$")


def test_cached_actor_follows_a_language_change(db_url, settings):
    with session_scope(db_url) as s:
        user = s.scalar(select(User).where(User.username == "epi"))
        token = auth.issue_token(settings=settings, user=user)
        first = auth.actor_from_token(session=s, settings=settings, token=token, ip="10.0.0.1")
        again = auth.actor_from_token(session=s, settings=settings, token=token, ip="10.0.0.2")
        assert (first.role, again.ip, again.jurisdiction_level) == ("epidemiologist", "10.0.0.2", "city")
        auth.set_language(session=s, user=user, language="en")
    with session_scope(db_url) as s:
        assert auth.actor_from_token(session=s, settings=settings, token=token).language == "en"
    with pytest.raises(Exception):
        with session_scope(db_url) as s:
            auth.actor_from_token(session=s, settings=settings, token=token + "x")
