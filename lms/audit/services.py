"""The one way to write a training-record event."""
from lms.audit.models import AuditEvent
from lms.extensions import db


def record_event(action, subject, actor=None, **data):
    """Add an AuditEvent to the current transaction (flushed with it, never committed here).

    :param action: dotted name, e.g. ``enrolment.created``
    :param subject: the model instance the event is about (must have an id)
    :param actor: the user who caused it, or None for the system
    :return: the new AuditEvent
    """
    event = AuditEvent(
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.id,
        actor_id=actor.id if actor is not None else None,
        data=data,
    )
    db.session.add(event)
    return event
