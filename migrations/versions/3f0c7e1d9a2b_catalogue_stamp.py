"""catalogue stamp

Revision ID: 3f0c7e1d9a2b
Revises: 20217185505f
Create Date: 2026-11-27 04:45:00.000000

A one-row table whose stamp database triggers draw anew, at random, with every change that
can alter what the catalogue shows (lms.courses.models.CatalogueStamp): a row of a table the
catalogue's statement reads inserted or deleted, or one of the columns it reads changed.

PostgreSQL: deferred constraint triggers, so the stamp row is locked only at commit, after
everything else the transaction locks (the audit chain's head, locked just before commit):
a lock taken mid-transaction would serialise every writer of courses from its first change
to its commit and could deadlock with the audit chain's.

SQLite drops a table's triggers with the table: a later migration that rebuilds one of these
tables (batch "move and copy") must create its triggers again (tests/courses check they exist).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f0c7e1d9a2b'
down_revision = '20217185505f'
branch_labels = None
depends_on = None

# What lms.courses.services.catalogue reads, table by table, as of this revision.
READ = {
    "course": ("id", "slug", "title", "summary", "language", "cpd_hours", "organisation_id"),
    "course_version": ("id", "course_id", "number", "status"),
    "module": ("id", "version_id"),
    "organisation": ("id", "name"),
}

# A fresh random stamp: 64 bits on SQLite, 53 on PostgreSQL (random() is a double).
NEW_STAMP = {"sqlite": "random()", "postgresql": "floor(random() * 9007199254740992)::bigint"}


def _bump(dialect):
    return (f"INSERT INTO catalogue_stamp (id, stamp) VALUES (1, {NEW_STAMP[dialect]}) "
            "ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp")


def _changed(columns, distinct):
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def upgrade():
    op.create_table('catalogue_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_stamp'))
    )
    dialect = op.get_bind().dialect.name
    # An upsert, so that the row comes back if it is ever deleted (tests empty every table).
    op.execute(_bump(dialect))
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION catalogue_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {_bump(dialect)};\n    RETURN NULL;\nEND\n$$"
        )
        for table, columns in READ.items():
            for name, event, when in (
                ("insert_delete", "INSERT OR DELETE", ""),
                ("update", "UPDATE", f" WHEN ({_changed(columns, 'IS DISTINCT FROM')})"),
            ):
                # WHEN is checked at once; only rows that pass queue the deferred trigger.
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER catalogue_stamp_{table}_{name} AFTER {event} "
                    f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW{when} "
                    "EXECUTE FUNCTION catalogue_stamp_bump()"
                )
    else:
        for table, columns in READ.items():
            for event, when in (
                ("INSERT", ""), ("DELETE", ""), ("UPDATE", f" WHEN {_changed(columns, 'IS NOT')}"),
            ):
                op.execute(
                    f"CREATE TRIGGER catalogue_stamp_{table}_{event.lower()} AFTER {event} ON {table}"
                    f"{when} BEGIN {_bump(dialect)}; END"
                )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in READ:
            for name in ("insert_delete", "update"):
                op.execute(f"DROP TRIGGER catalogue_stamp_{table}_{name} ON {table}")
        op.execute("DROP FUNCTION catalogue_stamp_bump()")
    else:
        for table in READ:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER catalogue_stamp_{table}_{event}")
    op.drop_table('catalogue_stamp')
