"""Tracing: venues, investigations and itineraries, exposure searches and exposures, contacts and
placement requests, transmission links, clusters; persons.household_code

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import fangkong.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

UTC = fangkong.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('tracing_venues',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('place_code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('cell_id', sa.BigInteger(), nullable=True),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('risk_flag', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_tracing_venues_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_venues')),
    sa.UniqueConstraint('place_code', name=op.f('uq_tracing_venues_place_code'))
    )
    op.create_index(op.f('ix_tracing_venues_cell_id'), 'tracing_venues', ['cell_id'], unique=False)
    op.create_index('ix_tracing_venues_jurisdiction_id', 'tracing_venues', ['jurisdiction_code', 'id'], unique=False)
    op.create_table('tracing_clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('household_code', sa.String(length=40), nullable=True),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opened_at', UTC, nullable=False),
    sa.Column('closed_at', UTC, nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_tracing_clusters_jurisdiction_code_jurisdictions')),
    sa.ForeignKeyConstraint(['venue_id'], ['tracing_venues.id'], name=op.f('fk_tracing_clusters_venue_id_tracing_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_clusters'))
    )
    op.create_index('ix_tracing_clusters_jurisdiction_id', 'tracing_clusters', ['jurisdiction_code', 'id'], unique=False)
    op.create_table('tracing_cluster_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_tracing_cluster_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cluster_id'], ['tracing_clusters.id'], name=op.f('fk_tracing_cluster_cases_cluster_id_tracing_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_cluster_cases')),
    sa.UniqueConstraint('cluster_id', 'case_id', name='uq_tracing_cluster_cases_cluster_case')
    )
    op.create_index('ix_tracing_cluster_cases_case', 'tracing_cluster_cases', ['case_id'], unique=False)
    op.create_table('tracing_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('source_case_id', sa.Integer(), nullable=False),
    sa.Column('via_contact_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('found_by', sa.String(length=16), nullable=False),
    sa.Column('exposure_date', sa.Date(), nullable=True),
    sa.Column('last_exposure_at', UTC, nullable=True),
    sa.Column('proximity', sa.String(length=32), nullable=True),
    sa.Column('setting', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('converted_case_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['converted_case_id'], ['cases.id'], name=op.f('fk_tracing_contacts_converted_case_id_cases')),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_tracing_contacts_jurisdiction_code_jurisdictions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracing_contacts_person_id_persons')),
    sa.ForeignKeyConstraint(['source_case_id'], ['cases.id'], name=op.f('fk_tracing_contacts_source_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tracing_contacts_team_id_teams')),
    sa.ForeignKeyConstraint(['via_contact_id'], ['tracing_contacts.id'], name=op.f('fk_tracing_contacts_via_contact_id_tracing_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_contacts')),
    sa.UniqueConstraint('person_id', 'source_case_id', 'via_contact_id', name='uq_tracing_contacts_person_case_via')
    )
    op.create_index('ix_tracing_contacts_case_id', 'tracing_contacts', ['source_case_id', 'id'], unique=False)
    op.create_index('ix_tracing_contacts_jurisdiction_id', 'tracing_contacts', ['jurisdiction_code', 'id'], unique=False)
    op.create_index('ix_tracing_contacts_person', 'tracing_contacts', ['person_id'], unique=False)
    op.create_index('ix_tracing_contacts_via', 'tracing_contacts', ['via_contact_id'], unique=False)
    op.create_table('tracing_exposure_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('requested_at', UTC, nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('finished_at', UTC, nullable=True),
    sa.Column('window_start', UTC, nullable=False),
    sa.Column('window_end', UTC, nullable=False),
    sa.Column('engine', sa.String(length=8), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('contacts_created', sa.Integer(), nullable=True),
    sa.Column('unknown_persons', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_tracing_exposure_searches_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_tracing_exposure_searches_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_exposure_searches'))
    )
    op.create_index(op.f('ix_tracing_exposure_searches_case_id'), 'tracing_exposure_searches', ['case_id'], unique=False)
    op.create_index('ix_tracing_exposure_searches_status', 'tracing_exposure_searches', ['status', 'id'], unique=False)
    op.create_table('tracing_investigations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('started_at', UTC, nullable=False),
    sa.Column('team_on_site_at', UTC, nullable=True),
    sa.Column('core_info_at', UTC, nullable=True),
    sa.Column('reported_at', UTC, nullable=True),
    sa.Column('closed_at', UTC, nullable=True),
    sa.Column('on_site_due_at', UTC, nullable=True),
    sa.Column('core_due_at', UTC, nullable=True),
    sa.Column('report_due_at', UTC, nullable=True),
    sa.Column('profile_id', sa.String(length=64), nullable=True),
    sa.Column('window_start', UTC, nullable=True),
    sa.Column('window_end', UTC, nullable=True),
    sa.Column('exposure_source', sa.Text(), nullable=False),
    sa.Column('source_kind', sa.String(length=24), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('updated_at', UTC, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_tracing_investigations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_tracing_investigations_jurisdiction_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_investigations')),
    sa.UniqueConstraint('case_id', name=op.f('uq_tracing_investigations_case_id'))
    )
    op.create_index('ix_tracing_investigations_jurisdiction_id', 'tracing_investigations', ['jurisdiction_code', 'id'], unique=False)
    op.create_index('ix_tracing_investigations_status', 'tracing_investigations', ['status', 'id'], unique=False)
    op.create_table('tracing_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('infector_case_id', sa.Integer(), nullable=False),
    sa.Column('infectee_case_id', sa.Integer(), nullable=False),
    sa.Column('certainty', sa.String(length=10), nullable=False),
    sa.Column('setting', sa.String(length=16), nullable=True),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['infectee_case_id'], ['cases.id'], name=op.f('fk_tracing_links_infectee_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['infector_case_id'], ['cases.id'], name=op.f('fk_tracing_links_infector_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['tracing_venues.id'], name=op.f('fk_tracing_links_venue_id_tracing_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_links')),
    sa.UniqueConstraint('infector_case_id', 'infectee_case_id', name='uq_tracing_links_pair')
    )
    op.create_index('ix_tracing_links_infectee', 'tracing_links', ['infectee_case_id'], unique=False)
    op.create_table('tracing_exposures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('place_id', sa.BigInteger(), nullable=False),
    sa.Column('overlap_start', UTC, nullable=False),
    sa.Column('overlap_end', UTC, nullable=False),
    sa.Column('overlap_minutes', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_tracing_exposures_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['search_id'], ['tracing_exposure_searches.id'], name=op.f('fk_tracing_exposures_search_id_tracing_exposure_searches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_exposures'))
    )
    op.create_index('ix_tracing_exposures_case_id', 'tracing_exposures', ['case_id', 'id'], unique=False)
    op.create_index('ix_tracing_exposures_person', 'tracing_exposures', ['person_id'], unique=False)
    op.create_index(op.f('ix_tracing_exposures_search_id'), 'tracing_exposures', ['search_id'], unique=False)
    op.create_table('tracing_itinerary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('investigation_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('place_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('start_at', UTC, nullable=False),
    sa.Column('end_at', UTC, nullable=True),
    sa.Column('transport_mode', sa.String(length=12), nullable=True),
    sa.Column('transport_no', sa.String(length=32), nullable=True),
    sa.Column('carriage', sa.String(length=16), nullable=True),
    sa.Column('seat', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['investigation_id'], ['tracing_investigations.id'], name=op.f('fk_tracing_itinerary_investigation_id_tracing_investigations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['venue_id'], ['tracing_venues.id'], name=op.f('fk_tracing_itinerary_venue_id_tracing_venues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_itinerary'))
    )
    op.create_index('ix_tracing_itinerary_investigation_seq', 'tracing_itinerary', ['investigation_id', 'seq'], unique=False)
    op.create_table('tracing_placement_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('clock_start', UTC, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', UTC, nullable=False),
    sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['tracing_contacts.id'], name=op.f('fk_tracing_placement_requests_contact_id_tracing_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'], name=op.f('fk_tracing_placement_requests_jurisdiction_code_jurisdictions')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_tracing_placement_requests_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracing_placement_requests'))
    )
    op.create_index(op.f('ix_tracing_placement_requests_contact_id'), 'tracing_placement_requests', ['contact_id'], unique=False)
    op.create_index('ix_tracing_placement_requests_jurisdiction_id', 'tracing_placement_requests', ['jurisdiction_code', 'id'], unique=False)
    op.add_column('persons', sa.Column('household_code', sa.String(length=40), nullable=True))
    op.create_index(op.f('ix_persons_household_code'), 'persons', ['household_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_persons_household_code'), table_name='persons')
    with op.batch_alter_table('persons') as batch:
        batch.drop_column('household_code')
    op.drop_table('tracing_placement_requests')
    op.drop_table('tracing_itinerary')
    op.drop_table('tracing_exposures')
    op.drop_table('tracing_links')
    op.drop_table('tracing_investigations')
    op.drop_table('tracing_exposure_searches')
    op.drop_table('tracing_contacts')
    op.drop_table('tracing_cluster_cases')
    op.drop_table('tracing_clusters')
    op.drop_table('tracing_venues')
