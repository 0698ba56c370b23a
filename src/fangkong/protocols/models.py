"""Which profile a jurisdiction follows, and the values it overrides. Append-only: a change is a new
row, the rows are the history (the migration installs triggers that refuse UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, UTCDateTime, utcnow


class ProfileSelection(Base):
    __tablename__ = "profile_selections"
    __table_args__ = (Index("ix_profile_selections_node_from", "jurisdiction_code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    profile_id: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProfileOverride(Base):
    __tablename__ = "profile_overrides"
    __table_args__ = (Index("ix_profile_overrides_node_from", "jurisdiction_code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    path: Mapped[str] = mapped_column(String(200))
    # The value in the field's canonical unit; JSON null withdraws the node's override of the path.
    value: Mapped[Any] = mapped_column(JSON(none_as_null=False), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
