import pytest
from pydantic import ValidationError

from fangkong.config import Settings


@pytest.mark.parametrize("env, value, message", [
    ("FANGKONG_DATABASE_URL", "mysql://x", "sqlite:// or postgresql"),
    ("FANGKONG_DATABASE_URL", "postgresql://x/y", "psycopg"),
    ("FANGKONG_DEFAULT_LANGUAGE", "fr", "default_language"),
    ("FANGKONG_TOKEN_TTL_MINUTES", "0", "greater than or equal"),
    ("FANGKONG_ENVIRONMENT", "staging", "demo"),
    ("FANGKONG_DEFAULT_PROFILE", "ed7", "shipped protocol profile"),
])
def test_bad_values_fail_at_start(monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_defaults_and_url(tmp_path, monkeypatch):
    monkeypatch.setenv("FANGKONG_DATA_DIR", str(tmp_path))
    s = Settings()
    assert s.url == f"sqlite:///{tmp_path / 'fangkong.db'}" and s.timezone == "Asia/Shanghai"
    key = s.resolved_secret()
    assert len(key) > 40 and s.resolved_secret() == key and (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
