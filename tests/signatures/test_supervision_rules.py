"""Who waits for a supervisor's sign-off and who may give it (lms.signatures.supervision): each
rule with the case that shows it, through the services."""
import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.compliance import supervisors
from lms.compliance.models import JobAssignment
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.policy import Forbidden
from lms.progress.models import LessonProgress
from lms.signatures import services, supervision
from lms.signatures.meanings import VERIFIED_COMPETENT
from lms.signatures.models import Signature
from lms.timeutil import utcnow
from tests.factories import PASSWORD, assign_profile, create_course, create_user, enrol, lessons_of
from tests.signatures.observed_world import observed_course, supervise, world  # noqa: F401  (fixture)


def waiting_names(user):
    return [(row.learner_name, row.lesson_title) for row in supervision.waiting_for(user)]


def sign(app, supervisor, enrolment, lesson):
    with app.test_request_context():
        nonce = services.issue_nonce(supervisor, enrolment, lesson)
        signature = supervision.sign_off(supervisor, enrolment, lesson, PASSWORD, supervisor.email, nonce)
        db.session.commit()
    return signature


def test_a_supervisor_sees_the_holders_of_their_profiles_and_nobody_else(app, world):
    assert waiting_names(world.supervisor) == [("Kari Nordmann", "Line clearance under observation"),
                                               ("Per Peer", "Line clearance under observation")]
    assert waiting_names(world.other_supervisor) == [("Ola Outsider", "Line clearance under observation")]
    # Organisation B's supervisor sees none of A's people; A's admin and learners supervise nobody.
    for nobody in (world.foreign_supervisor, world.org_admin, world.site_admin, world.learner):
        assert waiting_names(nobody) == []
    row = supervision.waiting_for(world.supervisor)[0]
    assert (row.enrolment_id, row.lesson_id, row.course_title) == (
        world.enrolment.id, world.lesson.id, "GMP on-the-job training")


def test_a_supervisor_who_holds_the_profile_is_not_listed_for_themself(app, world):
    assign_profile(world.supervisor, world.profile)
    enrol(world.supervisor, world.course)
    assert "Siri Supervisor" not in [name for name, _lesson in waiting_names(world.supervisor)]
    assert not supervision.may_sign_off(world.supervisor, world.supervisor)


def test_signed_completed_closed_removed_and_deactivated_are_not_waiting(app, world):
    sign(app, world.supervisor, world.enrolment, world.lesson)
    assert waiting_names(world.supervisor) == [("Per Peer", "Line clearance under observation")]
    world.peer_enrolment.status = "withdrawn"
    db.session.commit()
    assert waiting_names(world.supervisor) == []
    world.peer_enrolment.status = "active"
    db.session.commit()
    assignment = db.session.scalar(select(JobAssignment).where(JobAssignment.user_id == world.peer.id))
    assignment.removed_at = utcnow()
    db.session.commit()
    assert waiting_names(world.supervisor) == []
    assert not supervision.may_sign_off(world.supervisor, world.peer)
    assignment.removed_at = None
    world.peer.is_active_account = False
    db.session.commit()
    assert waiting_names(world.supervisor) == []
    world.peer.is_active_account = True
    db.session.commit()
    assert waiting_names(world.supervisor) == [("Per Peer", "Line clearance under observation")]
    supervisors.remove_supervisor(None, world.profile, world.supervisor, "Moved to another site")
    db.session.commit()
    assert waiting_names(world.supervisor) == [] and not supervision.supervises_anyone(world.supervisor)
    assert not supervision.may_sign_off(world.supervisor, world.peer)


def test_a_lesson_complete_already_is_not_waiting(app, world):
    db.session.add(LessonProgress(enrolment_id=world.peer_enrolment.id, lesson_id=world.lesson.id,
                                  completed_at=utcnow()))
    db.session.commit()
    assert waiting_names(world.supervisor) == [("Kari Nordmann", "Line clearance under observation")]


def test_courses_without_observed_practice_wait_for_nobody(app, world):
    plain = create_course(org=world.org, lessons=("text",))
    learner = create_user(org=world.org)
    assign_profile(learner, world.profile)
    enrol(learner, plain)
    assert learner.name not in [name for name, _lesson in waiting_names(world.supervisor)]


