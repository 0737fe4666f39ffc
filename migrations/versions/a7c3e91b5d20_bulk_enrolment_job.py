"""bulk enrolment job

A bulk enrolment CSV is applied by a worker: the job row holds the file's text, its status
(queued, running, done, failed), progress and result.

Revision ID: a7c3e91b5d20
Revises: 8e1f2a9c4b7d
Create Date: 2026-12-05 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil  # noqa: F401  (UTCDateTime columns)


revision = 'a7c3e91b5d20'
down_revision = '8e1f2a9c4b7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bulk_enrolment_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=False),
        sa.Column('submitted_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('submission_key', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('csv_text', sa.Text(), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('enqueued_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('started_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_bulk_enrolment_job_submitted_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_enrolment_job')),
        sa.UniqueConstraint('submission_key', name=op.f('uq_bulk_enrolment_job_submission_key')),
    )
    with op.batch_alter_table('bulk_enrolment_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_enrolment_job_submitted_by_id'), ['submitted_by_id'], unique=False)
        batch_op.create_index('ix_bulk_enrolment_job_status_enqueued_at', ['status', 'enqueued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('bulk_enrolment_job', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_enrolment_job_status_enqueued_at')
        batch_op.drop_index(batch_op.f('ix_bulk_enrolment_job_submitted_by_id'))
    op.drop_table('bulk_enrolment_job')
