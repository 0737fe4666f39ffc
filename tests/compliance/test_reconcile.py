"""The reconcile job over everyone: what it creates, what it releases, and that it creates each
enrolment once however many run at once (real database, real threads)."""
import threading
from datetime import timedelta

from sqlalchemy import func, select

from lms.compliance import services
from lms.compliance.models import JobAssignment
from lms.enrolments import services as enrolment_services
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.compliance.helpers import complete, enrolments_of, org_admin, profile_with, publish_major
from tests.factories import create_course, create_org, create_user


def hold(user, profile, at=None):
    """A live assignment written as a row, without its enrolments: what reconcile must mend
    (a person moved in by an import, an assignment made before the matrix existed)."""
    row = JobAssignment(user_id=user.id, profile_id=profile.id, assigned_at=at or utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def open_counts():
    return db.session.execute(
        select(Enrolment.user_id, Enrolment.course_id, func.count())
        .where(Enrolment.status == "active").group_by(Enrolment.user_id, Enrolment.course_id)
    ).all()


def test_reconcile_creates_what_is_missing_by_kind_and_then_nothing(app):
    org = create_org()
    admin = org_admin(org)
    never, changed, lapsing = create_course(org=org), create_course(org=org), create_course(org=org)
    lapsing.validity_months = 12
    db.session.commit()
    profile = profile_with(admin, org, [never, changed, lapsing], due_days=20, recurs=True)
    learner = create_user(org=org)
    complete(enrolment_services.enrol(learner, changed)[0], at=utcnow() - timedelta(days=10))
    complete(enrolment_services.enrol(learner, lapsing)[0], at=utcnow() - timedelta(days=400))
    db.session.commit()
    major = publish_major(changed, effective_at=utcnow() - timedelta(days=1))
    assigned = hold(learner, profile, at=utcnow() - timedelta(days=5))

    result = services.reconcile()
    db.session.commit()

    assert result == {"created": 3, "released": 0}
    [job] = enrolments_of(learner, never)
    # Due 20 days after the requirement began to bind: the later of assignment and requirement.
    created = {r.course_id: r.created_at for r in profile.requirements}
    started = max(assigned.assigned_at, created[never.id])
    assert job.source == "job_profile" and job.due_at == started + timedelta(days=20)
    retraining = enrolments_of(learner, changed)[-1]
    assert retraining.source == "retraining" and retraining.version_id == major.id
    assert retraining.due_at == max(assigned.assigned_at, created[changed.id], major.effective_at) + timedelta(days=20)
    assert enrolments_of(learner, lapsing)[-1].source == "recertification"
    assert [e.status for e in enrolments_of(learner, changed)] == ["completed", "active"]
    assert services.reconcile() == {"created": 0, "released": 0}


def test_a_major_version_not_yet_effective_needs_no_retraining(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course])
    learner = create_user(org=org)
    complete(enrolment_services.enrol(learner, course)[0])
    publish_major(course, effective_at=utcnow() + timedelta(days=30))
    hold(learner, profile)
    assert services.reconcile()["created"] == 0
    assert services.reconcile(utcnow() + timedelta(days=31))["created"] == 1


def test_reconcile_releases_what_nothing_binds_and_leaves_other_enrolments(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course])
    moved, stays = create_user(org=org), create_user(org=org)
    services.assign(admin, moved, profile, "New duties")
    services.assign(admin, stays, profile, "New duties")
    self_chosen = create_user(org=org)
    enrolment_services.enrol(self_chosen, course)
    db.session.commit()
    # The assignment ended without its enrolments being touched (e.g. written by an import).
    db.session.scalar(select(JobAssignment).where(JobAssignment.user_id == moved.id)).removed_at = utcnow()
    db.session.commit()

    assert services.reconcile() == {"created": 0, "released": 1}
    db.session.commit()
    assert [e.status for e in enrolments_of(moved)] == ["no_longer_required"]
    assert [e.status for e in enrolments_of(stays)] == ["active"]
    assert [e.status for e in enrolments_of(self_chosen)] == ["active"]
    assert services.reconcile() == {"created": 0, "released": 0}


def test_two_reconcilers_and_an_admin_assigning_at_once_create_each_enrolment_once(app):
    org = create_org()
    admin = org_admin(org)
    courses = [create_course(org=org) for _ in range(3)]
    profile = profile_with(admin, org, courses)
    people = [create_user(org=org) for _ in range(12)]
    for person in people[:8]:
        hold(person, profile)
    late = people[8:]
    admin_id, profile_id, late_ids = admin.id, profile.id, [p.id for p in late]
    barrier = threading.Barrier(3)
    errors, results = [], []

    def run(work):
        try:
            with app.app_context():
                barrier.wait(10)
                for attempt in range(20):
                    try:
                        results.append(work())
                        db.session.commit()
                        break
                    except Exception as exc:  # SQLite: another writer held the lock; try again
                        db.session.rollback()
                        if "locked" not in str(exc) and "could not serialize" not in str(exc):
                            raise
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    def reconcile():
        return services.reconcile()

    def assign_late():
        from lms.accounts.models import User
        from lms.compliance.models import JobProfile

        actor, profile_ = db.session.get(User, admin_id), db.session.get(JobProfile, profile_id)
        for user_id in late_ids:
            services.assign(actor, db.session.get(User, user_id), profile_, "New duties")
        return "assigned"

    threads = [threading.Thread(target=run, args=(w,)) for w in (reconcile, reconcile, assign_late)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert "assigned" in results, results
    db.session.rollback()  # a fresh snapshot of what the threads committed
    counts = open_counts()
    assert len(counts) == 12 * 3 and {c for _u, _c, c in counts} == {1}
    confirmations = db.session.scalar(select(func.count()).select_from(
        __import__("lms.reminders.models", fromlist=["ReminderLog"]).ReminderLog))
    assert confirmations == 36  # one confirmation email recorded per enrolment
    assert services.reconcile() == {"created": 0, "released": 0}


def test_a_deactivated_person_gets_no_enrolments_until_reactivated(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course], due_days=20)
    learner = create_user(org=org)
    learner.is_active_account = False
    db.session.commit()
    hold(learner, profile)

    assert services.reconcile() == {"created": 0, "released": 0}
    db.session.commit()
    assert enrolments_of(learner, course) == []

    learner.is_active_account = True
    db.session.commit()
    assert services.reconcile()["created"] == 1
    db.session.commit()
    assert [e.source for e in enrolments_of(learner, course)] == ["job_profile"]
