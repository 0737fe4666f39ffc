"""Reminders: record who is due which email (before it is sent), in batches with flat memory.

The log row is the promise: it is written before the send task is enqueued, and its unique
(enrolment, kind, period_key) makes a second sweep, a redelivered task or two beats at once
record (and so send) nothing more. Sending lives in lms.reminders.delivery.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager

from lms.policy import Forbidden, can
from lms.accounts.models import User
from lms.after_commit import call_after_commit
from lms.audit.services import record_event
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders import policy
from lms.reminders.expiry_sweep import record_due
from lms.reminders.hooks import enqueue_reminders
from lms.reminders.models import ReminderLog
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    recorded: int  # new reminder log rows, each with one send task enqueued
    requeued: int  # older pending rows whose send task was enqueued again
    batches: int


# PostgreSQL: the whole batch as three array parameters. Tens of thousands of row parameters
# cost psycopg more time to parse than the database takes to insert them. WITH ORDINALITY
# keeps the (sorted) order, so two concurrent sweeps take the unique keys in the same order.
_PG_INSERT = text(
    "INSERT INTO reminder_log (enrolment_id, kind, period_key, status, attempts, created_at, queued_at) "
    "SELECT e, k, p, 'pending', 0, :now, :now "
    "FROM unnest(CAST(:e AS integer[]), CAST(:k AS varchar[]), CAST(:p AS varchar[])) "
    "WITH ORDINALITY AS batch(e, k, p, n) ORDER BY n "
    "ON CONFLICT (enrolment_id, kind, period_key) DO NOTHING RETURNING id"
)


def _insert_logs(reminders, now):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the ids of the rows this call inserted,
    each with queued_at = created_at = ``now`` (the caller enqueues their send tasks once it
    commits, so no second statement is needed to record that).
    A row another sweep (or transaction) holds already is skipped, on SQLite and PostgreSQL;
    on PostgreSQL a concurrent insert of the same key waits for the other to commit."""
    if not reminders:
        return []
    # Sorted, so two concurrent sweeps take the unique keys in the same order (no deadlock).
    ordered = sorted(reminders)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.execute(_PG_INSERT, {
            "now": now, "e": [r.enrolment_id for r in ordered],
            "k": [r.kind for r in ordered], "p": [r.period_key for r in ordered],
        }).scalars()
        return sorted(ids)
    # SQLite: one statement, many parameter sets; SQLAlchemy compiles it once and sends the
    # rows in multi-row batches ("insertmanyvalues"), RETURNING included.
    table = ReminderLog.__table__
    stmt = (
        sqlite_insert(table)
        .on_conflict_do_nothing(index_elements=["enrolment_id", "kind", "period_key"])
        .returning(table.c.id)
    )
    rows = [
        {"enrolment_id": r.enrolment_id, "kind": r.kind, "period_key": r.period_key,
         "status": "pending", "attempts": 0, "created_at": now,
         "queued_at": now}
        for r in ordered
    ]
    return sorted(db.session.execute(stmt, rows).scalars())


def _candidates(after_id, now, limit):
    """The next batch of enrolments that may be due, by ascending id (keyset pagination).
    The database does the narrowing: active enrolments of active, opted-in learners that are
    near or past their deadline, or inactive for long enough."""
    from lms.compliance.binding import MATRIX_SOURCES  # the matrix's modules import this one
    from lms.compliance.exemptions import exempt_clause

    due_before, inactive_before = policy.sweep_cutoffs(now, current_app.config["REMINDER_INACTIVITY_DAYS"])
    query = (
        select(
            Enrolment.id, Enrolment.status, Enrolment.enrolled_at, Enrolment.due_at,
            Enrolment.last_activity_at, User.is_active_account, User.reminders_opt_out, Enrolment.source,
        )
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.id > after_id,
            Enrolment.status == "active",
            User.is_active_account.is_(True),
            User.reminders_opt_out.is_(False),
            or_(
                Enrolment.due_at <= due_before,
                Enrolment.last_activity_at <= inactive_before,
                and_(Enrolment.last_activity_at.is_(None), Enrolment.enrolled_at <= inactive_before),
            ),
            # An enrolment the matrix opened says nothing to a person exempt from the course.
            or_(Enrolment.source.not_in(MATRIX_SOURCES),
                ~exists().where(exempt_clause(Enrolment.user_id, Enrolment.course_id, now))),
        )
        .order_by(Enrolment.id)
        .limit(limit)
    )
    return [
        policy.EnrolmentFacts(
            enrolment_id=row[0], status=row[1], enrolled_at=row[2], due_at=row[3],
            last_activity_at=row[4], account_active=row[5], opted_out=row[6], source=row[7],
        )
        for row in db.session.execute(query)
    ]


