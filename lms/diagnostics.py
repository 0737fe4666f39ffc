"""Counting what a block of code asks of the database, for tests and benchmarks."""
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def statements_run(engine):
    """The SQL of every statement run on ``engine`` in the block, as a list of strings."""
    statements = []

    def record(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
