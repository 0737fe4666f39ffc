"""drop the catalogue stamp and its triggers

Revision ID: 9b2e4c6d8f10
Revises: 3f0c7e1d9a2b
Create Date: 2026-12-05 18:30:00.000000

The catalogue is no longer kept whole per process by a stamp that database triggers draw
anew (their column lists had to match a query by hand): it is rendered on each request, and
anonymous pages are revalidated with an ETag instead.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b2e4c6d8f10'
down_revision = '3f0c7e1d9a2b'
branch_labels = None
depends_on = None

TABLES = ("course", "course_version", "module", "organisation")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in TABLES:
            for name in ("insert_delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS catalogue_stamp_{table}_{name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS catalogue_stamp_bump()")
    else:
        for table in TABLES:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS catalogue_stamp_{table}_{event}")
    op.drop_table('catalogue_stamp')


def downgrade():
    # The table comes back; the triggers that kept it current do not (nothing reads it).
    op.create_table('catalogue_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_stamp'))
    )
