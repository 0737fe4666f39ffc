"""The outbox through its services, on the real database (no worker: the app's broker is one
nobody consumes): promises are written with the change, the sweep hands over what is due once."""
import threading
from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.outbox import services
from lms.outbox.models import EMAIL_CERTIFICATE, ISSUE_CERTIFICATE, Outbox
from lms.timeutil import utcnow
from tests.outbox.helpers import outbox_rows


def test_a_promise_is_written_with_the_change_and_dropped_by_its_rollback(app):
    services.promise(ISSUE_CERTIFICATE, 41)
    db.session.rollback()
    assert outbox_rows() == []
    services.promise(ISSUE_CERTIFICATE, 42)
    db.session.commit()
    [row] = outbox_rows()
    assert (row.kind, row.subject_id, row.done_at, row.attempts) == (ISSUE_CERTIFICATE, 42, None, 1)
    assert row.handed_over_at is not None  # handed to the (idle) broker after the commit


def test_the_sweep_hands_over_rows_never_handed_over_or_handed_over_too_long_ago(app):
    app.config["OUTBOX_HANDOVER_SECONDS"] = 300
    now = utcnow()
    rows = {
        "failed": Outbox(kind=ISSUE_CERTIFICATE, subject_id=1, handed_over_at=None, attempts=1),
        "stale": Outbox(kind=EMAIL_CERTIFICATE, subject_id=2, handed_over_at=now - timedelta(seconds=301), attempts=1),
        "recent": Outbox(kind=ISSUE_CERTIFICATE, subject_id=3, handed_over_at=now - timedelta(seconds=100), attempts=1),
        "done": Outbox(kind=ISSUE_CERTIFICATE, subject_id=4, handed_over_at=None, done_at=now, attempts=1),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    ids = {name: row.id for name, row in rows.items()}

    assert services.sweep(now) == 2
    # A second sweep at once (another beat) finds them claimed: nothing is handed over twice.
    assert services.sweep(now) == 0
    by_id = {row.id: row for row in outbox_rows()}
    assert by_id[ids["failed"]].attempts == 2 and by_id[ids["failed"]].handed_over_at == now
    assert by_id[ids["stale"]].attempts == 2 and by_id[ids["stale"]].handed_over_at == now
    assert by_id[ids["recent"]].attempts == 1
    assert by_id[ids["done"]].attempts == 1
    # Past the hand-over time again, the rows still not done go again.
    assert services.sweep(now + timedelta(seconds=301)) == 3


def test_a_failed_hand_over_leaves_the_row_for_the_next_sweep(app):
    app.extensions["celery"].conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    services.promise(ISSUE_CERTIFICATE, 7)
    db.session.commit()  # the hand-over fails after the commit; the commit stands
    [row] = outbox_rows()
    assert row.handed_over_at is None and "Connection refused" in row.last_error
    assert services.sweep() == 0  # still down: left for the next one
    [row] = outbox_rows()
    assert row.handed_over_at is None and row.done_at is None


def test_the_sweep_deletes_rows_done_a_month_ago(app):
    now = utcnow()
    db.session.add_all([
        Outbox(kind=ISSUE_CERTIFICATE, subject_id=1, handed_over_at=now, attempts=1,
               done_at=now - services.KEEP_DONE - timedelta(minutes=1)),
        Outbox(kind=ISSUE_CERTIFICATE, subject_id=2, handed_over_at=now, attempts=1,
               done_at=now - services.KEEP_DONE + timedelta(minutes=1)),
    ])
    db.session.commit()
    assert services.sweep(now) == 0
    assert [row.subject_id for row in outbox_rows()] == [2]


def test_marking_done_is_once(app):
    row = services.promise(ISSUE_CERTIFICATE, 8)
    db.session.commit()
    services.mark_done(row.id)
    db.session.commit()
    first = db.session.scalar(select(Outbox.done_at).where(Outbox.id == row.id))
    services.mark_done(row.id)
    services.mark_done(None)
    db.session.commit()
    assert first is not None
    assert db.session.scalar(select(Outbox.done_at).where(Outbox.id == row.id)) == first


def test_the_sweep_runs_by_hand_from_the_cli(app):
    db.session.add(Outbox(kind=ISSUE_CERTIFICATE, subject_id=9, handed_over_at=None, attempts=1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "outbox-sweep"])
    assert result.exit_code == 0, result.output
    assert "1 handed over to the worker; 1 not done yet." in result.output
    [row] = outbox_rows()
    assert row.handed_over_at is not None and row.attempts == 2


def test_two_sweeps_at_once_hand_each_row_over_once(app):
    now = utcnow()
    db.session.add_all(Outbox(kind=ISSUE_CERTIFICATE, subject_id=n, handed_over_at=None, attempts=1)
                       for n in range(300))
    db.session.commit()
    counts, errors = [], []

    def one_sweep():
        try:
            with app.app_context():
                counts.append(services.sweep(now, batch_size=25))
        except Exception as exc:  # reported below, with the other thread's result
            errors.append(exc)

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and sum(counts) == 300
    assert {row.attempts for row in outbox_rows()} == {2}
