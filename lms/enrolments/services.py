"""Enrolments: self-enrolment pins the published version."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders.services import record_enrolment_confirmation
from lms.timeutil import utcnow


class NotEnrollable(Exception):
    pass


def enrolment_for(user, course):
    """The person's current enrolment in ``course``: the newest one. Earlier ones (a completion
    before retraining or recertification) stay in the training record."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        .order_by(Enrolment.id.desc()).limit(1)
    )


def enrol(user, course, actor=None, due_at=None, source="self", language=None):
    """Enrol ``user`` in the published version of ``course``, once: someone who has (or had)
    an enrolment in the course keeps it (self-enrolment, admins, the bulk CSV).

    :param language: the language the learner takes it in (checked by the caller:
        lms.course_languages.learning.check_language); None: their interface language when
        the course offers it, else the course's own

    :return: (enrolment, created) -- created is False when the user was already enrolled
    :raises NotEnrollable: when the course has no published version
    """
    existing = enrolment_for(user, course)
    if existing is not None:
        return existing, False
    return open_enrolment(user, course, source, actor=actor, due_at=due_at, language=language)


def open_enrolment(user, course, source, actor=None, due_at=None, language=None):
    """Give ``user`` an active enrolment in the published version of ``course`` unless one is
    open already: the one path for job profiles, retraining and recertification, which add a
    new enrolment beside completed ones. The unique index on open enrolments decides between
    concurrent callers (a request and the beat job, two beats), not a read before the write.
    Records the audit event and the enrolment-confirmation email in the caller's transaction.

    :param source: why it exists (``ENROLMENT_SOURCES``)
    :param due_at: the deadline; None takes the course's default_due_days, if any
    :param language: the language it is taken in; None: the one of the learner's earlier
        enrolment in the course, else their interface language, when the version offers it,
        else the course's own
    :return: (enrolment, created) -- the open enrolment, and False when it already existed
    :raises NotEnrollable: when the course has no published version
    """
    version = course.published_version
    if version is None:
        raise NotEnrollable(course.slug)
    now = utcnow()
    if due_at is None and course.default_due_days:
        due_at = now + timedelta(days=course.default_due_days)
    if language is None:
        from lms.course_languages.learning import default_language

        earlier = enrolment_for(user, course) if source != "self" else None
        language = default_language(user, version, earlier.language if earlier is not None else None)
    enrolment = Enrolment(
        user_id=user.id, course_id=course.id, version_id=version.id, source=source,
        enrolled_at=now, due_at=due_at, last_activity_at=now, language=language,
    )
    try:
        with db.session.begin_nested():  # a concurrent creator hits uq_enrolment_open
            db.session.add(enrolment)
    except IntegrityError:
        return open_enrolment_of(user, course), False
    record_event(
        "enrolment.created", enrolment, actor=actor or user,
        course_id=course.id, version=version.number, user_id=user.id, source=source,
        due_at=due_at.isoformat() if due_at else None, language=language,
    )
    record_enrolment_confirmation(enrolment)  # sent by a worker once this commits
    return enrolment, True


def open_enrolment_of(user, course):
    """The person's active enrolment in ``course``, if any (at most one: uq_enrolment_open)."""
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id,
                                Enrolment.status == "active")
    )
