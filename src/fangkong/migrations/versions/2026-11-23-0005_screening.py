"""Area-wide screening: campaigns, areas, rounds, per-grid progress, sites, exemptions, tubes,
samples, lab results and temporary isolations of positive-pool members

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import fangkong.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UTC = fangkong.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'screening_campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('assumed_prevalence', sa.Float(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_campaigns_jurisdiction_code_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_campaigns'))
    )
    op.create_index('ix_screening_campaigns_jurisdiction_id', 'screening_campaigns',
                    ['jurisdiction_code', 'id'], unique=False)

    op.create_table(
        'screening_areas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('mode', sa.String(length=12), nullable=False),
        sa.Column('risk_level', sa.String(length=8), nullable=True),
        sa.Column('pool_size', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['screening_campaigns.id'],
                                name=op.f('fk_screening_areas_campaign_id_screening_campaigns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_areas_jurisdiction_code_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_areas')),
        sa.UniqueConstraint('campaign_id', 'jurisdiction_code', name='uq_screening_areas_campaign_code')
    )
    op.create_index(op.f('ix_screening_areas_campaign_id'), 'screening_areas', ['campaign_id'], unique=False)
    op.create_index('ix_screening_areas_jurisdiction', 'screening_areas', ['jurisdiction_code'], unique=False)

    op.create_table(
        'screening_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('starts_at', UTC, nullable=False),
        sa.Column('deadline_at', UTC, nullable=False),
        sa.Column('ct_threshold', sa.Float(), nullable=False),
        sa.Column('profile_id', sa.String(length=64), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('resolved_at', UTC, nullable=True),
        sa.Column('closed_at', UTC, nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['screening_campaigns.id'],
                                name=op.f('fk_screening_rounds_campaign_id_screening_campaigns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_rounds_jurisdiction_code_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_rounds')),
        sa.UniqueConstraint('campaign_id', 'number', name='uq_screening_rounds_campaign_number')
    )
    op.create_index('ix_screening_rounds_jurisdiction_id', 'screening_rounds',
                    ['jurisdiction_code', 'id'], unique=False)

    op.create_table(
        'screening_sites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('capacity_per_hour', sa.Integer(), nullable=False),
        sa.Column('samplers', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['screening_campaigns.id'],
                                name=op.f('fk_screening_sites_campaign_id_screening_campaigns'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_sites_jurisdiction_code_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_sites')),
        sa.UniqueConstraint('campaign_id', 'name', name='uq_screening_sites_campaign_name')
    )
    op.create_index('ix_screening_sites_jurisdiction_id', 'screening_sites',
                    ['jurisdiction_code', 'id'], unique=False)

    op.create_table(
        'screening_exemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('lifted_at', UTC, nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_exemptions_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                                name=op.f('fk_screening_exemptions_person_id_persons')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                                name=op.f('fk_screening_exemptions_round_id_screening_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_exemptions')),
        sa.UniqueConstraint('round_id', 'person_id', name='uq_screening_exemptions_round_person')
    )
    op.create_index('ix_screening_exemptions_jurisdiction', 'screening_exemptions',
                    ['round_id', 'jurisdiction_code'], unique=False)

    op.create_table(
        'screening_grid_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('roster', sa.Integer(), nullable=False),
        sa.Column('exempt', sa.Integer(), nullable=False),
        sa.Column('sampled', sa.Integer(), nullable=False),
        sa.Column('cleared', sa.Integer(), nullable=False),
        sa.Column('recheck', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_grid_counts_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                                name=op.f('fk_screening_grid_counts_round_id_screening_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_grid_counts')),
        sa.UniqueConstraint('round_id', 'jurisdiction_code', name='uq_screening_grid_counts_round_code')
    )

    op.create_table(
        'screening_tubes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('mode', sa.String(length=12), nullable=False),
        sa.Column('pool_size', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('sent_at', UTC, nullable=True),
        sa.Column('lab_id', sa.String(length=64), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('min_ct', sa.Float(), nullable=True),
        sa.Column('reported_at', UTC, nullable=True),
        sa.Column('first_collected_at', UTC, nullable=True),
        sa.Column('turnaround_hours', sa.Float(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_tubes_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                                name=op.f('fk_screening_tubes_round_id_screening_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['screening_sites.id'],
                                name=op.f('fk_screening_tubes_site_id_screening_sites')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_tubes')),
        sa.UniqueConstraint('code', name=op.f('uq_screening_tubes_code'))
    )
    op.create_index('ix_screening_tubes_jurisdiction_id', 'screening_tubes',
                    ['jurisdiction_code', 'id'], unique=False)
    op.create_index('ix_screening_tubes_round_jurisdiction', 'screening_tubes',
                    ['round_id', 'jurisdiction_code'], unique=False)
    op.create_index('ix_screening_tubes_round_outcome', 'screening_tubes', ['round_id', 'outcome'], unique=False)

    op.create_table(
        'screening_isolations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('tube_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('started_at', UTC, nullable=False),
        sa.Column('recheck_due_at', UTC, nullable=True),
        sa.Column('ended_at', UTC, nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_screening_isolations_case_id_cases')),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_isolations_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'],
                                name=op.f('fk_screening_isolations_person_id_persons')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                                name=op.f('fk_screening_isolations_round_id_screening_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tube_id'], ['screening_tubes.id'],
                                name=op.f('fk_screening_isolations_tube_id_screening_tubes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_isolations')),
        sa.UniqueConstraint('round_id', 'person_id', name='uq_screening_isolations_round_person')
    )
    op.create_index('ix_screening_isolations_jurisdiction_id', 'screening_isolations',
                    ['jurisdiction_code', 'id'], unique=False)
    op.create_index('ix_screening_isolations_tube', 'screening_isolations', ['tube_id'], unique=False)

    op.create_table(
        'screening_results',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tube_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('ct_orf1ab', sa.Float(), nullable=True),
        sa.Column('ct_n', sa.Float(), nullable=True),
        sa.Column('lab_id', sa.String(length=64), nullable=False),
        sa.Column('reported_at', UTC, nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'],
                                name=op.f('fk_screening_results_batch_id_import_batches')),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_results_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                                name=op.f('fk_screening_results_round_id_screening_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tube_id'], ['screening_tubes.id'],
                                name=op.f('fk_screening_results_tube_id_screening_tubes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_results')),
        sa.UniqueConstraint('tube_id', 'lab_id', 'reported_at', name='uq_screening_results_natural')
    )
    op.create_index('ix_screening_results_round', 'screening_results', ['round_id'], unique=False)

    op.create_table(
        'screening_samples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('tube_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('collected_at', UTC, nullable=False),
        sa.Column('collector', sa.String(length=64), nullable=False),
        sa.Column('repeat_reason', sa.Text(), nullable=False),
        sa.Column('replaced_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_screening_samples_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_screening_samples_person_id_persons')),
        sa.ForeignKeyConstraint(['replaced_by_id'], ['screening_samples.id'],
                                name=op.f('fk_screening_samples_replaced_by_id_screening_samples')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_rounds.id'],
                                name=op.f('fk_screening_samples_round_id_screening_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['screening_sites.id'],
                                name=op.f('fk_screening_samples_site_id_screening_sites')),
        sa.ForeignKeyConstraint(['tube_id'], ['screening_tubes.id'],
                                name=op.f('fk_screening_samples_tube_id_screening_tubes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_samples'))
    )
    op.create_index('ix_screening_samples_round_jurisdiction', 'screening_samples',
                    ['round_id', 'jurisdiction_code'], unique=False)
    op.create_index('ix_screening_samples_round_person', 'screening_samples', ['round_id', 'person_id'], unique=False)
    op.create_index('ix_screening_samples_tube', 'screening_samples', ['tube_id'], unique=False)


def downgrade() -> None:
    op.drop_table('screening_samples')
    op.drop_table('screening_results')
    op.drop_table('screening_isolations')
    op.drop_table('screening_tubes')
    op.drop_table('screening_grid_counts')
    op.drop_table('screening_exemptions')
    op.drop_table('screening_sites')
    op.drop_table('screening_rounds')
    op.drop_table('screening_areas')
    op.drop_table('screening_campaigns')
