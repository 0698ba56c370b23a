"""The tracing tables exist after migration 0006 and the ORM models match the migrated schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import fangkong.models as models
from fangkong.db import current_revision, make_engine

TRACING_TABLES = {
    "tracing_venues", "tracing_investigations", "tracing_itinerary", "tracing_exposure_searches",
    "tracing_exposures", "tracing_contacts", "tracing_placement_requests", "tracing_links",
    "tracing_clusters", "tracing_cluster_cases",
}


def test_migration_creates_tracing_tables(db_url):
    assert current_revision(db_url) == "0006"
    inspector = inspect(make_engine(db_url))
    assert TRACING_TABLES <= set(inspector.get_table_names())
    assert "household_code" in {c["name"] for c in inspector.get_columns("persons")}
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("tracing_contacts")}
    assert ("person_id", "source_case_id", "via_contact_id") in uniques


def test_models_and_migrations_agree(db_url):
    with make_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), models.Base.metadata)
    assert diff == []
