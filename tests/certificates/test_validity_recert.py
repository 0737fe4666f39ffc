"""Recertification enrolments (lms.certificates.recert): opened once, RECERT_DAYS_BEFORE days
before a certificate expires, not for revoked or renewed ones; completing one issues a new
certificate (new code, new validity) while the old one verifies as superseded."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.recert import open_recertifications
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import add_months
from tests.certificates.recert_helpers import DAY, certified, completion, now, validity_course
from tests.factories import create_user
from tests.helpers import login, post_form, text_of, wait_until


def recertifications():
    db.session.expire_all()
    return db.session.scalars(
        select(Enrolment).where(Enrolment.source == "recertification").order_by(Enrolment.id)
    ).all()


def test_the_window_opens_sixty_days_before_expiry_once(app, cert_dir):
    at = now()
    course = validity_course()
    edge, _c1 = certified(60 * DAY, at, course)        # exactly 60 days left: due
    soon, _c2 = certified(10 * DAY, at, course)
    lapsed, _c3 = certified(-5 * DAY, at, course)      # lapsed without one: still offered
    later, _c4 = certified(60 * DAY + timedelta(seconds=1), at, course)  # not yet
    forever = completion(create_user(), validity_course(months=None), at + 10 * DAY, issue=False)
    forever.valid_until = None  # a course without validity never expires
    db.session.commit()

    result = open_recertifications(at)
    assert (result.created, result.existing) == (3, 0)
    made = recertifications()
    assert {(e.user_id, e.course_id) for e in made} == {
        (edge.user_id, course.id), (soon.user_id, course.id), (lapsed.user_id, course.id),
    }
    by_user = {e.user_id: e for e in made}
    for completed in (edge, soon, lapsed):
        opened = by_user[completed.user_id]
        # Due on the expiry date, on the published version, open.
        assert opened.due_at == completed.valid_until and opened.status == "active"
        assert opened.version_id == course.published_version.id
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "enrolment.created", AuditEvent.subject_id == by_user[soon.user_id].id)
    ) is not None

    # Again, a day later: nothing more; also not after the learner withdrew from one.
    by_user[soon.user_id].status = "withdrawn"
    db.session.commit()
    again = open_recertifications(at + DAY)
    assert again.created == 1 and recertifications()[-1].user_id == later.user_id  # its window opened
    assert len(recertifications()) == 4


def test_no_recertification_for_revoked_or_already_renewed_certificates(app, cert_dir):
    at = now()
    course = validity_course()
    revoked, revoked_cert = certified(20 * DAY, at, course)
    services.revoke_certificate(revoked_cert, "issued in error", actor=None)
    renewed, _old = certified(20 * DAY, at, course)
    completion(renewed.user, course, at + 380 * DAY, completed_before=timedelta(days=350))
    # Revoked, then reissued: the reissued certificate is renewed as usual.
    reissued, reissued_cert = certified(20 * DAY, at, course)
    services.revoke_certificate(reissued_cert, "name corrected", actor=None)
    services.reissue_certificate(reissued, actor=None, reason="name corrected")
    inactive, _c = certified(20 * DAY, at, course)
    inactive.user.is_active_account = False
    db.session.commit()

    assert open_recertifications(at).created == 1
    assert [e.user_id for e in recertifications()] == [reissued.user_id]


def test_two_sweeps_at_once_open_each_recertification_once(app, cert_dir):
    app.config["REMINDER_BATCH_SIZE"] = 2
    at = now()
    course = validity_course()
    due = [certified(30 * DAY, at, course)[0] for _ in range(6)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            with app.app_context():
                barrier.wait(10)
                results.append(open_recertifications(at))
                db.session.remove()
        except Exception as exc:  # surfaced by the assertions below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.created for r in results) == 6
    made = recertifications()
    assert sorted(e.user_id for e in made) == sorted(e.user_id for e in due)


@pytest.mark.worker
def test_completing_the_recertification_issues_a_new_certificate_and_supersedes_the_old(
    app, client, celery_worker, certificate_dir
):
    at = now()
    course = validity_course(title="Aseptic technique", months=24)
    old, old_cert = certified(30 * DAY, at, course)
    open_recertifications(at)
    [recert] = recertifications()

    login(client, old.user)
    page = text_of(client.get("/my-learning"))
    assert "Recertification: complete it before your certificate expires." in page
    base = f"/courses/{course.slug}/lessons"
    for lesson in recert.version.lessons():
        response = post_form(client, f"{base}/{lesson.id}/complete", page=f"{base}/{lesson.id}")
        assert response.status_code in (200, 302)

    def issued():
        cert = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == recert.id))
        return cert if cert is not None and cert.status == "issued" else None

    new_cert = wait_until(issued, 30, "the recertification's certificate", logs=[celery_worker])
    recert = db.session.get(Enrolment, recert.id)
    assert recert.status == "completed"
    assert new_cert.sequence == 1 and new_cert.code != old_cert.code
    # A new validity: 24 months from the new completion.
    assert new_cert.expires_at == recert.valid_until == add_months(recert.completed_at, 24)
    assert new_cert.expires_at > old_cert.expires_at
    # The old certificate stays verifiable: renewed, not revoked.
    db.session.refresh(old_cert)
    assert old_cert.status == "issued"
    old_page = text_of(client.get(f"/verify/{old_cert.code}"))
    assert 'data-state="superseded"' in old_page
    assert 'data-state="valid"' in text_of(client.get(f"/verify/{new_cert.code}"))
    # And the next sweep opens nothing: the renewal is far from expiry.
    assert open_recertifications(at).created == 0
