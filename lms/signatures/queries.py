"""Which signatures a page shows: a learner's (My learning, the training record, its PDF and
CSV, the admin's user record page) and a certificate's (the public verification page). Each
comes with the course and lesson it was given in, so a page can say what was signed."""
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from lms.course_languages.models import CourseTranslation, LessonTranslation
from lms.courses.models import Course, CourseVersion, Lesson
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.signatures.display import manifest
from lms.signatures.models import Signature


@dataclass(frozen=True)
class SignedEntry:
    signature: Signature
    course_title: str
    version_number: int
    lesson_title: str

    @property
    def enrolment_id(self):
        return self.signature.enrolment_id

    @property
    def shown(self):
        """The manifest (lms.signatures.display) in the current language and time zone."""
        return manifest(self.signature)


def _entries(where, order_by):
    # The lesson's title in the language the enrolment reads the course in (its published
    # translation's), else the lesson's own: the title the learner saw when signing.
    lesson_title = func.coalesce(func.nullif(LessonTranslation.title, ""), Lesson.title)
    rows = db.session.execute(
        select(Signature, Course.title, CourseVersion.number, lesson_title)
        .join(CourseVersion, CourseVersion.id == Signature.course_version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .join(Lesson, Lesson.id == Signature.lesson_id)
        .join(Enrolment, Enrolment.id == Signature.enrolment_id)
        .outerjoin(CourseTranslation, and_(
            CourseTranslation.version_id == Signature.course_version_id,
            CourseTranslation.language == Enrolment.language,
            CourseTranslation.published_at.is_not(None)))
        .outerjoin(LessonTranslation, and_(
            LessonTranslation.translation_id == CourseTranslation.id,
            LessonTranslation.lesson_id == Signature.lesson_id))
        .where(*where)
        .order_by(*order_by)
    ).all()
    return [SignedEntry(sig, course, number, lesson) for sig, course, number, lesson in rows]


def signatures_of_user(user_id):
    """Every signature on ``user_id``'s training record (theirs and their supervisors'), newest
    enrolment first, then in the order they were given; one query."""
    return _entries(
        [Signature.subject_user_id == user_id],
        [Enrolment.enrolled_at.desc(), Enrolment.id.desc(), Signature.signed_at, Signature.id],
    )


def signatures_by_enrolment(enrolment_ids):
    """{enrolment id: [SignedEntry, ...]} for the given enrolments, in signing order."""
    grouped = {}
    if not enrolment_ids:
        return grouped
    for entry in _entries([Signature.enrolment_id.in_(list(enrolment_ids))], [Signature.signed_at, Signature.id]):
        grouped.setdefault(entry.enrolment_id, []).append(entry)
    return grouped


def signatures_of_certificate(cert):
    """The signatures behind a certificate: those of its enrolment given in the course version
    it certifies (an enrolment moved to a newer version later signs that version's lessons,
    which belong to a later certificate)."""
    return _entries(
        [Signature.enrolment_id == cert.enrolment_id, CourseVersion.number == cert.version_number],
        [Signature.signed_at, Signature.id],
    )
