"""Protocol profile selection and overrides per jurisdiction

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import fangkong.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

APPEND_ONLY = ("profile_selections", "profile_overrides")


def upgrade() -> None:
    op.create_table('profile_selections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('profile_id', sa.String(length=40), nullable=False),
    sa.Column('effective_from', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_profile_selections_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_selections'))
    )
    with op.batch_alter_table('profile_selections', schema=None) as batch_op:
        batch_op.create_index('ix_profile_selections_node_from', ['jurisdiction_code', 'effective_from'], unique=False)

    op.create_table('profile_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('value', sa.JSON(none_as_null=False), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('effective_from', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', fangkong.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_profile_overrides_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_overrides'))
    )
    with op.batch_alter_table('profile_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_profile_overrides_node_from', ['jurisdiction_code', 'effective_from'], unique=False)

    # IANA zone of a node (e.g. Asia/Urumqi); inherited down the tree; none anywhere → FANGKONG_TIMEZONE.
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))

    for table in APPEND_ONLY:
        _append_only(table)


def _append_only(table: str) -> None:
    """History is the rows: the database refuses UPDATE and DELETE, as for audit_log."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    with op.batch_alter_table('jurisdictions', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('profile_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_overrides_node_from')
    op.drop_table('profile_overrides')
    with op.batch_alter_table('profile_selections', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_selections_node_from')
    op.drop_table('profile_selections')
