"""outbox, and certificate.emailed_at

outbox: the work a commit promises (issue a certificate, email it, send an invitation),
written in the same transaction and handed to Celery after it, and again by beat until done.
certificate.emailed_at: when the "certificate issued" email went out, a column instead of the
audit event certificate.email_sent (filled from those events for certificates emailed before).

Revision ID: 8e1f2a9c4b7d
Revises: 9b2e4c6d8f10
Create Date: 2026-12-05 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '8e1f2a9c4b7d'
down_revision = '9b2e4c6d8f10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('created_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('handed_over_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('done_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    )
    op.create_index('ix_outbox_pending', 'outbox', ['done_at', 'handed_over_at'], unique=False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emailed_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE certificate SET emailed_at = (SELECT min(audit_event.at) FROM audit_event "
        "WHERE audit_event.action = 'certificate.email_sent' "
        "AND audit_event.subject_type = 'certificate' AND audit_event.subject_id = certificate.id)"
    )


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('emailed_at')
    op.drop_index('ix_outbox_pending', table_name='outbox')
    op.drop_table('outbox')
