from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow


class LessonProgress(db.Model):
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    completed_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    score: Mapped[int | None]


class QuizAttempt(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"))
    # {question_id (as str): [choice indices]}
    answers: Mapped[dict] = mapped_column(JSON)
    score: Mapped[int]
    passed: Mapped[bool]
    submitted_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)

    lesson = relationship("Lesson")
