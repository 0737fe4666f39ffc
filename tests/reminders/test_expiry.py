"""Certificate expiry notices (lms.reminders.expiry): the windows at 60, 30 and 7 days and on
the lapse, once each; not for renewed or revoked certificates; opted-out learners get them only
for courses their job requires. Rules as pure functions, then the sweep on the database."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.certificates import services as certificates
from lms.certificates.recert import open_recertifications
from lms.compliance.models import JobAssignment, Requirement
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders import delivery, expiry, services
from lms.reminders.tokens import unsubscribe_token
from lms.reminders.expiry import CertificateFacts, due_notices
from tests.certificates.recert_helpers import completion, require_course, validity_course
from tests.factories import create_user
from tests.reminders.helpers import DAY, logs, now

LEADS = (60, 30, 7)
KINDS = ("expiry_60d", "expiry_30d", "expiry_7d", "expiry_0d")


def kinds_due(facts, at, already=frozenset()):
    return [n.kind for n in due_notices(facts, at, LEADS, already)]


def test_each_notice_has_its_window():
    expires = now() + 100 * DAY
    facts = CertificateFacts(1, expires)
    assert kinds_due(facts, expires - 61 * DAY) == []
    assert kinds_due(facts, expires - 60 * DAY) == ["expiry_60d"]          # from exactly 60 days
    assert kinds_due(facts, expires - 31 * DAY) == ["expiry_60d"]
    assert kinds_due(facts, expires - 30 * DAY) == ["expiry_30d"]
    assert kinds_due(facts, expires - 8 * DAY) == ["expiry_30d"]           # a late sweep still sends it
    assert kinds_due(facts, expires - 7 * DAY) == ["expiry_7d"]
    assert kinds_due(facts, expires - timedelta(seconds=1)) == ["expiry_7d"]
    assert kinds_due(facts, expires) == ["expiry_0d"]                      # on the day it lapses
    assert kinds_due(facts, expires + 6 * DAY) == ["expiry_0d"]
    assert kinds_due(facts, expires + 7 * DAY) == []                       # not for old lapses
    key = expires.date().isoformat()
    assert kinds_due(facts, expires - 30 * DAY, {("expiry_30d", key)}) == []
    assert [n.period_key for n in due_notices(facts, expires, LEADS)] == [key]


def test_who_gets_them():
    at = now()
    expires = at + 7 * DAY
    assert kinds_due(CertificateFacts(1, expires), at) == ["expiry_7d"]
    assert kinds_due(CertificateFacts(1, expires, renewed=True), at) == []
    assert kinds_due(CertificateFacts(1, expires, revoked=True), at) == []
    assert kinds_due(CertificateFacts(1, expires, account_active=False), at) == []
    assert kinds_due(CertificateFacts(1, None), at) == []
    # Opted out: only for a course the person's job requires (mandatory compliance notice).
    assert kinds_due(CertificateFacts(1, expires, opted_out=True), at) == []
    assert kinds_due(CertificateFacts(1, expires, opted_out=True, required=True), at) == ["expiry_7d"]


def test_the_days_come_from_configuration():
    assert expiry.parse_days("60,30,7") == (60, 30, 7)
    assert expiry.parse_days(" 7, 90 ,30,7") == (90, 30, 7)
    with pytest.raises(ValueError):
        expiry.parse_days("30,0")
    with pytest.raises(ValueError):
        expiry.parse_days("thirty")


def certified_until(valid_until, opted_out=False, required=False, issue=False, course=None, **user_args):
    learner = create_user(**user_args)
    learner.reminders_opt_out = opted_out
    db.session.commit()
    course = course or validity_course()
    if required:
        require_course(learner, course)
    return completion(learner, course, valid_until, issue=issue)


def expiry_logs():
    return [(row.enrolment_id, row.kind, row.period_key) for row in logs(kinds=KINDS)]


def sweep_through_the_year(at, enqueued):
    """Sweeps at the moments each notice falls due, each twice: (recorded, recorded again)."""
    counts = []
    for moment in (at, at + 30 * DAY, at + 53 * DAY, at + 60 * DAY):
        first = services.run_sweep(moment, enqueue=enqueued.extend).recorded
        again = services.run_sweep(moment + timedelta(hours=1), enqueue=enqueued.extend).recorded
        counts.append((first, again))
    return counts


def test_the_sweep_records_each_notice_once_at_60_30_7_and_0_days(app):
    at = now()
    holder = certified_until(at + 60 * DAY)
    enqueued = []
    assert sweep_through_the_year(at, enqueued) == [(1, 0)] * 4
    key = holder.valid_until.date().isoformat()
    assert expiry_logs() == [(holder.id, kind, key) for kind in KINDS]
    # (unsent rows are enqueued again by later sweeps: nothing here sends them)
    assert set(enqueued) == {row.id for row in logs(kinds=KINDS)}


def test_opted_out_learners_get_them_only_for_required_courses(app):
    at = now()
    required = certified_until(at + 60 * DAY, opted_out=True, required=True)
    optional = certified_until(at + 60 * DAY, opted_out=True)
    # A requirement taken away (removed_at set) no longer makes them mandatory.
    lapsed_job = certified_until(at + 60 * DAY, opted_out=True, required=True)
    requirement = db.session.scalar(select(Requirement).where(Requirement.course_id == lapsed_job.course_id))
    requirement.removed_at = at - DAY
    # And one whose job assignment was taken away.
    moved = certified_until(at + 60 * DAY, opted_out=True, required=True)
    assignment = db.session.scalar(select(JobAssignment).where(JobAssignment.user_id == moved.user_id))
    assignment.removed_at = at - DAY
    db.session.commit()
    sweep_through_the_year(at, [])
    assert {e for e, _k, _p in expiry_logs()} == {required.id}
    assert len(expiry_logs()) == 4
    assert optional.id not in {e for e, _k, _p in expiry_logs()}


def test_no_notices_for_renewed_or_revoked_certificates(app, certificate_dir):
    at = now()
    course = validity_course()
    renewed = certified_until(at + 20 * DAY, course=course)
    completion(renewed.user, course, at + 380 * DAY, completed_before=timedelta(days=360), issue=False)
    revoked = certified_until(at + 20 * DAY, issue=True)
    certificates.revoke_certificate(certificates.latest_certificate(revoked.id), "issued in error", actor=None)
    db.session.commit()
    kept = certified_until(at + 20 * DAY)
    services.run_sweep(at, enqueue=lambda ids: None)
    assert expiry_logs() == [(kept.id, "expiry_30d", kept.valid_until.date().isoformat())]


def test_a_notice_recorded_before_the_learner_opted_out_or_renewed_is_skipped_at_send_time(app):
    at = now()
    course = validity_course()
    quitter = certified_until(at + 7 * DAY, course=course)
    renewer = certified_until(at + 7 * DAY, course=course)
    services.run_sweep(at, enqueue=lambda ids: None)
    by_enrolment = {row.enrolment_id: row.id for row in logs(kinds=KINDS)}
    quitter.user.reminders_opt_out = True
    completion(renewer.user, course, at + 360 * DAY, completed_before=timedelta(days=364), issue=False)
    db.session.commit()
    assert delivery.deliver_reminder(by_enrolment[quitter.id]) == "skipped"
    assert delivery.deliver_reminder(by_enrolment[renewer.id]) == "skipped"
    db.session.commit()
    assert {row.status for row in logs(kinds=KINDS)} == {"skipped"}


def test_the_unsubscribe_page_says_mandatory_notices_still_come(app, client):
    learner = create_user()
    page = client.get(f"/reminders/unsubscribe/{unsubscribe_token(learner.id)}")
    assert page.status_code == 200
    assert "are mandatory compliance notices: they are still sent" in page.get_data(as_text=True)


def test_a_recertification_enrolment_gets_no_deadline_mails_that_repeat_the_expiry_notices(app, certificate_dir):
    at = now()
    course = validity_course()
    holder = certified_until(at + 30 * DAY, course=course)
    open_recertifications(at)
    recert = db.session.scalar(select(Enrolment).where(Enrolment.source == "recertification"))
    assert recert.due_at == holder.valid_until
    for moment in (at + 24 * DAY, at + 29 * DAY + timedelta(hours=12), at + 31 * DAY):
        services.run_sweep(moment, enqueue=lambda ids: None)
    kinds = {row.kind for row in logs(kinds=("deadline_7d", "deadline_1d", "overdue", "inactivity"))
             if row.enrolment_id == recert.id}
    assert kinds == {"deadline_1d", "inactivity"}
    assert {row.kind for row in logs(kinds=KINDS)} == {"expiry_7d", "expiry_0d"}
