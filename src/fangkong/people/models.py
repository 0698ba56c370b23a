from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, UTCDateTime, utcnow


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        # One live record per ID number; a merged record keeps its ID but steps aside.
        Index(
            "uq_persons_resident_id_live", "resident_id", unique=True,
            sqlite_where=text("merged_into_id IS NULL"), postgresql_where=text("merged_into_id IS NULL"),
        ),
        Index("ix_persons_doc", "doc_type", "doc_number"),
        Index("ix_persons_jurisdiction_id", "jurisdiction_code", "id"),
        Index("ix_persons_birth_date", "birth_date"),
        Index("ix_persons_phone", "phone"),
        Index("ix_persons_name", "name"),
        # Only merged records: a full index on this nearly-all-NULL column drew SQLite's planner
        # away from the indexes above for `merged_into_id IS NULL` (migration 0004).
        Index(
            "ix_persons_merged_into_id", "merged_into_id",
            sqlite_where=text("merged_into_id IS NOT NULL"), postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    birth_date: Mapped[date | None] = mapped_column(Date)
    resident_id: Mapped[str | None] = mapped_column(String(18))
    doc_type: Mapped[str | None] = mapped_column(String(24))
    doc_number: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    address: Mapped[str] = mapped_column(Text, default="")
    # Same code = same dwelling (户), so that contact tracing finds co-residents (migration 0006).
    household_code: Mapped[str | None] = mapped_column(String(40), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DuplicateCandidate(Base):
    """A pair of persons that may be one; reviewed by a person, then merged or dismissed."""

    __tablename__ = "person_duplicates"
    __table_args__ = (Index("uq_person_duplicates_pair", "person_a_id", "person_b_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    person_b_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(15), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