def _recorded_between(first_id, last_id):
    """{enrolment_id: {(kind, period_key)}} already in the log for an id range (one query per
    batch, on the unique index), so a repeated sweep only reads."""
    recorded = {}
    rows = db.session.execute(
        select(ReminderLog.enrolment_id, ReminderLog.kind, ReminderLog.period_key)
        .where(ReminderLog.enrolment_id.between(first_id, last_id))
    )
    for enrolment_id, kind, key in rows:
        recorded.setdefault(enrolment_id, set()).add((kind, key))
    return recorded


def _enqueue_after_commit(ids, enqueue):
    if ids:
        call_after_commit(db.session(), enqueue, list(ids))


def _last_queued():
    """When a row's send task was last enqueued: queued_at, or created_at for rows recorded
    before queued_at existed."""
    return func.coalesce(ReminderLog.queued_at, ReminderLog.created_at)


def requeue_unsent(now=None, enqueue=None):
    """Enqueue again the send task of pending rows whose task was last enqueued (recorded,
    requeued or sent again by an admin) more than REMINDER_REQUEUE_AFTER_SECONDS ago: a task
    lost between commit and broker (broker down, process killed) is not lost for good. A
    duplicate task is harmless: delivery locks the row and sends only a pending one.

    Batch by batch (flat memory): the batch's rows get queued_at = ``now`` in one UPDATE, the
    batch is committed, then its tasks are enqueued. On PostgreSQL the batch is selected
    FOR UPDATE SKIP LOCKED, in id order: a row another sweep is requeueing, or a worker is
    delivering right now, is left to them, and two sweeps take their locks in the same order.
    The UPDATE checks the conditions again, so a row is requeued once by two sweeps at once.

    :return: how many rows were requeued
    """
    now = now or utcnow()
    enqueue = enqueue or enqueue_reminders
    config = current_app.config
    older_than = now - timedelta(seconds=config["REMINDER_REQUEUE_AFTER_SECONDS"])
    unsent = (ReminderLog.status == "pending", _last_queued() < older_than)
    total, after_id = 0, 0
    while True:
        ids = list(db.session.scalars(
            select(ReminderLog.id)
            .where(*unsent, ReminderLog.id > after_id)
            .order_by(ReminderLog.id).limit(config["REMINDER_BATCH_SIZE"])
            .with_for_update(skip_locked=True)
        ))
        if not ids:
            return total
        after_id = ids[-1]
        requeued = sorted(db.session.scalars(
            update(ReminderLog).where(ReminderLog.id.in_(ids), *unsent)
            .values(queued_at=now).returning(ReminderLog.id)
            .execution_options(synchronize_session=False)
        ))
        _enqueue_after_commit(requeued, enqueue)
        db.session.commit()
        total += len(requeued)


def run_sweep(now=None, enqueue=None):
    """Record every reminder that is due at ``now`` and enqueue one send task for each row this
    sweep inserted, batch by batch: each batch is committed before its tasks are enqueued.

    :param now: timezone-aware UTC datetime (default: the current time)
    :param enqueue: callable taking a list of log ids (default: the Celery send task)
    :return: :class:`SweepResult`
    """
    now = now or utcnow()
    enqueue = enqueue or enqueue_reminders
    config = current_app.config
    batch_size = config["REMINDER_BATCH_SIZE"]
    inactivity_days = config["REMINDER_INACTIVITY_DAYS"]
    requeued = requeue_unsent(now, enqueue)
    recorded, batches, after_id = 0, 0, 0
    while True:
        candidates = _candidates(after_id, now, batch_size)
        if not candidates:
            break
        batches += 1
        first_id, after_id = candidates[0].enrolment_id, candidates[-1].enrolment_id
        already = _recorded_between(first_id, after_id)
        due = [
            reminder
            for facts in candidates
            for reminder in policy.due_reminders(
                facts, now, inactivity_days, already.get(facts.enrolment_id, frozenset())
            )
        ]
        ids = _insert_logs(due, now)
        _enqueue_after_commit(ids, enqueue)
        db.session.commit()
        recorded += len(ids)
    # Certificate expiry notices: the same log, the same send task (lms.reminders.expiry).
    expiry_recorded, expiry_batches = record_due(
        now, batch_size, _recorded_between, _insert_logs, lambda ids: _enqueue_after_commit(ids, enqueue),
    )
    recorded += expiry_recorded
    batches += expiry_batches
    log.info("reminder sweep at=%s recorded=%s requeued=%s batches=%s",
             now.isoformat(), recorded, requeued, batches)
    return SweepResult(recorded=recorded, requeued=requeued, batches=batches)


