"""enrolment.status holds "no_longer_required" (18 characters): widen it to 24; the training
matrix's covering index on enrolment (declared in lms/compliance/models.py)

Revision ID: a3c9e1f27b40
Revises: 5e2a9c7d1b40
Create Date: 2026-12-05 21:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c9e1f27b40'
down_revision = '5e2a9c7d1b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=16), type_=sa.String(length=24),
                              existing_nullable=False)
        batch_op.create_index('ix_enrolment_matrix', ['user_id', 'course_id', 'status', 'completed_at',
                                                      'version_id', 'valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolment_matrix')
        batch_op.alter_column('status', existing_type=sa.String(length=24), type_=sa.String(length=16),
                              existing_nullable=False)
