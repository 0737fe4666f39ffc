"""A real worker and TWO beats reconciling every second: a change of the training matrix
produces each enrolment and its confirmation email (through the SMTP test server) once."""
import time

import pytest
from sqlalchemy import func, select

from lms.compliance import services
from lms.compliance.models import JobAssignment
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders.models import ReminderLog
from lms.timeutil import utcnow
from tests.compliance.helpers import org_admin, profile_with
from tests.factories import create_course, create_org, create_user
from tests.helpers import wait_until
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryBeat, CeleryWorker

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def services_running(private_redis, database_url, upload_dir, certificate_dir, smtp_server, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reconcile")
    env = worker_env(private_redis.url, database_url, upload_dir, certificate_dir, smtp_server.port,
                     workdir, LMS_COMPLIANCE_RECONCILE_SECONDS=1)
    worker = CeleryWorker(private_redis.url, env, workdir / "worker.log", name="lms-reconcile",
                          concurrency=2).start()
    beats = [CeleryBeat(env, workdir / f"beat-{n}") for n in (1, 2)]
    try:
        for beat in beats:
            beat.start()
        yield worker, beats
    finally:
        for beat in beats:
            beat.stop()
        worker.stop()


@pytest.fixture
def app_redis_url(private_redis, services_running):
    return private_redis.url


def open_enrolments(course):
    return db.session.execute(
        select(Enrolment.user_id, func.count()).where(Enrolment.course_id == course.id, Enrolment.status == "active")
        .group_by(Enrolment.user_id)
    ).all()


def test_a_profile_change_enrols_each_person_once_and_mails_them_once_with_two_beats(app, services_running, mailbox):
    worker, beats = services_running
    org = create_org()
    admin = org_admin(org)
    first, added = create_course(org=org, title="GxP essentials"), create_course(org=org, title="Deviation handling")
    profile = profile_with(admin, org, [first])
    by_admin = create_user(org=org, email="assigned.by.admin@example.test")
    moved_in = create_user(org=org, email="moved.in@example.test")

    services.assign(admin, by_admin, profile, "New duties")  # the admin's request: enrolled at once
    db.session.commit()
    # A person who moved into the profile without the request path (an import): only the
    # reconcile job (two beats, each every second) gives them the enrolment.
    db.session.add(JobAssignment(user_id=moved_in.id, profile_id=profile.id, assigned_at=utcnow()))
    db.session.commit()
    # The profile changes while the beats run: a second course required.
    services.add_requirement(admin, profile, added, 14)
    db.session.commit()

    logs = [worker, *beats]
    wait_until(lambda: len(open_enrolments(first)) == 2 and len(open_enrolments(added)) == 2, 30,
               "the reconcile job's enrolments", logs=logs)
    mailbox.wait_for(4, timeout=30)
    wait_until(lambda: worker.log_text().count("compliance reconcile created=") >= 4, 30,
               "several reconcile runs", logs=logs)
    time.sleep(3)  # more runs of both beats: they must add nothing
    db.session.rollback()

    assert {count for _user, count in open_enrolments(first) + open_enrolments(added)} == {1}
    sources = db.session.scalars(select(Enrolment.source).where(Enrolment.user_id == moved_in.id)).all()
    assert sources == ["job_profile", "job_profile"]
    assert db.session.scalar(select(func.count()).select_from(ReminderLog)) == 4
    received = sorted((m["To"], m["Subject"]) for m in mailbox.messages)
    assert len(received) == 4, received
    assert sorted(received) == sorted(
        (f"{user.name} <{user.email}>", f"You are enrolled in {course.title}")
        for user in (by_admin, moved_in) for course in (first, added)
    )
    both_beats_sent = [beat.log_text().count("lms.compliance_reconcile") for beat in beats]
    assert all(n >= 2 for n in both_beats_sent), both_beats_sent
