"""SQLite as a database shared by the web server, the worker and beat.

Every new SQLite connection switches the file to write-ahead logging (readers no longer
block the one writer, nor it them) with ``synchronous=NORMAL``: a commit appends to the log
without waiting for the disk, which is synced at checkpoints. That keeps the database
consistent after a crash of any process; a power cut can lose the last commits, which is the
trade SQLite's own documentation recommends for WAL. Production runs on PostgreSQL.
In-memory databases keep their own journal.
"""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
