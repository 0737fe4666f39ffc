"""Supervisors of job profiles: the people an organisation admin names to sign off ("verified
competent") the observed practice of the profile's holders (lms.signatures.supervision).

As elsewhere in the training matrix nothing is deleted: a supervisor taken off a profile gets
``removed_at`` (and a reason in the audit trail), so "who could sign off whom, on 1 March" is
answered from the rows. Services check ``compliance.manage``, flush and record an event whose
person is the supervisor.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.compliance.models import JobProfileSupervisor
from lms.compliance.services import Invalid, _check, _reason
from lms.extensions import db
from lms.timeutil import utcnow


def live_supervision(profile_id, user_id):
    """The live JobProfileSupervisor row of ``user_id`` for ``profile_id``, or None."""
    return db.session.scalar(select(JobProfileSupervisor).where(
        JobProfileSupervisor.profile_id == profile_id, JobProfileSupervisor.user_id == user_id,
        JobProfileSupervisor.removed_at.is_(None)))


def add_supervisor(actor, profile, user, now=None):
    """Name ``user`` a supervisor of ``profile``.

    :raises Forbidden: the actor does not administer the profile's organisation
    :raises Invalid: the person is not an active account of the profile's organisation
    :return: (row, created) -- created False when they supervise it already
    """
    _check(actor, profile)
    if user.organisation_id != profile.organisation_id:
        raise Invalid(_l("%(name)s is not in the organisation of “%(profile)s”.", name=user.name, profile=profile.name))
    if not user.is_active_account:
        raise Invalid(_l("%(name)s's account is deactivated.", name=user.name))
    now = now or utcnow()
    row = JobProfileSupervisor(profile_id=profile.id, user_id=user.id, added_at=now,
                               added_by_id=actor.id if actor is not None else None)
    try:
        with db.session.begin_nested():  # uq_job_profile_supervisor_live: one live per (profile, user)
            db.session.add(row)
    except IntegrityError:
        return live_supervision(profile.id, user.id), False
    record_event("supervisor.added", row, actor=actor, user_id=user.id, profile_id=profile.id,
                 old=None, new={"profile": profile.name, "supervisor": user.name, "added_at": now.isoformat()})
    return row, True


def remove_supervisor(actor, profile, user, reason, now=None):
    """Take ``user`` off the supervisors of ``profile`` (``removed_at``). Sign-offs they gave
    stay valid: they were made while the person was a supervisor.

    :raises Forbidden: the actor does not administer the profile's organisation
    :raises Invalid: no reason, or the person does not supervise the profile
    """
    _check(actor, profile)
    reason = _reason(reason)
    row = live_supervision(profile.id, user.id)
    if row is None:
        raise Invalid(_l("%(name)s does not supervise “%(profile)s”.", name=user.name, profile=profile.name))
    now = now or utcnow()
    row.removed_at = now
    row.removed_by_id = actor.id if actor is not None else None
    db.session.flush()
    record_event("supervisor.removed", row, actor=actor, user_id=user.id, profile_id=profile.id, reason=reason,
                 old={"removed_at": None}, new={"removed_at": now.isoformat()})
    return row


def supervisors_of(profile_id):
    """The live supervisor rows of ``profile_id``, with their people, by name."""
    return db.session.scalars(
        select(JobProfileSupervisor).join(User, User.id == JobProfileSupervisor.user_id)
        .where(JobProfileSupervisor.profile_id == profile_id, JobProfileSupervisor.removed_at.is_(None))
        .order_by(User.name, User.id)
    ).all()
