"""bulk enrolment job: the organisation an org admin's job is limited to

Revision ID: a3f1c9e7b2d4
Revises: 159889777e55
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f1c9e7b2d4'
down_revision = '159889777e55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bulk_enrolment_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_bulk_enrolment_job_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bulk_enrolment_job_organisation_id_organisation'),
                                    'organisation', ['organisation_id'], ['id'])


def downgrade():
    with op.batch_alter_table('bulk_enrolment_job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bulk_enrolment_job_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bulk_enrolment_job_organisation_id'))
        batch_op.drop_column('organisation_id')
