"""Reminders that failed for good are sent again from /admin/reminders/failed or with
`flask lms reminders-resend-failed`: the same log row goes back to pending and a real worker
sends it, once, to the session's SMTP server (or skips it for a learner who opted out)."""

import pytest
from sqlalchemy import select

from lms.policy import Forbidden
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.reminders import services
from lms.reminders.models import ReminderLog
from tests.factories import create_course, create_user
from tests.helpers import login, post_form, text_of
from tests.reminders.helpers import DAY, now, situation
from tests.reminders.test_delivery import mails_to, wait_for_mails, worker_caught_up

PAGE = "/admin/reminders/failed"
ERROR = "SMTPRecipientsRefused: {'kari@example.test': (451, b'4.2.1 Mailbox busy')}"


def failed_reminder(name="Kari Nordmann", course=None, opted_out=False):
    """An overdue reminder recorded by a sweep whose every send attempt failed."""
    enrolment = situation(now(), course=course, due_in=-DAY, name=name)
    held = []
    services.run_sweep(enqueue=held.extend)  # recorded; no task sent
    row = db.session.get(ReminderLog, held[-1])
    row.status, row.attempts, row.last_error = "failed", 5, ERROR
    enrolment.user.reminders_opt_out = opted_out
    db.session.commit()
    return row


def reload(row):
    db.session.expire_all()
    return db.session.get(ReminderLog, row.id)


def resent_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder.resent")
                              .order_by(AuditEvent.id)).all()


def admin_login(app, name="Ada Admin"):
    client = app.test_client()
    client.user = create_user(role="admin", name=name)
    login(client, client.user)
    return client


def resend(client, log_id=None):
    url = f"{PAGE}/{log_id}/resend" if log_id is not None else f"{PAGE}/resend"
    return post_form(client, url, page=PAGE)


# --------------------------------------------------------------------------- permissions

POSTS = [f"{PAGE}/resend", f"{PAGE}/1/resend"]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.location.startswith("/login")
    for url in POSTS:
        response = post_form(client, url, page="/login")
        assert response.status_code == 302 and response.location.startswith("/login"), url


@pytest.mark.parametrize("role", ["learner", "author"])
def test_learners_and_authors_are_refused(app, role):
    row = failed_reminder()
    client = app.test_client()
    login(client, create_user(role=role))
    page = client.get(PAGE)
    assert page.status_code == 403 and "Kari Nordmann" not in text_of(page)
    for url in [f"{PAGE}/resend", f"{PAGE}/{row.id}/resend"]:
        assert post_form(client, url, page="/account").status_code == 403, url
    assert reload(row).status == "failed" and resent_events() == []


@pytest.mark.parametrize("role", ["learner", "author"])
def test_the_service_refuses_too(app, role):
    row = failed_reminder()
    with pytest.raises(Forbidden):
        services.resend_failed(create_user(role=role), log_id=row.id, enqueue=lambda ids: None)
    with pytest.raises(Forbidden):
        services.failed_reminders(create_user(role=role))
    assert reload(row).status == "failed"


def test_posting_without_the_form_token_is_refused(app):
    row = failed_reminder()
    client = admin_login(app)
    assert client.post(f"{PAGE}/{row.id}/resend").status_code == 400
    assert client.post(f"{PAGE}/resend").status_code == 400
    assert reload(row).status == "failed"


# --------------------------------------------------------------------------- the page


def test_admins_see_failed_reminders_linked_from_the_dashboard(app):
    course = create_course(title="GxP essentials")
    row = failed_reminder(course=course)
    other = situation(now(), due_in=-DAY, name="Sven Sent")  # sent: not listed
    held = []
    services.run_sweep(enqueue=held.extend)
    db.session.get(ReminderLog, held[0]).status = "sent"
    db.session.commit()
    client = admin_login(app)

    dashboard = text_of(client.get("/admin/"))
    assert 'href="/admin/reminders/failed"' in dashboard and "Failed reminders</a> (1)" in dashboard
    page = client.get(PAGE)
    body = text_of(page)
    assert page.status_code == 200
    assert "Kari Nordmann" in body and "GxP essentials" in body and "Overdue" in body
    assert "SMTPRecipientsRefused: {&#39;kari@example.test&#39;" in body  # escaped
    assert f'action="/admin/reminders/failed/{row.id}/resend"' in body
    assert 'action="/admin/reminders/failed/resend"' in body
    assert other.user.name not in body
    assert "1 failed reminder" in body


def test_with_nothing_failed_the_page_says_so(app):
    client = admin_login(app)
    body = text_of(client.get(PAGE))
    assert "No reminder has failed." in body and "/failed/resend" not in body


@pytest.mark.parametrize("url", [
    f"{PAGE}/999999/resend",
    f"{PAGE}/0/resend",
    f"{PAGE}/99999999999999999999/resend",  # beyond any integer column
    f"{PAGE}/-1/resend",
    f"{PAGE}/abc/resend",
])
def test_bad_ids_are_404(app, url):
    client = admin_login(app)
    response = post_form(client, url, page=PAGE)
    assert response.status_code == 404
    assert "Something went wrong" not in text_of(response)


