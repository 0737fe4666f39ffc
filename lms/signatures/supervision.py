"""Observed practice: who may sign a learner off ("verified competent"), who waits for a
supervisor, and the sign-off itself.

A supervisor may sign off a learner's observed-practice lesson when they are a live supervisor
(lms.compliance.supervisors) of a job profile the learner holds live, all three of one
organisation, and they are not the learner (the database refuses that too: the Signature's
``signer`` check). The rule itself is the policy's ``practice.sign_off``; this module gathers
the facts it judges.
"""
from collections import namedtuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.compliance.models import JobAssignment, JobProfile, JobProfileSupervisor
from lms.courses.models import Course, Lesson, Module
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.policy import Forbidden, SignOffTarget, can
from lms.progress.models import LessonProgress
from lms.progress.services import complete_signed_lesson
from lms.signatures import services
from lms.signatures.meanings import VERIFIED_COMPETENT
from lms.signatures.models import Signature

OBSERVED = "observed"


class NotSignable(services.SigningRefused):
    """The lesson is not observed practice, or the enrolment is no longer open."""

    status = 409

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _live_supervisors_query(learner):
    """The live supervisors of the job profiles ``learner`` holds live, in the learner's
    organisation (never the learner), as a select of User rows."""
    supervisor = aliased(User)
    return (
        select(supervisor)
        .join(JobProfileSupervisor, and_(JobProfileSupervisor.user_id == supervisor.id,
                                         JobProfileSupervisor.removed_at.is_(None)))
        .join(JobProfile, JobProfile.id == JobProfileSupervisor.profile_id)
        .join(JobAssignment, and_(JobAssignment.profile_id == JobProfile.id,
                                  JobAssignment.user_id == learner.id, JobAssignment.removed_at.is_(None)))
        .where(JobProfile.organisation_id == learner.organisation_id,
               supervisor.organisation_id == learner.organisation_id,
               supervisor.id != learner.id, supervisor.is_active_account.is_(True))
        .distinct()
    )


def supervisors_of_learner(learner):
    """The people who may sign ``learner`` off, by name (for the learner's lesson page)."""
    if learner.organisation_id is None:
        return []
    people = db.session.scalars(_live_supervisors_query(learner)).all()
    return sorted(people, key=lambda person: (person.name.casefold(), person.id))


def sign_off_target(learner):
    """What the policy's ``practice.sign_off`` judges for ``learner``."""
    ids = frozenset(person.id for person in supervisors_of_learner(learner))
    return SignOffTarget(learner_id=learner.id, supervisor_ids=ids)


def may_sign_off(user, learner):
    """May ``user`` sign off ``learner``'s observed practice?"""
    return can(user, "practice.sign_off", sign_off_target(learner))


def supervises_anyone(user):
    """True when ``user`` is a live supervisor of any job profile of their organisation (the
    navigation links their waiting list then)."""
    if user is None or not user.is_authenticated or user.organisation_id is None:
        return False
    return db.session.scalar(
        select(JobProfileSupervisor.id)
        .join(JobProfile, JobProfile.id == JobProfileSupervisor.profile_id)
        .where(JobProfileSupervisor.user_id == user.id, JobProfileSupervisor.removed_at.is_(None),
               JobProfile.organisation_id == user.organisation_id)
        .limit(1)
    ) is not None


def signature_of(enrolment_id, lesson_id):
    """The "verified competent" Signature on ``lesson_id`` of ``enrolment_id``, or None."""
    return db.session.scalar(select(Signature).where(
        Signature.enrolment_id == enrolment_id, Signature.lesson_id == lesson_id,
        Signature.meaning == VERIFIED_COMPETENT))


Waiting = namedtuple("Waiting", "enrolment_id lesson_id learner_name learner_email course_title lesson_title enrolled_at due_at")


