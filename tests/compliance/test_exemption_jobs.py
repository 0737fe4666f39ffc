"""While a person is exempt from a course, nothing opens an enrolment for it: the reconcile job,
a further job profile requiring it, a major version's retraining, the recertification sweep.
Once the exemption expires (nothing has to run to end it) the next reconcile opens it."""
from datetime import timedelta

from sqlalchemy import select

from lms.certificates.recert import due_for_recertification
from lms.compliance import exemptions, retraining, services
from lms.compliance.models import JobAssignment
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.compliance.helpers import org_admin, profile_with, publish_major
from tests.factories import create_course, create_org, create_user, enrolment_row


def hold(user, profile, at=None):
    """A live assignment written as a row, without its enrolments (what reconcile mends)."""
    db.session.add(JobAssignment(user_id=user.id, profile_id=profile.id, assigned_at=at or utcnow()))
    db.session.commit()


def active(user, course):
    db.session.expire_all()
    return db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course.id, Enrolment.status == "active")).all()


def test_reconcile_opens_nothing_while_exempt_and_opens_it_once_expired(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course], due_days=20)
    exempt, other = create_user(org=org), create_user(org=org)
    hold(exempt, profile)
    hold(other, profile)
    exemption = exemptions.grant(admin, exempt, course, "Contractor, trained by the supplier",
                                 utcnow().date() + timedelta(days=10))
    db.session.commit()

    assert services.reconcile() == {"created": 1, "released": 0}  # the other person only
    db.session.commit()
    assert active(exempt, course) == [] and len(active(other, course)) == 1
    # A further profile requiring the course changes nothing while the exemption lasts.
    second = profile_with(admin, org, [course], name="Second profile")
    services.assign(admin, exempt, second, "New duties")
    db.session.commit()
    assert active(exempt, course) == []

    just_before = exemption.expires_at - timedelta(microseconds=1)
    assert services.reconcile(now=just_before)["created"] == 0
    db.session.commit()
    assert services.reconcile(now=exemption.expires_at)["created"] == 1
    db.session.commit()
    [opened] = active(exempt, course)
    assert opened.source == "job_profile"


def test_retraining_skips_the_exempt_and_reconcile_retrains_them_afterwards(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    v1 = course.versions[0]
    profile = profile_with(admin, org, [course], due_days=30)
    exempt, other = create_user(org=org), create_user(org=org)
    for person in (exempt, other):
        hold(person, profile, at=utcnow() - timedelta(days=200))
        enrolment_row(person, course, version=v1, status="completed", enrolled_at=utcnow() - timedelta(days=150),
                      completed_at=utcnow() - timedelta(days=100), source="self")
    exemption = exemptions.grant(admin, exempt, course, "On parental leave", utcnow().date() + timedelta(days=90))
    db.session.commit()
    v2 = publish_major(course)

    assert retraining.apply_version(v2.id) == {"moved": 0, "retraining": 1}
    db.session.commit()
    assert active(exempt, course) == []
    assert [e.source for e in active(other, course)] == ["retraining"]
    assert services.reconcile()["created"] == 0
    db.session.commit()

    exemptions.revoke(admin, exemption, "Back early")
    db.session.commit()
    [opened] = active(exempt, course)
    assert opened.source == "retraining" and opened.version_id == v2.id


def test_no_recertification_enrolment_while_exempt(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    course.validity_months = 12
    profile = profile_with(admin, org, [course], due_days=30, recurs=True)
    exempt, other = create_user(org=org), create_user(org=org)
    rows = {}
    for person in (exempt, other):
        hold(person, profile, at=utcnow() - timedelta(days=400))
        rows[person.id] = enrolment_row(
            person, course, status="completed", enrolled_at=utcnow() - timedelta(days=380),
            completed_at=utcnow() - timedelta(days=360), valid_until=utcnow() + timedelta(days=5), source="self")
    exemption = exemptions.grant(admin, exempt, course, "Moved to another site", utcnow().date() + timedelta(days=30))
    db.session.commit()
    due = {row.id for row in due_for_recertification(utcnow())}
    assert rows[other.id].id in due and rows[exempt.id].id not in due
    due_later = {row.id for row in due_for_recertification(exemption.expires_at)}
    assert rows[exempt.id].id in due_later


def test_no_reminder_about_a_matrix_enrolment_while_exempt(app):
    """Bob and Eva are overdue on the course their profile requires; Eva is exempt: the sweep
    records Bob's overdue reminder and none for Eva, until her exemption ends."""
    from lms.reminders import services as reminders
    from lms.reminders.models import ReminderLog

    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course], due_days=20)
    bob, eva = create_user(org=org), create_user(org=org)
    for person in (bob, eva):
        services.assign(admin, person, profile, "New duties")
    db.session.commit()
    for person in (bob, eva):
        [enrolment] = active(person, course)
        enrolment.due_at = utcnow() - timedelta(days=2)
        db.session.commit()
    exemption = exemptions.grant(admin, eva, course, "Covered by the supplier's training", utcnow().date() + timedelta(days=9))
    db.session.commit()

    def kinds(person, at):
        held = []
        reminders.run_sweep(at, enqueue=held.extend)
        return {row.kind for row in db.session.scalars(select(ReminderLog).join(Enrolment).where(
            Enrolment.user_id == person.id))}

    assert "overdue" in kinds(bob, utcnow())
    assert "overdue" not in kinds(eva, utcnow())
    assert "overdue" in kinds(eva, exemption.expires_at)
