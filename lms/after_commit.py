"""Run callbacks only after the surrounding transaction commits (e.g. enqueue a task).

A task enqueued before commit could run before its rows exist, or for rows a rollback
then removes; this is the one place that defers such work."""
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "lms_after_commit"


def call_after_commit(session, func, *args):
    session.info.setdefault(_KEY, []).append((func, args))


def collect_after_commit(session, func):
    """A list that ``func`` is called with once, after the transaction commits: every caller
    in the transaction appends to the same list (one call for many items, e.g. one broker
    connection for many tasks). A rollback drops it with the other callbacks."""
    for registered, args in session.info.get(_KEY, ()):
        if registered is func:
            return args[0]
    items = []
    call_after_commit(session, func, items)
    return items


@event.listens_for(Session, "after_commit")
def _run(session):
    if session.in_nested_transaction():
        return  # a savepoint was released: the real commit is still to come
    for func, args in session.info.pop(_KEY, []):
        func(*args)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_KEY, None)
