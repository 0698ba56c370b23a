"""Screening campaigns, rounds, sites, tubes, samples, lab results, exemptions and isolations.

Every row carries a `jurisdiction_code` so that lists are scoped with the one helper
(`fangkong.authz.scoped`): a campaign and its rounds the node they were launched at, a site and a
tube where they stand, a sample, exemption and isolation the person's own node (the grid).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fangkong.db import Base, UTCDateTime, utcnow


class Campaign(Base):
    """An area-wide screening (区域核酸筛查) over one or more jurisdiction nodes, run in rounds."""

    __tablename__ = "screening_campaigns"
    __table_args__ = (Index("ix_screening_campaigns_jurisdiction_id", "jurisdiction_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # Assumed prevalence for the planning calculator (Dorfman expected tests), a share in [0, 1).
    assumed_prevalence: Mapped[float] = mapped_column(Float, default=0.001)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Area(Base):
    """A covered node of a campaign and its sampling mode; its residents are the roster."""

    __tablename__ = "screening_areas"
    __table_args__ = (UniqueConstraint("campaign_id", "jurisdiction_code", name="uq_screening_areas_campaign_code"),
                      Index("ix_screening_areas_jurisdiction", "jurisdiction_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("screening_campaigns.id", ondelete="CASCADE"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    mode: Mapped[str] = mapped_column(String(12))  # single | household | pooled | by_risk
    risk_level: Mapped[str | None] = mapped_column(String(8))
    pool_size: Mapped[int] = mapped_column(Integer)  # swabs per tube, resolved from the mode at creation


class Round(Base):
    """One round of a campaign. The Ct threshold and the profile are fixed at launch."""

    __tablename__ = "screening_rounds"
    __table_args__ = (UniqueConstraint("campaign_id", "number", name="uq_screening_rounds_campaign_number"),
                      Index("ix_screening_rounds_jurisdiction_id", "jurisdiction_code", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("screening_campaigns.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ct_threshold: Mapped[float] = mapped_column(Float)
    profile_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict | None] = mapped_column(JSON)  # the engine's summary at the last resolution
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class GridCount(Base):
    """Progress of a round in one node (the residents' own node, a grid): kept current as samples,
    exemptions and resolutions arrive, so coverage pages never count a whole round."""

    __tablename__ = "screening_grid_counts"
    __table_args__ = (UniqueConstraint("round_id", "jurisdiction_code", name="uq_screening_grid_counts_round_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id", ondelete="CASCADE"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    roster: Mapped[int] = mapped_column(Integer, default=0)  # residents at launch
    exempt: Mapped[int] = mapped_column(Integer, default=0)
    sampled: Mapped[int] = mapped_column(Integer, default=0)
    cleared: Mapped[int] = mapped_column(Integer, default=0)
    recheck: Mapped[int] = mapped_column(Integer, default=0)


class Site(Base):
    """A sampling site (采样点) of a campaign with its capacity."""

    __tablename__ = "screening_sites"
    __table_args__ = (UniqueConstraint("campaign_id", "name", name="uq_screening_sites_campaign_name"),
                      Index("ix_screening_sites_jurisdiction_id", "jurisdiction_code", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("screening_campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    address: Mapped[str] = mapped_column(Text, default="")
    capacity_per_hour: Mapped[int] = mapped_column(Integer)
    samplers: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Exemption(Base):
    """A resident left out of a round's denominator, with the reason (in quarantine, hospitalised, away)."""

    __tablename__ = "screening_exemptions"
    __table_args__ = (UniqueConstraint("round_id", "person_id", name="uq_screening_exemptions_round_person"),
                      Index("ix_screening_exemptions_jurisdiction", "round_id", "jurisdiction_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    # Set when the person is sampled after all: the exemption no longer counts.
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tube(Base):
    """A collection tube: its swabs (samples) never exceed `pool_size`, and it is sealed once sent.

    `outcome` is the engine's resolution (positive / indeterminate / negative / pending), with the
    round's Ct threshold applied to the lab's result.
    """

    __tablename__ = "screening_tubes"
    __table_args__ = (Index("ix_screening_tubes_round_jurisdiction", "round_id", "jurisdiction_code"),
                      Index("ix_screening_tubes_round_outcome", "round_id", "outcome"),
                      Index("ix_screening_tubes_jurisdiction_id", "jurisdiction_code", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # the barcode the lab reports
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id", ondelete="CASCADE"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("screening_sites.id"))
    kind: Mapped[str] = mapped_column(String(12), default="screening")  # screening | recheck
    mode: Mapped[str] = mapped_column(String(12))  # single | household | pooled
    pool_size: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | sent
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lab_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    min_ct: Mapped[float | None] = mapped_column(Float)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    turnaround_hours: Mapped[float | None] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sample(Base):
    """One swab of one person in one tube. A repeat in the same round needs a reason and replaces
    the earlier sample for resolution (`replaced_by_id`); a sample never moves to another tube."""

    __tablename__ = "screening_samples"
    __table_args__ = (Index("ix_screening_samples_round_person", "round_id", "person_id"),
                      Index("ix_screening_samples_round_jurisdiction", "round_id", "jurisdiction_code"),
                      Index("ix_screening_samples_tube", "tube_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    tube_id: Mapped[int] = mapped_column(ForeignKey("screening_tubes.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("screening_sites.id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    kind: Mapped[str] = mapped_column(String(12), default="screening")  # screening | recheck
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collector: Mapped[str] = mapped_column(String(64))
    repeat_reason: Mapped[str] = mapped_column(Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("screening_samples.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | cleared | recheck
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TubeResult(Base):
    """A lab's result for a tube as received. Natural key: tube + lab + report time (re-uploads add nothing)."""

    __tablename__ = "screening_results"
    __table_args__ = (UniqueConstraint("tube_id", "lab_id", "reported_at", name="uq_screening_results_natural"),
                      Index("ix_screening_results_round", "round_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tube_id: Mapped[int] = mapped_column(ForeignKey("screening_tubes.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id", ondelete="CASCADE"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    result: Mapped[str] = mapped_column(String(16))
    ct_orf1ab: Mapped[float | None] = mapped_column(Float)
    ct_n: Mapped[float | None] = mapped_column(Float)
    lab_id: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Isolation(Base):
    """Temporary isolation (临时单独管控) of a member of a positive or indeterminate tube until the
    single-tube re-check: isolated → released (negative) or case (positive)."""

    __tablename__ = "screening_isolations"
    __table_args__ = (UniqueConstraint("round_id", "person_id", name="uq_screening_isolations_round_person"),
                      Index("ix_screening_isolations_jurisdiction_id", "jurisdiction_code", "id"),
                      Index("ix_screening_isolations_tube", "tube_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    tube_id: Mapped[int] = mapped_column(ForeignKey("screening_tubes.id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    reason: Mapped[str] = mapped_column(String(16))  # positive_pool | indeterminate | positive
    status: Mapped[str] = mapped_column(String(12), default="isolated")  # isolated | released | case
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recheck_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
