"""Promise work in the caller's transaction; hand it over after commit; sweep what was not
handed over or not finished; mark it done."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from lms.after_commit import collect_after_commit
from lms.extensions import db
from lms.outbox.handover import hand_over
from lms.outbox.models import Outbox
from lms.timeutil import utcnow

log = logging.getLogger(__name__)

# Rows done this long ago are deleted by the sweep: the table holds what is in progress and a
# month of history to look into, not every promise ever made.
KEEP_DONE = timedelta(days=30)


def promise(kind, subject_id, payload=None):
    """Record work of ``kind`` on ``subject_id`` in the caller's transaction; once that
    commits, it is handed to the worker (and, should that fail, by the next sweep).

    :param payload: text the task reads from the row (see Outbox.payload)
    :return: the flushed Outbox row
    """
    row = Outbox(kind=kind, subject_id=subject_id, payload=payload, handed_over_at=utcnow(), attempts=1)
    db.session.add(row)
    db.session.flush()
    collect_after_commit(db.session(), _hand_over_committed).append((row.id, kind, subject_id))
    return row


def _hand_over_committed(items):
    """After commit: hand the transaction's promises over; those that could not be are marked
    never handed over, so the next sweep takes them without waiting the hand-over time."""
    failed, error = hand_over(items)
    if failed:
        _mark_not_handed_over(failed, error)


def _mark_not_handed_over(ids, error):
    # On a connection of its own: this runs after the caller's commit, outside its session.
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(Outbox).where(Outbox.id.in_(ids), Outbox.done_at.is_(None))
                .values(handed_over_at=None, last_error=f"{type(error).__name__}: {error}"[:2000])
            )
    except Exception as exc:  # noqa: BLE001  (they are handed over after the hand-over time)
        log.warning("outbox rows %s not marked for the next sweep: %r", ids, exc)


def mark_done(outbox_id):
    """Mark a row done (in the caller's transaction).

    Called before work that cannot be undone (an email), it is a claim: the row is locked
    until the caller commits, a second delivery of the same row finds it done, and a failed
    send rolls the mark back for the retry.

    :return: False when the row was done already; True otherwise (also without an id)
    """
    if outbox_id is None:
        return True
    result = db.session.execute(
        update(Outbox).where(Outbox.id == outbox_id, Outbox.done_at.is_(None))
        .values(done_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def take_payload(outbox_id):
    """A row's payload, cleared in the caller's transaction (it may be an address anyone
    typed: it is not kept once used). None without an id or a payload."""
    if outbox_id is None:
        return None
    payload = db.session.scalar(select(Outbox.payload).where(Outbox.id == outbox_id))
    if payload is not None:
        db.session.execute(update(Outbox).where(Outbox.id == outbox_id).values(payload=None)
                           .execution_options(synchronize_session=False))
    return payload


def sweep(now=None, batch_size=500):
    """Hand over again every row not done that was never handed over (the last hand-over
    failed) or whose last hand-over is older than OUTBOX_HANDOVER_SECONDS (its message was
    lost, or its worker died). Batch by batch: each batch is claimed by one conditional UPDATE
    (its first statement, so on SQLite it waits for the write lock instead of upgrading a read
    that another sweep made stale; on PostgreSQL rows another sweep holds are skipped) and
    committed before it is handed over, so two sweeps at once hand a row over once. Rows done
    more than KEEP_DONE ago are deleted.

    :return: how many rows were handed over
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_HANDOVER_SECONDS"])
    due = (Outbox.done_at.is_(None),
           or_(Outbox.handed_over_at.is_(None), Outbox.handed_over_at < cutoff))
    total, after_id = 0, 0
    while True:
        batch = (select(Outbox.id).where(*due, Outbox.id > after_id).order_by(Outbox.id)
                 .limit(batch_size).with_for_update(skip_locked=True))
        claimed = db.session.execute(
            update(Outbox).where(Outbox.id.in_(batch), *due)
            .values(handed_over_at=now, attempts=Outbox.attempts + 1)
            .returning(Outbox.id, Outbox.kind, Outbox.subject_id)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        if not claimed:
            break
        items = sorted(tuple(row) for row in claimed)
        after_id = items[-1][0]
        failed, error = hand_over(items)
        if failed:
            _mark_not_handed_over(failed, error)
            total += len(items) - len(failed)
            break  # the broker is down: the next sweep tries again
        total += len(items)
    db.session.execute(delete(Outbox).where(Outbox.done_at < now - KEEP_DONE))
    db.session.commit()
    if total:
        log.info("outbox sweep handed over %s rows", total)
    return total
