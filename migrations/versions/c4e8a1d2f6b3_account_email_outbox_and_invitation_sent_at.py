"""account emails in the outbox, user.invitation_sent_at

outbox.subject_id may be empty and outbox.payload holds what a task needs besides a subject:
the password-reset email is an outbox row carrying the address asked for (the request looks no
account up). user.invitation_sent_at: when the bulk-enrolment invitation was sent, a column
instead of the audit event user.invitation_sent (filled from those events).

Revision ID: c4e8a1d2f6b3
Revises: a7c3e5f19d42
Create Date: 2026-12-05 19:40:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = 'c4e8a1d2f6b3'
down_revision = 'a7c3e5f19d42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('subject_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_sent_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True))
    # "user" quoted: a reserved word in PostgreSQL.
    op.execute(
        'UPDATE "user" SET invitation_sent_at = (SELECT min(audit_event.at) FROM audit_event '
        "WHERE audit_event.action = 'user.invitation_sent' "
        "AND audit_event.subject_type = 'user' AND audit_event.subject_id = \"user\".id) "
        "WHERE id IN (SELECT subject_id FROM audit_event WHERE action = 'user.invitation_sent' "
        "AND subject_type = 'user')"
    )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('invitation_sent_at')
    op.execute("DELETE FROM outbox WHERE subject_id IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('payload')
        batch_op.alter_column('subject_id', existing_type=sa.Integer(), nullable=False)
