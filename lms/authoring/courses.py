"""Authoring: creating courses, their settings, and what an author's dashboard lists."""
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms.policy import can
from lms.accounts.models import Organisation
from lms.audit.services import record_event
from lms.authoring.editing import authorize, begin_course_edit
from lms.courses.models import Course, CourseVersion
from lms.enrolments.models import Enrolment
from lms.extensions import db

COURSE_FIELDS = ("title", "summary", "language", "cpd_hours", "default_due_days", "validity_months")

# Letters NFKD does not take apart into a base letter and an accent.
_TRANSLITERATE = str.maketrans({
    "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ß": "ss", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l",
    "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "œ": "oe", "Œ": "oe",
})


def slugify(title):
    """A URL-safe slug from a title: ascii letters and digits joined by hyphens."""
    text = unicodedata.normalize("NFKD", title.translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:100].rstrip("-")
    return slug or "course"


def _slug_taken(slug):
    return db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None


def unique_slug(title):
    base = slugify(title)
    slug, n = base, 1
    while _slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def organisations_for(user):
    """The organisations ``user`` may create courses for: all for admins, their own for authors."""
    query = select(Organisation).order_by(Organisation.name)
    if user.role != "admin":
        query = query.where(Organisation.id == user.organisation_id)
    return db.session.scalars(query).all()


def create_course(actor, *, organisation_id, **fields):
    """Create a course with an empty draft version 1 (flushed).

    :param fields: title, summary, language, cpd_hours, default_due_days, validity_months
    :raises Forbidden: an author creating a course for another organisation, or a learner
    :return: the new Course
    """
    course = Course(organisation_id=organisation_id, owner_id=actor.id, revision=0,
                    **{name: fields.get(name) for name in COURSE_FIELDS})
    course.summary = course.summary or ""
    authorize(actor, "course.create", course)
    for _attempt in range(5):
        course.slug = unique_slug(course.title)
        try:
            # A course created with the same title at the same moment takes the slug first.
            with db.session.begin_nested():
                db.session.add(course)
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("could not find a free slug")
    db.session.add(CourseVersion(course=course, number=1, status="draft", revision=0))
    db.session.flush()
    record_event("course.created", course, actor=actor, slug=course.slug,
                 organisation_id=course.organisation_id)
    return course


def update_course(actor, course, revision, **fields):
    """Change the course's settings (they belong to the course, not to a version).

    :raises Forbidden, Conflict: see lms.authoring.editing
    :return: the names of the fields that changed
    """
    begin_course_edit(actor, course, revision)
    changed = []
    for name in COURSE_FIELDS:
        if name in fields and getattr(course, name) != fields[name]:
            setattr(course, name, fields[name])
            changed.append(name)
    db.session.flush()
    if changed:
        record_event("course.updated", course, actor=actor, fields=changed)
    return changed


def dashboard(user):
    """The courses ``user`` may edit, with what the dashboard shows about each.

    :return: list of dicts: course, published (version or None), draft (version or None),
        versions (count), enrolled, completed, on_older (active learners on an older version)
    """
    authorize(user, "author.view")
    counts = (
        select(Enrolment.course_id, func.count(Enrolment.id).label("enrolled"),
               func.count(Enrolment.completed_at).label("completed"))
        .group_by(Enrolment.course_id)
        .subquery()
    )
    query = (
        select(Course, func.coalesce(counts.c.enrolled, 0), func.coalesce(counts.c.completed, 0))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .options(selectinload(Course.versions), joinedload(Course.organisation))
        .order_by(Course.title)
    )
    if user.role != "admin":
        query = query.where(Course.organisation_id == user.organisation_id)
    published_ids = {
        course_id: version_id for course_id, version_id in db.session.execute(
            select(CourseVersion.course_id, CourseVersion.id).where(CourseVersion.status == "published"))
    }
    older = dict(db.session.execute(
        select(Enrolment.course_id, func.count(Enrolment.id))
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .where(Enrolment.status == "active", CourseVersion.status == "archived")
        .group_by(Enrolment.course_id)
    ).all())
    rows = []
    for course, enrolled, completed in db.session.execute(query).all():
        if not can(user, "course.edit", course):
            continue
        rows.append({
            "course": course,
            "published": course.published_version,
            "draft": current_draft(course),
            "versions": len(course.versions),
            "enrolled": enrolled,
            "completed": completed,
            "on_older": older.get(course.id, 0) if course.id in published_ids else 0,
        })
    return rows


def current_draft(course):
    return next((v for v in course.versions if v.status == "draft"), None)


def shown_version(course):
    """The version the course editor shows: the draft if there is one, else the published one."""
    return current_draft(course) or course.published_version or (course.versions[-1] if course.versions else None)