def record_enrolment_confirmation(enrolment):
    """Record the enrolment-confirmation email for a new enrolment (in the caller's
    transaction) and enqueue its send task once that transaction commits."""
    facts = policy.EnrolmentFacts(
        enrolment_id=enrolment.id, status=enrolment.status or "active",
        enrolled_at=enrolment.enrolled_at,
    )
    reminder = policy.DueReminder(enrolment.id, policy.CONFIRMATION, policy.period_key(policy.CONFIRMATION, facts))
    ids = _insert_logs([reminder], utcnow())
    _enqueue_after_commit(ids, enqueue_reminders)
    return ids[0] if ids else None


def set_reminders_opt_out(user, opted_out):
    """Opt ``user`` out of (or back into) reminder emails; honoured by every later sweep and by
    sends already queued (delivery checks again). The caller commits."""
    if user.reminders_opt_out != opted_out:
        user.reminders_opt_out = opted_out
        log.info("reminders %s user_id=%s", "opted out" if opted_out else "opted in", user.id)


# ------------------------------------------------------------------ failed reminders, again

# The largest id an integer primary key can hold: a bigger one in a URL is no row, not a
# database error (PostgreSQL refuses to compare an integer column with it).
_MAX_ID = 2**31 - 1


class NoSuchReminder(LookupError):
    """There is no reminder log row with this id."""


def _require_manage(actor):
    if actor is not None and not can(actor, "reminder.manage"):
        raise Forbidden("reminder.manage")


def failed_reminders(actor=None):
    """The reminders that failed for good, newest first, each with its enrolment, learner and
    course loaded (a select, for paging).

    :param actor: the user asking, or None for the system (the CLI)
    :raises Forbidden: ``actor`` may not manage reminders
    """
    _require_manage(actor)
    return (
        select(ReminderLog)
        .join(ReminderLog.enrolment).join(Enrolment.user).join(Enrolment.course)
        .options(contains_eager(ReminderLog.enrolment).contains_eager(Enrolment.user),
                 contains_eager(ReminderLog.enrolment).contains_eager(Enrolment.course))
        .where(ReminderLog.status == "failed")
        .order_by(ReminderLog.created_at.desc(), ReminderLog.id.desc())
    )


def count_failed_reminders():
    return db.session.scalar(select(func.count()).select_from(ReminderLog).where(ReminderLog.status == "failed"))


def resend_failed(actor=None, log_id=None, enqueue=None):
    """Send again the reminders that failed for good (all, or the one ``log_id``): each goes
    back to pending with its attempts reset, gets an audit event ``reminder.resent``, and has
    its send task enqueued once the caller commits. The same row is sent again, so its unique
    (enrolment, kind, period) key still lets the reminder go out at most once; delivery checks
    again whether it still applies (a learner who opted out since gets nothing, the row
    becomes "skipped"). The last error (and failed_at) is kept until a new attempt replaces
    it. queued_at is set to now, so the sweep's requeue (requeue_unsent) leaves the row to
    this task for REMINDER_REQUEUE_AFTER_SECONDS instead of enqueueing it a second time.

    Rows that are not failed (sent, pending, skipped) are left alone, and two admins pressing
    the button at once resend a row once: the status change is one conditional UPDATE.

    :param actor: the user asking, or None for the system (the CLI)
    :param log_id: one reminder log id, or None for every failed reminder
    :param enqueue: callable taking a list of log ids (default: the Celery send task)
    :return: sorted ids of the reminders queued again (empty when there was nothing to do)
    :raises Forbidden: ``actor`` may not manage reminders
    :raises NoSuchReminder: ``log_id`` is no reminder
    """
    _require_manage(actor)
    criteria = [ReminderLog.status == "failed"]
    if log_id is not None:
        if not 0 < log_id <= _MAX_ID or db.session.get(ReminderLog, log_id) is None:
            raise NoSuchReminder(log_id)
        criteria.append(ReminderLog.id == log_id)
    rows = db.session.scalars(
        update(ReminderLog).where(*criteria).values(status="pending", attempts=0, queued_at=utcnow())
        .returning(ReminderLog).execution_options(populate_existing=True)
    ).all()
    rows.sort(key=lambda row: row.id)
    for row in rows:
        record_event("reminder.resent", row, actor=actor, enrolment_id=row.enrolment_id,
                     kind=row.kind, period_key=row.period_key)
    ids = [row.id for row in rows]
    _enqueue_after_commit(ids, enqueue or enqueue_reminders)
    log.info("failed reminders queued again count=%s log_id=%s actor_id=%s",
             len(ids), log_id, actor.id if actor is not None else None)
    return ids
