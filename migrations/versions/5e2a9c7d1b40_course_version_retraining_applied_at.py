"""course_version.retraining_applied_at: a major version's retraining is applied once

Revision ID: 5e2a9c7d1b40
Revises: a3f1c9e7b2d4
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import lms.timeutil  # noqa: F401  (UTCDateTime columns)


revision = '5e2a9c7d1b40'
down_revision = 'a3f1c9e7b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retraining_applied_at', lms.timeutil.UTCDateTime(timezone=True), nullable=True))
    # Versions published before retraining existed have nothing left to apply.
    op.execute("UPDATE course_version SET retraining_applied_at = published_at "
               "WHERE status IN ('published', 'archived') AND published_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.drop_column('retraining_applied_at')
