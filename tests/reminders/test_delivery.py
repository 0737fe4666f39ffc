"""Reminder emails end to end: a real Celery worker sends them over SMTP to the session's
aiosmtpd server; assertions are on what that server received."""
import re
import time
from urllib.parse import urlsplit

import pytest

from lms.extensions import db
from lms.reminders import services
from lms.reminders.models import ReminderLog
from lms.reminders.tasks import send_reminder
from lms.tasks import ping
from tests.factories import create_course, create_user
from tests.helpers import login, post_form, text_of
from tests.reminders.helpers import DAY, logs, now, situation

pytestmark = pytest.mark.worker

LINK_RE = re.compile(r"https?://[^\s<>\"]+")


def mails_to(mailbox, email):
    return [m for m in list(mailbox.messages) if m["To"].addresses[0].addr_spec == email]


def wait_for_mails(mailbox, email, count, worker=None, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mails_to(mailbox, email)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    log = worker.log_text()[-4000:] if worker else ""
    pytest.fail(f"expected {count} mail(s) to {email}, got {len(mails_to(mailbox, email))}\n{log}")


def worker_caught_up(app):
    """Every task queued before this one has run: one worker child takes them in order."""
    ping.delay("barrier").get(timeout=30)


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def link_path(text, fragment):
    [url] = [u for u in LINK_RE.findall(text) if fragment in u]
    return urlsplit(url).path


def test_enrolling_through_http_sends_one_confirmation(app, client, celery_worker, mailbox):
    learner = create_user(locale="nb", name="Kari Nordmann")
    course = create_course(title="GxP essentials", default_due_days=30)
    login(client, learner)
    response = post_form(client, f"/courses/{course.slug}/enrol", page=f"/courses/{course.slug}")
    assert response.status_code == 302

    [mail] = wait_for_mails(mailbox, learner.email, 1, celery_worker)
    assert mail["Subject"] == "Du er påmeldt GxP essentials"
    assert mail["To"].addresses[0].display_name == "Kari Nordmann"
    assert mail["Content-Language"] == "nb"
    text, html = parts(mail)
    assert "Hei Kari Nordmann," in text and "Fremdrift: 0" in text
    assert '<html lang="nb">' in html and "Start kurset" in html
    # The continue link works when followed (logged in: straight to the first lesson).
    start = client.get(link_path(text, "/continue"))
    assert start.status_code == 302 and f"/courses/{course.slug}/lessons/" in start.location

    worker_caught_up(app)
    assert len(mails_to(mailbox, learner.email)) == 1
    [row] = logs(kinds=("enrolment_confirmation",))
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None


def test_a_sweep_sends_each_reminder_once_in_the_learners_language(app, client, celery_worker, mailbox):
    at = now()
    course = create_course(title="Signal detection")
    english = situation(at, course, due_in=5 * DAY, locale="en", name="Emma English")
    norwegian = situation(at, course, due_in=-2 * DAY, locale="nb", name="Nora Nordmann")
    swedish = situation(at, course, idle=20 * DAY, locale="sv", name="Sven Svensson")

    assert services.run_sweep(at).recorded == 3
    [en] = wait_for_mails(mailbox, english.user.email, 1, celery_worker)
    [nb] = wait_for_mails(mailbox, norwegian.user.email, 1, celery_worker)
    [sv] = wait_for_mails(mailbox, swedish.user.email, 1, celery_worker)

    assert en["Subject"] == "One week left: Signal detection"
    assert nb["Subject"] == "Fristen er passert: Signal detection"
    assert sv["Subject"] == "Fortsätt där du slutade: Signal detection"
    en_text, en_html = parts(en)
    assert "Hello Emma English," in en_text and "one week from now" in en_text
    assert english.due_at.strftime("%B") in en_text and "Progress: 0%" in en_text
    assert "Signal detection" in en_html and '<html lang="en">' in en_html
    nb_text, nb_html = parts(nb)
    assert "Hei Nora Nordmann," in nb_text and "Frist" in nb_text and '<html lang="nb">' in nb_html
    sv_text, sv_html = parts(sv)
    assert "Hej Sven Svensson," in sv_text and "20 dagar" in sv_text and '<html lang="sv">' in sv_html
    for mail in (en, nb, sv):
        assert mail["List-Unsubscribe"].startswith("<http") and "/one-click>" in mail["List-Unsubscribe"]
    raw = [e.original_content or e.content for e in list(mailbox.envelopes)
           if english.user.email in e.rcpt_tos]
    assert re.search(rb"\nList-Unsubscribe: <http://\S+/one-click>\r?\n", raw[0])  # not encoded
    # A mail arrives before its sender commits "sent": wait for the worker, then look.
    worker_caught_up(app)
    assert {row.status for row in logs()} == {"sent"}

    # Again, and a redelivered send task: nothing more.
    assert services.run_sweep(at).recorded == 0
    send_reminder.delay(logs()[0].id)
    worker_caught_up(app)
    for person in (english, norwegian, swedish):
        assert len(mails_to(mailbox, person.user.email)) == 1

    # The continue link, followed by the learner after logging in.
    login(client, english.user)
    assert client.get(link_path(en_text, "/continue")).status_code == 302

    # Norwegian learner unsubscribes with the link from the email, without logging in.
    anonymous = app.test_client()
    unsubscribe = link_path(nb_text, "/reminders/unsubscribe/")
    assert "Meld meg av påminnelser" in text_of(anonymous.get(unsubscribe))
    assert post_form(anonymous, unsubscribe).status_code == 200
    # Her deadline moves and passes again: a new period, but she has opted out.
    norwegian = db.session.get(type(norwegian), norwegian.id)
    norwegian.due_at = at + DAY / 2
    db.session.commit()
    assert services.run_sweep(at + DAY).recorded == 0
    worker_caught_up(app)
    assert len(mails_to(mailbox, norwegian.user.email)) == 1


def test_a_send_queued_before_the_learner_opted_out_is_skipped(app, celery_worker, mailbox):
    at = now()
    enrolment = situation(at, due_in=-DAY)
    held = []
    services.run_sweep(at, enqueue=held.extend)  # recorded; its task not sent yet
    enrolment.user.reminders_opt_out = True
    db.session.commit()
    services.enqueue_reminders(held)
    worker_caught_up(app)
    assert mails_to(mailbox, enrolment.user.email) == []
    [row] = logs()
    assert row.status == "skipped"


def test_the_cli_runs_the_sweep_once_and_the_worker_sends(app, celery_worker, mailbox):
    enrolment = situation(now(), due_in=-3 * DAY)
    result = app.test_cli_runner().invoke(args=["lms", "reminders-sweep"])
    assert result.exit_code == 0 and "1 reminder recorded" in result.output
    [mail] = wait_for_mails(mailbox, enrolment.user.email, 1, celery_worker)
    assert mail["Subject"].startswith("Overdue: ")
    again = app.test_cli_runner().invoke(args=["lms", "reminders-sweep"])
    assert "0 reminders recorded" in again.output
    worker_caught_up(app)
    assert db.session.query(ReminderLog).count() == 1
    assert len(mails_to(mailbox, enrolment.user.email)) == 1