def test_every_observed_lesson_waits_on_its_own(app, world):
    second = observed_course(world.org, title="Aseptic practice")
    enrol(world.learner, second)
    names = waiting_names(world.supervisor)
    assert names.count(("Kari Nordmann", "Line clearance under observation")) == 2 and len(names) == 3


def test_a_person_in_two_supervised_profiles_is_listed_once(app, world):
    assign_profile(world.learner, world.other_profile)
    supervise(world.supervisor, world.other_profile)
    names = [name for name, _lesson in waiting_names(world.supervisor)]
    assert names.count("Kari Nordmann") == 1 and "Ola Outsider" in names


def test_only_a_live_supervisor_of_a_profile_the_learner_holds_may_sign(app, world):
    assert supervision.may_sign_off(world.supervisor, world.learner)
    for user in (world.learner, world.peer, world.other_supervisor, world.foreign_supervisor,
                 world.org_admin, world.site_admin, world.outsider):
        assert not supervision.may_sign_off(user, world.learner), user.name
    # A supervisor moved to another organisation no longer signs for the first one's people.
    world.supervisor.organisation_id = world.other_org.id
    db.session.commit()
    assert not supervision.may_sign_off(world.supervisor, world.learner)


def test_sign_off_signs_completes_and_audits(app, world):
    signature = sign(app, world.supervisor, world.enrolment, world.lesson)
    assert (signature.signer_id, signature.subject_user_id, signature.meaning, signature.printed_name) == (
        world.supervisor.id, world.learner.id, VERIFIED_COMPETENT, "Siri Supervisor")
    assert signature.file_sha256 is None and signature.course_version_id == world.enrolment.version_id
    assert db.session.scalar(select(LessonProgress).where(
        LessonProgress.enrolment_id == world.enrolment.id, LessonProgress.lesson_id == world.lesson.id)) is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signature.signed"))
    assert event.actor_id == world.supervisor.id and event.person_id == world.learner.id
    assert event.data["record_hash"] == signature.record_hash


def test_signing_off_the_last_lesson_completes_the_course(app, world):
    from lms.progress.services import complete_lesson

    complete_lesson(world.enrolment, world.text_lesson, actor=world.learner)
    db.session.commit()
    sign(app, world.supervisor, world.enrolment, world.lesson)
    assert db.session.get(Enrolment, world.enrolment.id).status == "completed"


@pytest.mark.parametrize("who", ["learner", "peer", "other_supervisor", "foreign_supervisor", "org_admin", "site_admin"])
def test_sign_off_refuses_everyone_but_a_supervisor_and_writes_nothing(app, world, who):
    user = getattr(world, who)
    with app.test_request_context():
        nonce = services.issue_nonce(user, world.enrolment, world.lesson)
        with pytest.raises(Forbidden):
            supervision.sign_off(user, world.enrolment, world.lesson, PASSWORD, user.email, nonce)
    db.session.rollback()
    assert db.session.scalar(select(Signature)) is None


def test_sign_off_refuses_other_kinds_and_closed_enrolments(app, world):
    with app.test_request_context():
        with pytest.raises(supervision.NotSignable):
            supervision.check_sign_off(world.supervisor, world.enrolment, world.text_lesson)
        world.enrolment.status = "withdrawn"
        with pytest.raises(supervision.NotSignable):
            supervision.check_sign_off(world.supervisor, world.enrolment, world.lesson)
    db.session.rollback()


def test_a_wrong_password_counts_and_signs_nothing(app, world):
    with app.test_request_context():
        nonce = services.issue_nonce(world.supervisor, world.enrolment, world.lesson)
        with pytest.raises(services.WrongCredentials):
            supervision.sign_off(world.supervisor, world.enrolment, world.lesson, "wrong", world.supervisor.email, nonce)
        db.session.commit()
    assert world.supervisor.signing_failures == 1 and db.session.scalar(select(Signature)) is None


def test_the_database_refuses_a_sign_off_by_the_learner_even_past_the_services(app, world):
    from sqlalchemy.exc import IntegrityError

    with app.test_request_context(), pytest.raises(IntegrityError):
        services.sign(world.learner, world.enrolment, world.lesson, VERIFIED_COMPETENT)
    db.session.rollback()
