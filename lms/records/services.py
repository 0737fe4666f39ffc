"""A learner's training record: every course, version, completion date, CPD hours, score and
certificate -- what an employer or an inspector asks for."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, select

from lms.accounts.models import Organisation, User
from lms.certificates.models import Certificate
from lms.certificates.validity import validities
from lms.courses.models import Course, CourseVersion, Lesson
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress.models import LessonProgress


@dataclass(frozen=True)
class RecordLine:
    course_title: str
    organisation: str
    version: int
    status: str
    enrolled_at: datetime
    completed_at: datetime | None
    cpd_hours: Decimal
    score: int | None  # mean of the passed quiz scores, when the course has quizzes
    certificate_code: str | None
    certificate_status: str | None
    # lms.certificates.validity: valid, expiring, expired, superseded, revoked, pending
    certificate_validity: str | None = None
    valid_until: datetime | None = None
    # The language the course was (or is being) taken in: the certificate's snapshot once
    # there is one, else the enrolment's (lms.course_languages).
    course_language: str | None = None


def training_record(user):
    """The record lines of ``user``, newest enrolment first, in one query whatever its size.

    A completed course shows the snapshot on its certificate where there is one, so the record
    stays true after a course is renamed.
    """
    scores = (
        select(LessonProgress.enrolment_id, func.avg(LessonProgress.score).label("score"))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.kind == "quiz")
        .group_by(LessonProgress.enrolment_id)
        .subquery()
    )
    latest = (
        select(Certificate.enrolment_id, func.max(Certificate.sequence).label("sequence"))
        .group_by(Certificate.enrolment_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Enrolment, Course, Organisation.name, CourseVersion.number, scores.c.score, Certificate)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Organisation, Organisation.id == Course.organisation_id)
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .outerjoin(scores, scores.c.enrolment_id == Enrolment.id)
        .outerjoin(latest, latest.c.enrolment_id == Enrolment.id)
        .outerjoin(Certificate, and_(Certificate.enrolment_id == Enrolment.id, Certificate.sequence == latest.c.sequence))
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    ).all()
    states = validities([row[-1] for row in rows])
    lines = []
    for enrolment, course, organisation, version_number, score, cert in rows:
        issued = cert is not None and cert.status in ("issued", "revoked")
        lines.append(RecordLine(
            course_title=cert.course_title if issued else course.title,
            organisation=cert.organisation_name if issued else organisation,
            version=cert.version_number if issued else version_number,
            status=enrolment.status,
            enrolled_at=enrolment.enrolled_at,
            completed_at=enrolment.completed_at,
            cpd_hours=cert.cpd_hours if issued else course.cpd_hours,
            score=round(score) if score is not None else None,
            certificate_code=cert.code if issued else None,
            certificate_status=cert.status if cert is not None else None,
            certificate_validity=states[cert.id].status if cert is not None else None,
            valid_until=cert.expires_at if cert is not None else enrolment.valid_until,
            course_language=(cert.course_language if issued and cert.course_language
                             else enrolment.language or course.language),
        ))
    return lines


def completed_cpd_hours(lines):
    return sum((line.cpd_hours for line in lines if line.completed_at), Decimal(0))


def user_or_none(user_id):
    return db.session.get(User, user_id)
