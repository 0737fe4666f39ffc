"""Whose training record and which course an audit event is about.

``record_event`` stores both beside the event (``AuditEvent.person_id`` and ``course_id``) so
the audit page can filter by the person a change concerns (not only by who made it) and by
course with an index, also after the subject row is gone. They are read from the subject
itself (a user, or a row carrying ``user_id`` / ``course_id`` / ``enrolment_id`` /
``version_id`` / ``module_id``), then from the event's data under the same names.
"""
from lms.extensions import db


def _first(subject, data, name):
    value = getattr(subject, name, None)
    if value is None:
        value = data.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def person_and_course(subject, data):
    """``(person_id, course_id)`` of an event about ``subject`` with ``data``; either may be
    None (a course's own events have no person, a user's own no course)."""
    from lms.courses.models import Course, CourseVersion, Lesson, Module
    from lms.accounts.models import User
    from lms.enrolments.models import Enrolment

    person = subject.id if isinstance(subject, User) else _first(subject, data, "user_id")
    course = subject.id if isinstance(subject, Course) else _first(subject, data, "course_id")
    with db.session.no_autoflush:  # called while the caller's changes are still pending
        enrolment_id = subject.id if isinstance(subject, Enrolment) else _first(subject, data, "enrolment_id")
        if enrolment_id is not None and (person is None or course is None):
            enrolment = db.session.get(Enrolment, enrolment_id)
            if enrolment is not None:
                person = person if person is not None else enrolment.user_id
                course = course if course is not None else enrolment.course_id
        if course is None:
            version_id = subject.id if isinstance(subject, CourseVersion) else _first(subject, data, "version_id")
            if version_id is None and isinstance(subject, Lesson):
                module = db.session.get(Module, subject.module_id)
                version_id = module.version_id if module is not None else None
            if version_id is not None:
                version = db.session.get(CourseVersion, version_id)
                course = version.course_id if version is not None else None
    return person, course
