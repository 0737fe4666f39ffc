"""SQLite shared by web, worker and beat: write-ahead log, commits without a disk wait."""
import pytest
from sqlalchemy import text

from lms.extensions import db


def test_every_sqlite_connection_uses_the_write_ahead_log(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
