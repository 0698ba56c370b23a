from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, UTCDateTime, utcnow


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_jurisdiction_id", "jurisdiction_code", "id"),
        Index("ix_cases_classification_id", "classification", "id"),
        Index("ix_cases_onset_date", "onset_date"),
        Index("ix_cases_report_date", "report_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The number on the online direct-report card (网络直报卡片编号) when one exists: the import key.
    external_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    classification: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(12))
    origin: Mapped[str] = mapped_column(String(16), default="local")
    onset_date: Mapped[date | None] = mapped_column(Date)
    sampling_date: Mapped[date | None] = mapped_column(Date)
    diagnosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Local calendar date of the report, kept beside reported_at so lists filter on an index.
    report_date: Mapped[date | None] = mapped_column(Date)
    report_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="under_treatment")
    outcome_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ClassificationChange(Base):
    __tablename__ = "case_classification_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_classification: Mapped[str | None] = mapped_column(String(16))
    from_severity: Mapped[str | None] = mapped_column(String(12))
    to_classification: Mapped[str] = mapped_column(String(16))
    to_severity: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
