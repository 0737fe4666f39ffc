"""The one way to write a training-record event (chained into the audit hash chain at commit)."""
from lms.audit.chain import mark_pending
from lms.audit.models import AuditEvent
from lms.audit.subjects import person_and_course
from lms.extensions import db
from lms.timeutil import utcnow


def record_event(action, subject, actor=None, **data):
    """Add an AuditEvent to the current transaction (flushed with it, never committed here).

    :param action: dotted name, e.g. ``enrolment.created``
    :param subject: the model instance the event is about (must have an id)
    :param actor: the user who caused it, or None for the system
    :return: the new AuditEvent
    """
    person_id, course_id = person_and_course(subject, data)
    event = AuditEvent(
        at=utcnow(),
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.id,
        actor_id=actor.id if actor is not None else None,
        person_id=person_id,
        course_id=course_id,
        data=data,
    )
    db.session.add(event)
    mark_pending(db.session(), event)  # chained at commit (lms.audit.chain)
    return event