def test_a_reminder_that_has_not_failed_is_not_sent_again(app):
    row = failed_reminder()
    row.status, row.attempts, row.last_error = "sent", 1, None
    db.session.commit()
    client = admin_login(app)
    response = resend(client, row.id)
    assert response.status_code == 302 and response.location.endswith(PAGE)
    assert "has not failed (its status is: sent)" in text_of(client.get(PAGE))
    row = reload(row)
    assert (row.status, row.attempts) == ("sent", 1) and resent_events() == []


def test_the_send_is_queued_only_after_the_commit(app):
    row = failed_reminder()
    admin = create_user(role="admin")
    queued = []
    assert services.resend_failed(admin, log_id=row.id, enqueue=queued.extend) == [row.id]
    assert queued == []  # not before the commit
    db.session.rollback()
    assert queued == [] and reload(row).status == "failed"  # a rollback queues nothing

    services.resend_failed(admin, enqueue=queued.extend)
    db.session.commit()
    assert queued == [row.id]
    assert (reload(row).status, reload(row).attempts) == ("pending", 0)


# --------------------------------------------------------------------------- with a real worker


@pytest.mark.worker
def test_a_failed_reminder_sent_again_from_the_page_arrives_once(app, celery_worker, mailbox):
    row = failed_reminder()
    learner = row.enrolment.user
    client = admin_login(app)

    response = resend(client, row.id)
    assert response.status_code == 302
    assert "The reminder is queued to be sent again." in text_of(client.get(PAGE))
    [mail] = wait_for_mails(mailbox, learner.email, 1, celery_worker)
    assert mail["Subject"].startswith("Overdue: ")
    worker_caught_up(app)
    row = reload(row)
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None
    [event] = resent_events()
    assert event.actor_id == client.user.id and event.subject_type == "reminderlog"
    assert event.subject_id == row.id and event.data["kind"] == "overdue"

    # Pressed again (a second tab), and "send all": nothing more goes out.
    assert resend(client, row.id).status_code == 302
    assert resend(client).status_code == 302
    assert "0 reminders are queued to be sent again." in text_of(client.get(PAGE))
    worker_caught_up(app)
    assert len(mails_to(mailbox, learner.email)) == 1
    assert reload(row).status == "sent" and len(resent_events()) == 1
    assert "No reminder has failed." in text_of(client.get(PAGE))


@pytest.mark.worker
def test_send_all_again_skips_learners_who_opted_out_since(app, celery_worker, mailbox):
    course = create_course()
    kept = failed_reminder(name="Kari Nordmann", course=course)
    gone = failed_reminder(name="Ola Optout", course=course, opted_out=True)
    client = admin_login(app)
    assert "(unsubscribed)" in text_of(client.get(PAGE))

    response = resend(client)
    assert response.status_code == 302
    assert "2 reminders are queued to be sent again." in text_of(client.get(PAGE))
    wait_for_mails(mailbox, kept.enrolment.user.email, 1, celery_worker)
    worker_caught_up(app)
    assert mails_to(mailbox, gone.enrolment.user.email) == []
    assert reload(kept).status == "sent" and reload(gone).status == "skipped"
    assert len(resent_events()) == 2


@pytest.mark.worker
def test_the_cli_sends_failed_reminders_again(app, celery_worker, mailbox):
    row = failed_reminder()
    other = failed_reminder(name="Sven Svensson")
    runner = app.test_cli_runner()

    one = runner.invoke(args=["lms", "reminders-resend-failed", "--id", str(row.id)])
    assert one.exit_code == 0, one.output
    assert "1 failed reminder queued to be sent again." in one.output
    wait_for_mails(mailbox, row.enrolment.user.email, 1, celery_worker)
    worker_caught_up(app)
    assert reload(row).status == "sent" and reload(other).status == "failed"

    again = runner.invoke(args=["lms", "reminders-resend-failed", "--id", str(row.id)])
    assert again.exit_code == 0
    assert "0 failed reminders queued" in again.output and f"Reminder {row.id} is sent" in again.output

    missing = runner.invoke(args=["lms", "reminders-resend-failed", "--id", "999999"])
    assert missing.exit_code != 0 and "No reminder with id 999999." in missing.output

    rest = runner.invoke(args=["lms", "reminders-resend-failed"])
    assert rest.exit_code == 0 and "1 failed reminder queued" in rest.output
    wait_for_mails(mailbox, other.enrolment.user.email, 1, celery_worker)
    worker_caught_up(app)
    assert reload(other).status == "sent"
    assert len(mails_to(mailbox, row.enrolment.user.email)) == 1
    assert [e.actor_id for e in resent_events()] == [None, None]  # the system, not a user
