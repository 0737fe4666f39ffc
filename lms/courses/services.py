"""Courses: the catalogue and what a given user may see."""
from functools import cache

from sqlalchemy import bindparam, func, or_, select

from lms.accounts.auth import can
from lms.accounts.models import Organisation
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.extensions import db


def catalogue(language=None, search=None, page=1, per_page=20):
    """Published courses, filtered and paged: one row a course with its slug, title, summary,
    language, cpd_hours, organisation (name), version (number) and modules (count).

    One statement of plain columns (the catalogue is the busiest page): the total comes with
    each row as a window count, so only a page past the end costs a second statement.

    :return: (rows, total)
    """
    query = _catalogue_statement()
    if language:
        query = query.where(Course.language == language)
    if search:
        for word in [w for w in search.split() if w][:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(
                or_(
                    Course.title.ilike(f"%{escaped}%", escape="\\"),
                    Course.summary.ilike(f"%{escaped}%", escape="\\"),
                )
            )
    window = {"limit": per_page, "offset": (page - 1) * per_page}
    rows = db.session.execute(query, window).all()
    if rows:
        total = rows[0].total
    else:  # no courses at all, or a page past the end
        counted = query.order_by(None).limit(None).offset(None).subquery()
        total = db.session.scalar(select(func.count()).select_from(counted))
    return rows, total


@cache
def _catalogue_statement():
    # Built once and narrowed per request: see lms.accounts.auth._user_by_id.
    modules = (
        select(Module.version_id, func.count(Module.id).label("n"))
        .group_by(Module.version_id)
        .subquery()
    )
    return (
        select(
            Course.slug, Course.title, Course.summary, Course.language, Course.cpd_hours,
            Organisation.name.label("organisation"), CourseVersion.number.label("version"),
            func.coalesce(modules.c.n, 0).label("modules"),
            func.count().over().label("total"),
        )
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .join(Organisation, Organisation.id == Course.organisation_id)
        .outerjoin(modules, modules.c.version_id == CourseVersion.id)
        .where(CourseVersion.status == "published")
        .order_by(Course.title, Course.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def catalogue_languages():
    """Languages that at least one published course is in."""
    return db.session.scalars(_languages_statement()).all()


@cache
def _languages_statement():
    return (
        select(Course.language)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.status == "published")
        .distinct()
        .order_by(Course.language)
    )


def course_by_slug(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def visible_version(course, user):
    """The version ``user`` may look at: the published one, or for its authors the latest draft."""
    if course is None:
        return None
    published = course.published_version
    if published is not None:
        return published
    if can(user, "course.view_draft", course) and course.versions:
        return course.versions[-1]
    return None


def lesson_in_version(lesson_id, version_id):
    return db.session.scalar(
        select(Lesson)
        .join(Module, Module.id == Lesson.module_id)
        .where(Lesson.id == lesson_id, Module.version_id == version_id)
    )
