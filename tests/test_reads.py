"""lms.reads: hot reads on the process's own connection, outside the request's session."""
import os
from datetime import timedelta

import pytest
from sqlalchemy import bindparam, exc, func, select, text, update

from lms import reads
from lms.accounts.models import User
from lms.extensions import db
from lms.timeutil import utcnow
from tests.factories import create_user

USERS = User.__table__
BY_ID = select(
    USERS.c.id, USERS.c.email, USERS.c.is_active_account, USERS.c.created_at, USERS.c.reminders_opt_out,
).where(USERS.c.id == bindparam("user_id"))


def test_rows_come_typed_as_through_the_session(app):
    user = create_user()
    expected = tuple(db.session.execute(BY_ID, {"user_id": user.id}).one())
    got = reads.read_one(BY_ID, {"user_id": user.id})
    assert got == expected
    assert got[2] is True and got[4] is False  # booleans, not SQLite's 1 and 0
    assert got[3].tzinfo is not None and abs(got[3] - utcnow()) < timedelta(minutes=5)
    assert reads.read_one(BY_ID, {"user_id": user.id + 1000}) is None
    assert reads.read(BY_ID, {"user_id": user.id}) == [expected]


def test_each_read_sees_what_is_committed_by_then(app):
    user = create_user()
    assert reads.read_one(BY_ID, {"user_id": user.id})[1] == user.email
    db.session.execute(update(USERS).where(USERS.c.id == user.id).values(email="renamed@example.test"))
    db.session.flush()
    # Not yet committed: the session's transaction is its own.
    assert reads.read_one(BY_ID, {"user_id": user.id})[1] == user.email
    db.session.commit()
    assert reads.read_one(BY_ID, {"user_id": user.id})[1] == "renamed@example.test"
    # No snapshot is held between reads: another connection's commit shows at once.
    with db.engine.begin() as other:
        other.execute(update(USERS).where(USERS.c.id == user.id).values(email="again@example.test"))
    assert reads.read_one(BY_ID, {"user_id": user.id})[1] == "again@example.test"


def test_a_lost_connection_is_opened_again(app):
    user = create_user()
    assert reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id
    reads._connection(db.engine).close()
    assert reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id


@pytest.mark.postgresql
def test_a_connection_the_server_ended_is_opened_again(app):
    user = create_user()
    pid = reads.read_one(select(func.pg_backend_pid()))[0]
    with db.engine.begin() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    assert reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id
    assert reads.read_one(select(func.pg_backend_pid()))[0] != pid


def test_database_errors_come_as_sqlalchemy_errors(app):
    missing = select(text("x")).select_from(text("no_such_table"))
    with pytest.raises(exc.DBAPIError):
        reads.read(missing)
    user = create_user()  # the connection is still good
    assert reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id


def test_only_selects(app):
    with pytest.raises(TypeError):
        reads.read(update(USERS).values(name="x"))


def test_a_forked_child_opens_its_own_connection(app):
    user = create_user()
    parent = reads._connection(db.engine)
    assert reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, never return into pytest
        try:
            ok = reads._connection(db.engine) is not parent
            ok = ok and reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id
            os.write(write_end, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 2)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert reads._connection(db.engine) is parent
    assert reads.read_one(BY_ID, {"user_id": user.id})[0] == user.id


def test_statements_run_counts_reads_beside_the_sessions_statements(app):
    user_id = create_user().id
    with reads.statements_run(db.engine) as statements:
        reads.read_one(BY_ID, {"user_id": user_id})
        db.session.execute(BY_ID, {"user_id": user_id}).one()
    assert len(statements) == 2 and all("is_active_account" in sql for sql in statements)
    reads.read_one(BY_ID, {"user_id": user_id})
    assert len(statements) == 2  # nothing recorded after the block


def test_values_written_into_the_statement_and_missing_parameters(app):
    user = create_user(name="Ada Lovelace")
    named = select(USERS.c.id).where(USERS.c.name == "Ada Lovelace", USERS.c.id == bindparam("user_id"))
    assert reads.read(named, {"user_id": user.id}) == [(user.id,)]
    with pytest.raises(TypeError, match="user_id"):
        reads.read(named, {})
