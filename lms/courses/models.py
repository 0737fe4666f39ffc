from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow

# document: a controlled document (an SOP as PDF, with its number and revision) the learner
# signs "read and understood"; observed: on-the-job practice a supervisor signs off
# ("verified competent"). Both complete only by an electronic signature (lms.signatures).
LESSON_KINDS = ("text", "file", "quiz", "document", "observed")
SIGNED_LESSON_KINDS = ("document", "observed")
VERSION_STATUSES = ("draft", "published", "archived")


class Course(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    cpd_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    default_due_days: Mapped[int | None]
    validity_months: Mapped[int | None]
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped by every change of the course settings: optimistic concurrency for their form.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation = relationship("Organisation")
    owner = relationship("User")
    versions: Mapped[list["CourseVersion"]] = relationship(
        back_populates="course", order_by="CourseVersion.number"
    )

    @property
    def published_version(self):
        return next((v for v in self.versions if v.status == "published"), None)


class CourseVersion(db.Model):
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        # At most one draft per course, enforced by the database: two authors opening the
        # draft at the same moment cannot both create one (see authoring.versions.start_draft).
        Index("uq_course_version_one_draft", "course_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # Set at publication. major: retraining required from effective_at (None = from
    # published_at); minor: wording only, learners move to it and no one retrains. A version
    # without a change_kind (the first, and those published before this existed) is major.
    change_kind: Mapped[str | None] = mapped_column(String(8))
    change_reason: Mapped[str | None] = mapped_column(Text)
    effective_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # When the consequences of publishing this version were carried out (a major version:
    # learners moved and retraining enrolments opened at its effective date; a minor or first
    # version: at publication, nothing to do). NULL on a published major version = still to
    # apply; the beat claims it with a conditional UPDATE, so it is applied once.
    retraining_applied_at: Mapped[object | None] = mapped_column(UTCDateTime())
    # Bumped by every edit of the draft (modules, lessons, questions, files), so two authors
    # editing at once cannot silently overwrite each other: each edit form carries it.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    course: Mapped[Course] = relationship(back_populates="versions")
    modules: Mapped[list["Module"]] = relationship(
        back_populates="version", order_by="Module.position"
    )

    def lessons(self):
        """Every lesson of this version in reading order."""
        return [lesson for module in self.modules for lesson in module.lessons]


class Module(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_version.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )


class StoredFile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)


class Lesson(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    # Percentage (0-100) a quiz attempt must reach to pass.
    pass_mark: Mapped[int | None]
    # A controlled document's identity as the company's document system knows it
    # (e.g. "SOP-QA-012", revision "4"): shown to the signer and on every signature.
    document_number: Mapped[str | None] = mapped_column(String(64))
    document_revision: Mapped[str | None] = mapped_column(String(32))
    # The lesson of the previous version this one was copied from when the draft was opened:
    # how a learner moved to a newer version keeps the progress they made.
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"))

    module: Mapped[Module] = relationship(back_populates="lessons")
    file: Mapped[StoredFile | None] = relationship()
    questions: Mapped[list["Question"]] = relationship(
        back_populates="lesson", order_by="Question.position"
    )


class Question(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(Text)
    # choices: list of strings; correct: list of indices into choices.
    choices: Mapped[list] = mapped_column(JSON)
    correct: Mapped[list] = mapped_column(JSON)
    feedback: Mapped[str] = mapped_column(Text, default="")
    # "Choose all that apply", even when only one choice is correct (no give-away radio buttons).
    allow_multiple: Mapped[bool] = mapped_column(default=False, server_default=false())

    lesson: Mapped[Lesson] = relationship(back_populates="questions")

    @property
    def multiple(self):
        return self.allow_multiple or len(self.correct) > 1


class CourseAsset(db.Model):
    """A file (an image embedded in lesson text) that belongs to a course, in every version:
    served to the course's learners and authors only."""

    __table_args__ = (UniqueConstraint("course_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)

    file: Mapped[StoredFile] = relationship()

