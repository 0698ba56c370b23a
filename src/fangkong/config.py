"""One settings class for the whole platform; bad values fail at start-up, not mid-request."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    demo = "demo"
    production = "production"
    test = "test"


def default_data_dir() -> Path:
    return Path(user_data_dir("fangkong", appauthor=False))


class Settings(BaseSettings):
    """Read from `FANGKONG_*` environment variables; see docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="FANGKONG_", extra="forbid", validate_default=True)

    environment: Environment = Environment.production
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    secret_key: str | None = None
    default_language: str = "zh_Hans"
    timezone: str = "Asia/Shanghai"
    token_ttl_minutes: int = Field(default=480, ge=5, le=60 * 24 * 30)
    session_ttl_minutes: int = Field(default=720, ge=5, le=60 * 24 * 30)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    default_profile: str = "ed9"
    map_tile_url: str | None = None
    page_size_max: int = Field(default=200, ge=10, le=1000)
    jobs_enabled: bool = True
    notify_channels: str = "in_app"
    notify_webhook_url: str | None = None
    attachment_max_mb: float = Field(default=20, gt=0, le=1024)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("FANGKONG_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        if value.startswith("postgresql") and not value.startswith("postgresql+psycopg"):
            raise ValueError("use the psycopg 3 driver: postgresql+psycopg://user@host/db")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from fangkong.i18n import LANGUAGES

        if value not in LANGUAGES:
            raise ValueError(f"default_language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("notify_channels")
    @classmethod
    def _known_channels(cls, value: str) -> str:
        from fangkong.notify.registry import CHANNELS

        names = [n.strip() for n in value.split(",") if n.strip()]
        unknown = [n for n in names if n not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown notification channel {unknown[0]!r}; known: {', '.join(CHANNELS)}")
        return ",".join(names)

    @field_validator("notify_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("FANGKONG_NOTIFY_WEBHOOK_URL must be an http:// or https:// URL")
        return value or None

    @model_validator(mode="after")
    def _webhook_has_url(self) -> "Settings":
        if "webhook" in self.notify_channel_names and not self.notify_webhook_url:
            raise ValueError("the webhook channel needs FANGKONG_NOTIFY_WEBHOOK_URL")
        return self

    @property
    def notify_channel_names(self) -> list[str]:
        return [n for n in self.notify_channels.split(",") if n]

    @property
    def attachment_max_bytes(self) -> int:
        return int(self.attachment_max_mb * 1024 * 1024)

    @field_validator("default_profile")
    @classmethod
    def _shipped_profile(cls, value: str) -> str:
        from fangkong.protocols.loader import profile_ids

        if value not in profile_ids():
            raise ValueError(f"default_profile must name a shipped protocol profile: {', '.join(profile_ids())}")
        return value

    @model_validator(mode="after")
    def _data_dir_absolute(self) -> "Settings":
        self.data_dir = self.data_dir.expanduser().resolve()
        return self

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'fangkong.db'}"

    def resolved_secret(self) -> str:
        """The signing key: configured, or generated once and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
