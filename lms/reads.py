"""Hot reads on a connection of the process's own, outside the request's session.

Nearly every learner request starts with the same reads: the logged-in account, then the
lesson and enrolment it asks for. Through the session each costs a pool checkout, a
transaction begun and ended and SQLAlchemy's statement execution, together several times
what the database spends; a page that writes nothing needs none of that. :func:`read` runs
such a statement on a DBAPI connection that each process (and thread) keeps open for this
alone, as the SQL compiled once per statement and dialect, with the column types' own result
processing (timezone-aware datetimes, booleans) applied to the rows.

What it reads is what has been committed when it runs, as a statement in autocommit does:
PostgreSQL's connection is in autocommit, SQLite's runs single SELECTs outside any
transaction and each read finishes its cursor, so no snapshot is held between requests. So:

- only plain SELECTs whose rows do not depend on this request's own uncommitted writes
  (the request's session writes in a transaction this connection does not see);
- a lost connection (a database restart) is opened again and the read retried once;
  other errors come as SQLAlchemy's DBAPIError, as through the session.
"""
import os
import threading
from contextlib import contextmanager

from sqlalchemy import event, exc
from sqlalchemy.sql import Select

from lms.extensions import db

_local = threading.local()
_inherited = []  # connections a forked child must neither use nor close (SQLite forbids both)


def _forget_after_fork():
    global _local
    _inherited.append(_local)
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_after_fork)


class _Prepared:
    """A SELECT compiled for one dialect: its SQL, parameter order and type processing."""

    __slots__ = ("sql", "names", "positional", "defaults", "bind_processors", "result_processors")

    def __init__(self, statement, dialect):
        if not isinstance(statement, Select):
            raise TypeError("lms.reads runs SELECT statements only")
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("lms.reads takes no expanding (IN list) or literal-execute parameters")
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
        # Values written into the statement (``column == 1`` binds 1) unless the caller's
        # parameters name them.
        self.defaults = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        self.bind_processors = {
            name: processor for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in statement.selected_columns]
        self.result_processors = tuple((i, p) for i, p in enumerate(processors) if p is not None)

    def parameters(self, params):
        values = {**self.defaults, **params} if self.defaults else params
        missing = [name for name in self.names if name not in values]
        if missing:
            raise TypeError(f"lms.reads: no value for the parameter(s) {', '.join(missing)}")
        values = {name: values[name] for name in self.names}
        for name, processor in self.bind_processors.items():
            values[name] = processor(values[name])
        return [values[name] for name in self.names] if self.positional else values

    def rows(self, raw_rows):
        processors = self.result_processors
        if not processors:
            return [tuple(row) for row in raw_rows]
        rows = []
        for raw in raw_rows:
            row = list(raw)
            for i, processor in processors:
                row[i] = processor(row[i])
            rows.append(tuple(row))
        return rows


def read(statement, params=None):
    """The rows (tuples) of a SELECT built once by the caller, run on the process's own
    connection to the app's database.

    :param statement: a Core ``select()`` with named ``bindparam``s; keep the same object for
        every call (it is compiled once, by identity)
    :param params: {name: value} for its bind parameters
    """
    engine = db.engine
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        # An in-memory database is the one connection that holds it: read in the session.
        return [tuple(row) for row in db.session.connection().execute(statement, params or {})]
    prepared = _prepared(statement, engine.dialect)
    arguments = prepared.parameters(params or {})
    for record in _recorders:
        record(prepared.sql)
    for attempt in (1, 2):
        connection = _connection(engine)
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(prepared.sql, arguments)
                raw = cursor.fetchall()
            finally:
                cursor.close()
        except engine.dialect.loaded_dbapi.Error as error:
            lost = _lost(engine, error, connection)
            if lost:
                _discard(engine)
            if lost and attempt == 1:
                continue
            raise exc.DBAPIError.instance(prepared.sql, arguments, error, engine.dialect.loaded_dbapi.Error,
                                          dialect=engine.dialect) from error
        return prepared.rows(raw)


def read_one(statement, params=None):
    """The first row of :func:`read`, or None."""
    rows = read(statement, params)
    return rows[0] if rows else None


def _prepared(statement, dialect):
    # Keyed by the statement itself (a SELECT hashes and compares by identity) and kept with it.
    key = (dialect.name, statement)
    prepared = _prepared_cache.get(key)
    if prepared is None:
        prepared = _prepared_cache[key] = _Prepared(statement, dialect)
    return prepared


_prepared_cache = {}


def _connection(engine):
    """This process's and thread's connection to the engine's database, opened on first use."""
    connections = getattr(_local, "connections", None)
    if connections is None:
        connections = _local.connections = {}
    connection = connections.get(engine.url)
    if connection is None:
        pooled = engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # ours from now on: never returned to, nor reset by, the pool
        if engine.dialect.name == "postgresql":
            connection.autocommit = True
        connections[engine.url] = connection
    return connection


def _lost(engine, error, connection):
    try:
        return engine.dialect.is_disconnect(error, connection, None)
    except Exception:  # noqa: BLE001 - a dialect that cannot tell: treat the connection as lost
        return True


def _discard(engine):
    connection = _local.connections.pop(engine.url, None)
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - it is gone either way
            pass


_recorders = []


@contextmanager
def statements_run(engine):
    """The SQL of every statement run on ``engine`` in the block, through its connections and
    through :func:`read`, as a list of strings: for tests and benchmarks that count them."""
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    _recorders.append(statements.append)
    try:
        yield statements
    finally:
        _recorders.remove(statements.append)
        event.remove(engine, "before_cursor_execute", record)
