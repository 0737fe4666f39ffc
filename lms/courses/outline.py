"""A version's lessons in reading order, as light read-only records.

Every lesson page and "continue" needs the order of the whole version. Published and archived
versions are frozen (authors edit a new draft), so each process keeps their outline once
read; drafts (and anything without a publication time) are read afresh every time. The key
carries the publication time and the edit revision too, so a reused id (a deleted and
recreated row) never meets an old outline.
"""
from collections import namedtuple
from functools import lru_cache

from sqlalchemy import bindparam, select

from lms.courses.models import Lesson, Module
from lms.extensions import db

OutlineLesson = namedtuple("OutlineLesson", "id title kind position module_id module_title")


def lessons_in_order(version):
    """The lessons of ``version`` in reading order, as OutlineLesson.

    ``version``: a CourseVersion, or a record with its id, status, published_at and revision
    (lms.progress.services.LessonVersion).
    """
    if version.status == "draft" or version.published_at is None:
        return _load(version.id)
    return _frozen(version.id, version.published_at, version.revision)


@lru_cache(maxsize=2048)
def _frozen(version_id, _published_at, _revision):
    return _load(version_id)


def _load(version_id):
    return tuple(
        OutlineLesson(*row) for row in db.session.execute(_statement(), {"version_id": version_id})
    )


@lru_cache(maxsize=1)
def _statement():
    return (
        select(Lesson.id, Lesson.title, Lesson.kind, Lesson.position, Module.id, Module.title)
        .join(Module, Module.id == Lesson.module_id)
        .where(Module.version_id == bindparam("version_id"))
        .order_by(Module.position, Lesson.position, Lesson.id)
    )
