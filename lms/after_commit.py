"""Run callbacks only after the surrounding transaction commits (e.g. enqueue a task).

A task enqueued before commit could run before its rows exist, or for rows a rollback
then removes; this is the one place that defers such work."""
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "lms_after_commit"


def call_after_commit(session, func, *args):
    session.info.setdefault(_KEY, []).append((func, args))


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
