"""Teams, tasks with deadlines, timelines and notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import fangkong.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

UTC = fangkong.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('department', sa.String(length=32), nullable=False),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_teams_jurisdiction_code_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
        sa.UniqueConstraint('jurisdiction_code', 'name', name='uq_teams_jurisdiction_name'),
    )
    op.create_index('ix_teams_department_jurisdiction', 'teams', ['department', 'jurisdiction_code'])

    op.create_table(
        'team_members',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_members')),
    )
    op.create_index(op.f('ix_team_members_user_id'), 'team_members', ['user_id'])

    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_type', sa.String(length=48), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('subject_type', sa.String(length=24), nullable=True),
        sa.Column('subject_id', sa.String(length=64), nullable=True),
        sa.Column('jurisdiction_code', sa.String(length=15), nullable=False),
        sa.Column('department', sa.String(length=32), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('bundle_id', sa.String(length=48), nullable=True),
        sa.Column('step_key', sa.String(length=48), nullable=True),
        sa.Column('profile_id', sa.String(length=64), nullable=True),
        sa.Column('start_at', UTC, nullable=True),
        sa.Column('due_at', UTC, nullable=False),
        sa.Column('priority', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_at', UTC, nullable=True),
        sa.Column('completed_at', UTC, nullable=True),
        sa.Column('completion_note', sa.Text(), nullable=False),
        sa.Column('cancel_reason', sa.Text(), nullable=False),
        sa.Column('overdue_notified_at', UTC, nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['jurisdiction_code'], ['jurisdictions.code'],
                                name=op.f('fk_tasks_jurisdiction_code_jurisdictions')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tasks_team_id_teams')),
        sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tasks_assignee_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
        sa.UniqueConstraint('subject_type', 'subject_id', 'bundle_id', 'step_key', 'start_at',
                            name='uq_tasks_bundle_step'),
    )
    op.create_index('ix_tasks_jurisdiction_status_due', 'tasks', ['jurisdiction_code', 'status', 'due_at'])
    op.create_index('ix_tasks_assignee_status', 'tasks', ['assignee_id', 'status'])
    op.create_index('ix_tasks_team_status', 'tasks', ['team_id', 'status'])
    op.create_index('ix_tasks_status_due', 'tasks', ['status', 'due_at'])
    op.create_index('ix_tasks_due_jurisdiction', 'tasks', ['due_at', 'jurisdiction_code'])
    op.create_index('ix_tasks_subject', 'tasks', ['subject_type', 'subject_id'])

    op.create_table(
        'task_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC, nullable=False),
        sa.Column('actor_username', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_events_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_events')),
    )
    op.create_index('ix_task_events_task_id', 'task_events', ['task_id', 'id'])

    op.create_table(
        'task_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('stored_path', sa.String(length=255), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_attachments_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_attachments')),
    )
    op.create_index(op.f('ix_task_attachments_task_id'), 'task_attachments', ['task_id'])

    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('read_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_notifications_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at', 'id'])
    op.create_index(op.f('ix_notifications_task_id'), 'notifications', ['task_id'])


def downgrade() -> None:
    op.drop_table('notifications')
    op.drop_table('task_attachments')
    op.drop_table('task_events')
    op.drop_table('tasks')
    op.drop_table('team_members')
    op.drop_table('teams')
