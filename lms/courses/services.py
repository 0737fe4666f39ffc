"""Courses: the catalogue and what a given user may see."""
from functools import cache

from sqlalchemy import bindparam, func, literal_column, or_, select, union

from lms.policy import can
from lms.accounts.models import Organisation
from lms.course_languages.models import CourseTranslation
from lms.courses.models import Course, CourseVersion, Lesson, Module
from lms.extensions import db

# The catalogue's statements are Core, over these table columns.
_course, _version = Course.__table__.c, CourseVersion.__table__.c
_translation = CourseTranslation.__table__.c


def catalogue(language=None, search=None, page=1, per_page=20):
    """Published courses, filtered and paged: one row a course with its slug, title, summary,
    language, cpd_hours, organisation (name), version (number), modules (count) and
    translations (its published translations' languages, see offered_languages), plus the
    catalogue's total and languages (see catalogue_languages).

    One Core statement of plain columns (the catalogue is the busiest page; Core skips the
    ORM's compile and row machinery): the total and the languages come with each row as
    one-off scalar subqueries, so only a page past the end costs a second statement.

    :return: (rows, total)
    """
    words = search.split()[:8] if search else []
    params = {"limit": per_page, "offset": (page - 1) * per_page, "language": language}
    for n, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"word{n}"] = f"%{escaped}%"
    connection = db.session.connection()  # in the session's transaction
    rows = connection.execute(_catalogue_statement(bool(language), len(words)), params).all()
    if rows:
        total = rows[0].total
    else:  # no courses at all, or a page past the end
        counted = _published(select(func.count()), _filters(bool(language), len(words)))
        total = connection.execute(counted, params).scalar_one()
    return rows, total


def _published_translations():
    """The published translations of the row's version (lms.course_languages): a course is
    offered in its own language and in each of these."""
    return select(_translation.language).where(
        _translation.version_id == _version.id, _translation.published_at.is_not(None))


def _filters(by_language, words):
    """The catalogue's filters, their values bound by name: language, word0, word1, ...

    The language filter finds a course offered in that language (its own or a published
    translation's); words are looked for in the titles and summaries of both too.
    """
    conditions = []
    if by_language:
        language = bindparam("language")
        conditions.append(or_(_course.language == language,
                              _published_translations().where(_translation.language == language).exists()))
    for n in range(words):
        pattern = bindparam(f"word{n}")
        conditions.append(or_(
            _course.title.ilike(pattern, escape="\\"), _course.summary.ilike(pattern, escape="\\"),
            _published_translations().where(or_(_translation.title.ilike(pattern, escape="\\"),
                                                _translation.summary.ilike(pattern, escape="\\"))).exists(),
        ))
    return conditions


def _published(query, conditions=()):
    """``query`` over the courses of published versions that meet ``conditions``."""
    return (
        query.select_from(Course.__table__)
        .join(CourseVersion.__table__, _version.course_id == _course.id)
        .where(_version.status == "published", *conditions)
    )


@cache
def _catalogue_statement(by_language=False, words=0):
    # Built once for each shape of filter (at most 2 x 9), its values bound per request.
    conditions = _filters(by_language, words)
    organisation, module = Organisation.__table__.c, Module.__table__.c
    # Counted for the page's rows through the index on module.version_id.
    modules = select(func.count()).where(module.version_id == _version.id).scalar_subquery()
    # correlate(None): over its own FROM, so counted once a statement, not once a row.
    total = _published(select(func.count()), conditions).correlate(None).scalar_subquery()
    # The row's published translations' languages, one string ("lt,nb"; see offered_languages).
    translations = (
        select(func.aggregate_strings(_translation.language, literal_column("','")))
        .where(_translation.version_id == _version.id, _translation.published_at.is_not(None))
        .scalar_subquery()
    )
    return (
        _published(
            select(
                _course.slug, _course.title, _course.summary, _course.language, _course.cpd_hours,
                organisation.name.label("organisation"), _version.number.label("version"),
                modules.label("modules"), total.label("total"),
                _languages_statement().scalar_subquery().label("languages"),
                translations.label("translations"),
            ),
            conditions,
        )
        .join(Organisation.__table__, organisation.id == _course.organisation_id)
        .order_by(_course.title, _course.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def offered_languages(row):
    """The languages a catalogue() row's course is offered in: its own first, then those of
    its version's published translations."""
    others = set(row.translations.split(",")) - {row.language} if row.translations else set()
    return [row.language] + sorted(others)


def catalogue_languages(rows=None):
    """Languages that at least one published course is offered in (its own or a published
    translation's): read off a page of catalogue() rows when there is one (each row carries
    them), else queried."""
    joined = rows[0].languages if rows else db.session.connection().scalar(_languages_statement())
    return sorted(joined.split(",")) if joined else []


@cache
def _languages_statement():
    # One string, so that it fits in a column of the catalogue's statement. Language codes
    # (config LANGUAGES) hold no comma. The separator is a literal: a bound one is written into
    # the SQL on every execution.
    translated = (
        select(_translation.language)
        .select_from(CourseTranslation.__table__)
        .join(CourseVersion.__table__, _version.id == _translation.version_id)
        .where(_version.status == "published", _translation.published_at.is_not(None))
    )
    languages = union(_published(select(_course.language)), translated).subquery()
    return select(func.aggregate_strings(languages.c.language, literal_column("','")))


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
