from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base


class Jurisdiction(Base):
    __tablename__ = "jurisdictions"

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    # GeoJSON geometry (WGS-84) as text: kept whole, served to the map as it is.
    geometry: Mapped[str | None] = mapped_column(Text)
    # IANA time zone (e.g. Asia/Urumqi); None inherits the parent's, and the root falls back to
    # FANGKONG_TIMEZONE. Times are stored in UTC and shown in this zone.
    timezone: Mapped[str | None] = mapped_column(String(64))

    @property
    def jurisdiction_code(self) -> str:
        """A node is its own jurisdiction, so permission checks treat it like any record."""
        return self.code
