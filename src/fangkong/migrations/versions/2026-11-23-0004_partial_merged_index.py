"""persons.merged_into_id: a partial index (only merged records)

Nearly every person has merged_into_id NULL, and nearly every person query filters on
``merged_into_id IS NULL``. Without statistics (the app never runs ANALYZE) SQLite takes the
full index on that column for an equality and walks every live person: the importers'
``resident_id IN (…) AND merged_into_id IS NULL`` look-ups became full scans (a 100,000-case import
over 1,000,000 persons spent 60 s there) and ``dedup.detect_since`` became quadratic. Indexing only
the merged records keeps the look-up of "records merged into X" (the only use of this index)
and leaves the live records to uq_persons_resident_id_live and the other indexes.
(benchmarks/README.md, "Findings".)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_MERGED = "merged_into_id IS NOT NULL"


def upgrade() -> None:
    op.drop_index('ix_persons_merged_into_id', table_name='persons')
    op.create_index('ix_persons_merged_into_id', 'persons', ['merged_into_id'], unique=False,
                    sqlite_where=sa.text(_MERGED), postgresql_where=sa.text(_MERGED))


def downgrade() -> None:
    op.drop_index('ix_persons_merged_into_id', table_name='persons')
    op.create_index('ix_persons_merged_into_id', 'persons', ['merged_into_id'], unique=False)
