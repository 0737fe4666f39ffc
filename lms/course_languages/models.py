"""A translation of a course version into one language.

The structure (modules, lessons, questions and their order, a quiz's correct answers) is the
source version's; a translation holds only texts, keyed by the source rows. Progress belongs to
the lesson, never to a translation, so a learner can switch language at any time.

Each translated text keeps ``source_digest``, the digest of the source text it was made from
(lms.course_languages.texts.source_digest): when the source changes in a later version, the
digests no longer match and the translation shows which lessons are out of date.
"""
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow


class CourseTranslation(db.Model):
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Set when an author publishes the translation (with its version, or later for a version
    # that is already published). Learners are offered it only while it is also complete and
    # current (lms.course_languages.texts.translation_state).
    published_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # The translation this one was copied from when a new draft version was opened.
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("course_translation.id"))
    # Optimistic concurrency for the translation's edit forms, like CourseVersion.revision.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    version = relationship("CourseVersion")
    modules: Mapped[list["ModuleTranslation"]] = relationship(back_populates="translation")
    lessons: Mapped[list["LessonTranslation"]] = relationship(back_populates="translation")
    questions: Mapped[list["QuestionTranslation"]] = relationship(back_populates="translation")


class ModuleTranslation(db.Model):
    __table_args__ = (UniqueConstraint("translation_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("course_translation.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source_digest: Mapped[str] = mapped_column(String(64))

    translation: Mapped[CourseTranslation] = relationship(back_populates="modules")
    module = relationship("Module")


class LessonTranslation(db.Model):
    __table_args__ = (UniqueConstraint("translation_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("course_translation.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    # A file lesson's file in this language (a translated PDF, a dubbed video); None: the
    # source lesson's file is used.
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    source_digest: Mapped[str] = mapped_column(String(64))

    translation: Mapped[CourseTranslation] = relationship(back_populates="lessons")
    lesson = relationship("Lesson")
    file = relationship("StoredFile")


class QuestionTranslation(db.Model):
    __table_args__ = (UniqueConstraint("translation_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(ForeignKey("course_translation.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    # As many as the source question's choices, in the same order: the correct indices are
    # the source's.
    choices: Mapped[list] = mapped_column(JSON)
    feedback: Mapped[str] = mapped_column(Text, default="")
    source_digest: Mapped[str] = mapped_column(String(64))

    translation: Mapped[CourseTranslation] = relationship(back_populates="questions")
    question = relationship("Question")


class LessonCaption(db.Model):
    """A WebVTT caption file of a video lesson in one language (the course's own language
    included). Copied with the lesson when a new draft version is opened."""

    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)

    lesson = relationship("Lesson")
    file = relationship("StoredFile")
