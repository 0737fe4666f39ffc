"""Recertification: RECERT_DAYS_BEFORE days before a certificate expires, its holder gets a
new enrolment in the course (source "recertification", due on the expiry date). Completing it
takes the normal completion path, which issues a new certificate (new code, new validity) for
the new enrolment; the old one stays verifiable and reads "superseded", later "expired".

Once per completion: a completion gets a recertification enrolment only while nothing newer
exists for the person and course (no later enrolment at all: the recertification itself, a
retraining, one the learner withdrew from). Two beats at once cannot both create one: the
partial unique index on open enrolments decides inside ``open_enrolment``.

A person exempt from the course (lms.compliance.exemptions) gets no recertification enrolment
while the exemption lasts; the sweep after it ends opens it.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.enrolments.models import Enrolment
from lms.enrolments.services import NotEnrollable, open_enrolment
from lms.extensions import db
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecertResult:
    created: int
    existing: int  # an open enrolment was there already (made meanwhile, or by another path)
    not_enrollable: int  # the course has no published version


def _revoked_without_reissue(enrolment):
    """The completion's certificate was revoked and not reissued: nothing to renew."""
    issued = aliased(Certificate)
    return and_(
        exists().where(Certificate.enrolment_id == enrolment.id, Certificate.status == "revoked"),
        ~exists().where(issued.enrolment_id == enrolment.id, issued.status == "issued"),
    )


def due_for_recertification(now, after_id=0, limit=None):
    """Completed enrolments whose validity ends within RECERT_DAYS_BEFORE days of ``now`` (or
    has ended), of active accounts, with no later enrolment in the course and a certificate
    that was not revoked: (enrolment id, user id, course id, valid_until), by id."""
    from lms.compliance.exemptions import exempt_clause  # compliance imports certificates

    window = timedelta(days=current_app.config["RECERT_DAYS_BEFORE"])
    later = aliased(Enrolment)
    query = (
        select(Enrolment.id, Enrolment.user_id, Enrolment.course_id, Enrolment.valid_until)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.id > after_id,
            Enrolment.status == "completed",
            Enrolment.valid_until.is_not(None),
            Enrolment.valid_until <= now + window,
            User.is_active_account.is_(True),
            ~exists().where(later.user_id == Enrolment.user_id, later.course_id == Enrolment.course_id,
                            later.id > Enrolment.id),
            ~_revoked_without_reissue(Enrolment),
            ~exists().where(exempt_clause(Enrolment.user_id, Enrolment.course_id, now)),
        )
        .order_by(Enrolment.id)
    )
    if limit:
        query = query.limit(limit)
    return db.session.execute(query).all()


def open_recertifications(now=None):
    """Open the recertification enrolments due at ``now``, batch by batch (each committed).
    Safe to run again or twice at once: see the module docstring.

    :return: :class:`RecertResult`
    """
    now = now or utcnow()
    batch_size = current_app.config["REMINDER_BATCH_SIZE"]
    created = existing = not_enrollable = 0
    after_id = 0
    while True:
        rows = due_for_recertification(now, after_id, batch_size)
        if not rows:
            break
        after_id = rows[-1][0]
        for enrolment_id, user_id, course_id, valid_until in rows:
            user, course = db.session.get(User, user_id), db.session.get(Course, course_id)
            try:
                enrolment, made = open_enrolment(user, course, "recertification", due_at=valid_until)
            except NotEnrollable:
                not_enrollable += 1
                log.warning("recertification not opened enrolment_id=%s: course %s has no published version",
                            enrolment_id, course_id)
                continue
            if made:
                created += 1
                log.info("recertification opened enrolment_id=%s for completion enrolment_id=%s user_id=%s",
                         enrolment.id, enrolment_id, user_id)
            else:
                existing += 1
        db.session.commit()
    log.info("recertification sweep at=%s created=%s existing=%s not_enrollable=%s",
             now.isoformat(), created, existing, not_enrollable)
    return RecertResult(created, existing, not_enrollable)
