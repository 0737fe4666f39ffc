"""A course reaching the effective date of its major version, with a real worker and TWO
beats running the retraining sweep every second: the retraining enrolment and its
confirmation email (through the SMTP test server) happen exactly once."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lms.audit.models import AuditEvent
from lms.courses.models import CourseVersion
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.compliance.retraining_helpers import completed, enrolments_of, open_draft, publish, require
from tests.factories import create_course, create_org, create_user
from tests.helpers import login, wait_until
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryBeat

pytestmark = pytest.mark.worker


def confirmations(mailbox, address):
    return [m for m in mailbox.messages if m["To"] and address in m["To"] and "You are enrolled in" in m["Subject"]]


def test_two_beats_apply_an_effective_date_once_with_one_email_each(
    app, client, celery_worker, redis_url, database_url, upload_dir, certificate_dir, smtp_server, mailbox, tmp_path
):
    org = create_org(name="Swedish Pharma Quality Network", country="SE")
    course = create_course(org=org, title="Deviation handling", lessons=("text",))
    v1 = course.versions[0]
    people = [create_user(name=f"Analyst {n}", email=f"analyst{n}@example.test", org=org) for n in range(3)]
    for person in people:
        completed(person, course, v1)
    require(course, people, due_days=14)
    login(client, create_user(role="author", org=org))
    v2 = open_draft(client, course)
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert publish(client, v2, change_kind="major", change_reason="New root-cause method",
                   effective_on=tomorrow).status_code == 302
    # The effective date comes in two seconds rather than two days.
    db.session.execute(update(CourseVersion).where(CourseVersion.id == v2.id)
                       .values(effective_at=utcnow() + timedelta(seconds=2)))
    db.session.commit()

    env = worker_env(redis_url, database_url, upload_dir, certificate_dir, smtp_server.port, tmp_path / "instance",
                     LMS_RETRAINING_SWEEP_SECONDS=1)
    beats = [CeleryBeat(env, tmp_path / f"beat-{n}") for n in (1, 2)]
    try:
        for beat in beats:
            beat.start()
        logs = [celery_worker, *beats]
        wait_until(lambda: len(db.session.scalars(select(Enrolment).where(Enrolment.source == "retraining")).all()) == 3,
                   60, "three retraining enrolments", logs=logs)
        for person in people:
            wait_until(lambda: confirmations(mailbox, person.email), 30, f"the email to {person.email}", logs=logs)
        time.sleep(4)  # several more sweeps of both beats: room for a duplicate, were there one
    finally:
        for beat in beats:
            beat.stop()

    assert sum("lms.retraining_sweep" in beat.log_text() for beat in beats) == 2  # both beats swept
    for person in people:
        old, new = enrolments_of(person, course)
        assert (old.status, old.version_id) == ("completed", v1.id)
        assert (new.status, new.version_id, new.source) == ("active", v2.id, "retraining")
        assert len(confirmations(mailbox, person.email)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "course.version_applied", AuditEvent.subject_id == v2.id)) == 1
    assert db.session.get(CourseVersion, v2.id).retraining_applied_at is not None
