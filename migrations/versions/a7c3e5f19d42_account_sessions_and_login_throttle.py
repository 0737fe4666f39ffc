"""account session generation, email verification, login throttle

Revision ID: a7c3e5f19d42
Revises: a7c3e91b5d20
Create Date: 2026-12-05 18:05:00.000000

user.session_generation: bumped to end every session of an account (logout, password change,
deactivation, role change); cookies carry it. user.email_verified: false for a self-service
sign-up until the emailed link is followed; every account that exists now counts as verified.
login_throttle: failed logins per (hashed) account name, for the per-account lockout.
"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil


# revision identifiers, used by Alembic.
revision = 'a7c3e5f19d42'
down_revision = 'a7c3e91b5d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('email_verified', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', lms.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('locked_until', lms.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    op.create_index(op.f('ix_login_throttle_last_failure_at'), 'login_throttle', ['last_failure_at'])


def downgrade():
    op.drop_index(op.f('ix_login_throttle_last_failure_at'), table_name='login_throttle')
    op.drop_table('login_throttle')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_verified')
        batch_op.drop_column('session_generation')
