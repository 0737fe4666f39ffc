"""Courses: the catalogue and what a given user may see."""
from sqlalchemy import func, or_, select

from lms.accounts.auth import can
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.extensions import db


def catalogue(language=None, search=None, page=1, per_page=20):
    """Published courses with their module counts, filtered and paged.

    :return: (rows of (Course, CourseVersion, module_count), total)
    """
    modules = (
        select(Module.version_id, func.count(Module.id).label("n"))
        .group_by(Module.version_id)
        .subquery()
    )
    query = (
        select(Course, CourseVersion, func.coalesce(modules.c.n, 0))
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .outerjoin(modules, modules.c.version_id == CourseVersion.id)
        .where(CourseVersion.status == "published")
    )
    if language:
        query = query.where(Course.language == language)
    if search:
        words = [w for w in search.split() if w][:8]
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(
                or_(
                    Course.title.ilike(f"%{escaped}%", escape="\\"),
                    Course.summary.ilike(f"%{escaped}%", escape="\\"),
                )
            )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Course.title).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return rows, total


def catalogue_languages():
    """Languages that at least one published course is in."""
    return db.session.scalars(
        select(Course.language)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.status == "published")
        .distinct()
        .order_by(Course.language)
    ).all()


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
