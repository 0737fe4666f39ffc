"""The email to the organisation's admins when a person's signing is locked, sent by the real
worker over SMTP: their own organisation's org admins (in their language), or the site admins
where the organisation has none; nobody else."""
import time

import pytest
from flask_babel import force_locale, gettext

from tests.factories import create_course, create_org, create_user, enrol, lessons_of
from tests.helpers import login
from tests.signatures.helpers import sign

pytestmark = pytest.mark.worker


def lock(app, learner):
    course = create_course(lessons=("document",), org=learner.organisation)
    [document] = lessons_of(enrol(learner, course))
    client = app.test_client()
    login(client, learner)
    for _attempt in range(3):
        sign(client, course, document, password="wrong", email=learner.email)


def lock_emails(mailbox, count, timeout=30):
    """The signing-locked emails (not the learner's enrolment confirmation), once ``count``
    arrived and a moment passed in which no more did."""
    def found():
        return [m for m in list(mailbox.messages) if m["To"].addresses[0].addr_spec != LEARNER]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(found()) < count:
        time.sleep(0.05)
    time.sleep(0.5)
    return found()


LEARNER = "kari@example.test"


def test_the_organisation_s_admins_are_emailed_in_their_language(app, celery_worker, mailbox):
    org = create_org()
    learner = create_user(name="Kari Nordmann", email=LEARNER, org=org)
    first = create_user(role="org_admin", org=org, email="olav@example.test")
    second = create_user(role="org_admin", org=org, email="nina@example.test", locale="nb")
    create_user(role="org_admin", org=create_org(), email="other.org@example.test")
    create_user(role="admin", email="site@example.test")
    lock(app, learner)
    messages = lock_emails(mailbox, 2)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted([first.email, second.email])
    by_address = {m["To"].addresses[0].addr_spec: m for m in messages}
    english = by_address[first.email]
    assert english["Subject"] == "Electronic signing locked for Kari Nordmann"
    body = english.get_body(("plain",)).get_content()
    assert LEARNER in body and f"/admin/users/{learner.id}/record" in body
    with force_locale("nb"):
        norwegian = gettext("Electronic signing locked for %(name)s", name="Kari Nordmann")
    # (The same as the English until the catalogues carry this branch's strings.)
    assert by_address[second.email]["Subject"] == norwegian


def test_without_org_admins_the_site_admins_are_emailed(app, celery_worker, mailbox):
    learner = create_user(name="Sven Svensson", email=LEARNER)
    site = create_user(role="admin", email="site.admin@example.test")
    lock(app, learner)
    [message] = lock_emails(mailbox, 1)
    assert message["To"].addresses[0].addr_spec == site.email
