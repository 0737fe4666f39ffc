"""Certificate expiry notices end to end: the sweep records them, a real Celery worker sends
them over SMTP to the session's aiosmtpd server, once each, in the learner's language; an
opted-out learner still gets them for a course their job requires, and not otherwise."""
import time
from datetime import timedelta

import pytest
from babel.dates import format_date

from lms.certificates.recert import open_recertifications
from lms.reminders import services
from tests.certificates.recert_helpers import completion, require_course, validity_course
from tests.factories import create_user
from tests.helpers import login
from tests.reminders.helpers import DAY, now
from tests.reminders.test_delivery import link_path, mails_to, parts, wait_for_mails, worker_caught_up

pytestmark = pytest.mark.worker

NOTICE_WORDS = ("certificate", "kursbevis", "intyg")


def notices(mailbox, email):
    return [m for m in mails_to(mailbox, email) if any(w in m["Subject"].lower() for w in NOTICE_WORDS)
            and not m["Subject"].startswith("Your certificate for ")]


def wait_for_notices(mailbox, email, count, worker):
    wait_for_mails(mailbox, email, count, worker)  # at least that many mails of any kind
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(notices(mailbox, email)) < count:
        time.sleep(0.05)
    found = notices(mailbox, email)
    assert len(found) >= count, [m["Subject"] for m in mails_to(mailbox, email)]
    return found


def holder(course, valid_until, locale="en", opted_out=False, required=False, name=None):
    learner = create_user(locale=locale, name=name)
    learner.reminders_opt_out = opted_out
    if required:
        require_course(learner, course)
    return completion(learner, course, valid_until, issue=False)


def test_expiry_notices_arrive_once_each_at_60_30_7_and_0_days(app, client, celery_worker, mailbox):
    at = now()
    course = validity_course(title="Aseptic filling")
    expires = at + 60 * DAY
    nora = holder(course, expires, locale="nb", opted_out=True, required=True, name="Nora Nordmann")
    otto = holder(course, expires, opted_out=True, name="Otto Optout")
    emma = holder(course, expires, name="Emma English")
    # Nora's recertification enrolment is open (beat would have opened it the same day).
    open_recertifications(at)

    moments = (at, at + 30 * DAY, at + 53 * DAY, at + 60 * DAY)
    for number, moment in enumerate(moments, start=1):
        assert services.run_sweep(moment).recorded >= 2  # Nora's and Emma's
        wait_for_notices(mailbox, nora.user.email, number, celery_worker)
        wait_for_notices(mailbox, emma.user.email, number, celery_worker)
        # The same moment again, and a little later: nothing more.
        services.run_sweep(moment + timedelta(hours=2))
        worker_caught_up(app)
        assert len(notices(mailbox, nora.user.email)) == number
        assert len(notices(mailbox, emma.user.email)) == number
    assert notices(mailbox, otto.user.email) == []

    nb = notices(mailbox, nora.user.email)
    assert [m["Subject"] for m in nb] == [
        "Kursbeviset ditt utløper om 60 dager: Aseptic filling",
        "Kursbeviset ditt utløper om 30 dager: Aseptic filling",
        "Kursbeviset ditt utløper om 7 dager: Aseptic filling",
        "Kursbeviset ditt har utløpt: Aseptic filling",
    ]
    text, html = parts(nb[0])
    assert nb[0]["Content-Language"] == "nb" and '<html lang="nb">' in html
    assert "Hei Nora Nordmann," in text
    assert format_date(expires.date(), "long", locale="nb") in text
    assert "obligatorisk samsvarsvarsel" in text and "Start resertifiseringen" in text
    # A mandatory notice offers no one-click unsubscribe (it would not stop these).
    assert nb[0]["List-Unsubscribe"] is None
    # Its link leads to the recertification enrolment's next lesson.
    login(client, nora.user)
    start = client.get(link_path(text, "/continue"))
    assert start.status_code == 302 and f"/courses/{course.slug}/lessons/" in start.location

    en = notices(mailbox, emma.user.email)
    assert [m["Subject"] for m in en] == [
        "Your certificate expires in 60 days: Aseptic filling",
        "Your certificate expires in 30 days: Aseptic filling",
        "Your certificate expires in 7 days: Aseptic filling",
        "Your certificate has expired: Aseptic filling",
    ]
    en_text, _html = parts(en[-1])
    assert "expired on " + format_date(expires.date(), "long", locale="en") in en_text
    assert en[0]["List-Unsubscribe"].startswith("<http") and "Stop reminder emails" in en_text