def waiting_for(supervisor):
    """Everyone waiting for ``supervisor``'s sign-off: one row per (active enrolment, observed
    lesson of its version) of a person holding a profile they supervise, neither signed nor
    complete. Never the supervisor themself.

    :return: a list of Waiting rows, by learner, course and lesson order
    """
    if supervisor.organisation_id is None:
        return []
    learner = aliased(User)
    signed = exists().where(Signature.enrolment_id == Enrolment.id, Signature.lesson_id == Lesson.id,
                            Signature.meaning == VERIFIED_COMPETENT)
    done = exists().where(LessonProgress.enrolment_id == Enrolment.id, LessonProgress.lesson_id == Lesson.id)
    rows = db.session.execute(
        select(Enrolment.id, Lesson.id, learner.name, learner.email, Course.title, Lesson.title,
               Enrolment.enrolled_at, Enrolment.due_at, Module.position, Lesson.position,
               learner.id)  # (PostgreSQL: a DISTINCT query orders by selected columns only)
        .select_from(JobProfileSupervisor)
        .join(JobProfile, JobProfile.id == JobProfileSupervisor.profile_id)
        .join(JobAssignment, and_(JobAssignment.profile_id == JobProfile.id, JobAssignment.removed_at.is_(None)))
        .join(learner, learner.id == JobAssignment.user_id)
        .join(Enrolment, and_(Enrolment.user_id == learner.id, Enrolment.status == "active"))
        .join(Course, Course.id == Enrolment.course_id)
        .join(Module, Module.version_id == Enrolment.version_id)
        .join(Lesson, and_(Lesson.module_id == Module.id, Lesson.kind == OBSERVED))
        .where(JobProfileSupervisor.user_id == supervisor.id, JobProfileSupervisor.removed_at.is_(None),
               JobProfile.organisation_id == supervisor.organisation_id,
               learner.organisation_id == supervisor.organisation_id,
               learner.id != supervisor.id, learner.is_active_account.is_(True),
               ~signed, ~done)
        .distinct()
        .order_by(learner.name, learner.id, Course.title, Enrolment.id, Module.position, Lesson.position)
    ).all()
    return [Waiting(*row[:8]) for row in rows]


def check_sign_off(supervisor, enrolment, lesson):
    """Refuse unless ``supervisor`` may sign off ``lesson`` of ``enrolment`` now.

    :raises Forbidden: not a live supervisor of a profile the learner holds (or the learner)
    :raises NotSignable: not an observed-practice lesson, or the enrolment is not open
    :raises AlreadySigned: it is signed off already (asked before the password, which then
        counts no failure)
    """
    if not may_sign_off(supervisor, enrolment.user):
        raise Forbidden("practice.sign_off")
    if lesson.kind != OBSERVED:
        raise NotSignable(_l("Only observed practice is signed off by a supervisor."))
    if enrolment.status != "active":
        raise NotSignable(_l("This enrolment is no longer open, so nothing can be signed off on it."))
    if signature_of(enrolment.id, lesson.id) is not None:
        raise services.AlreadySigned(lesson.id)


def sign_off(supervisor, enrolment, lesson, password, email, nonce):
    """The supervisor signs "verified competent" on the learner's observed-practice lesson and
    the lesson is complete, in the caller's transaction (flushed, not committed).

    Re-authenticates first (lms.signatures.services.check_signer: on WrongCredentials the
    caller commits the counted failure, then refuses), then spends the page's nonce.

    :raises Forbidden, NotSignable: see :func:`check_sign_off`
    :raises SigningRefused: WrongCredentials, SigningLocked, NonceRefused, AlreadySigned
    :return: the Signature
    """
    check_sign_off(supervisor, enrolment, lesson)
    services.check_signer(supervisor, password, email)
    services.use_nonce(nonce, supervisor, enrolment, lesson)
    signature = services.sign(supervisor, enrolment, lesson, VERIFIED_COMPETENT)
    complete_signed_lesson(enrolment, lesson, supervisor)
    return signature
