"""Factories: plain callables that build real rows through the models (flushed and committed,
so the live server and worker processes see them)."""
import itertools

from lms.accounts.auth import hash_password
from lms.accounts.models import Organisation, User
from lms.courses.models import Course, CourseVersion, Lesson, Module, Question
from lms.enrolments import services as enrolments
from lms.extensions import db
from lms.storage import store_bytes
from lms.timeutil import utcnow

PASSWORD = "correct horse battery"
_seq = itertools.count(1)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def create_org(name=None, country="NO"):
    org = Organisation(name=name or f"Org {next(_seq)}", country=country)
    db.session.add(org)
    db.session.commit()
    return org


def create_user(role="learner", email=None, name=None, org=None, locale="en", password=PASSWORD):
    n = next(_seq)
    org = org or create_org()
    user = User(
        email=(email or f"user{n}@example.test").lower(), name=name or f"User {n}",
        password_hash=hash_password(password), role=role, organisation=org,
        country=org.country, locale=locale,
    )
    db.session.add(user)
    db.session.commit()
    return user


def add_version(course, lessons=("text", "file", "quiz"), modules=1, status="published", pass_mark=50):
    """A version of ``course`` with ``modules`` modules, each holding ``lessons`` kinds."""
    number = len(course.versions) + 1
    version = CourseVersion(
        course=course, number=number, status=status,
        published_at=utcnow() if status == "published" else None,
    )
    db.session.add(version)
    for m in range(modules):
        module = Module(version=version, position=m, title=f"Module {m + 1}")
        db.session.add(module)
        for position, kind in enumerate(lessons):
            stored = store_bytes(PDF_BYTES, "handout.pdf", "application/pdf") if kind == "file" else None
            if kind == "document":  # a controlled document: its own bytes, number and revision
                stored = store_bytes(PDF_BYTES + f"% SOP {next(_seq)}\n".encode(), "sop.pdf", "application/pdf")
            lesson = Lesson(module=module, position=position, kind=kind, file=stored,
                            title=f"{kind.title()} {m + 1}.{position + 1}")
            if kind == "document":
                lesson.document_number, lesson.document_revision = f"SOP-QA-{next(_seq):03d}", "1"
            if kind == "text":
                lesson.body_markdown = "## Read this\n\nSome **important** text."
            elif kind == "quiz":
                lesson.pass_mark = pass_mark
                lesson.questions = [
                    Question(position=0, prompt="Single?", choices=["right", "wrong"], correct=[0]),
                    Question(position=1, prompt="Multiple?", choices=["a", "b", "c"], correct=[0, 2]),
                ]
            db.session.add(lesson)
    db.session.commit()
    return version


def create_course(title=None, published=True, lessons=("text", "file", "quiz"), modules=1,
                  org=None, language="en", owner=None, default_due_days=None):
    n = next(_seq)
    org = org or create_org()
    course = Course(
        slug=f"course-{n}", title=title or f"Course {n}", summary=f"Summary of course {n}",
        language=language, cpd_hours=2.5, organisation=org, owner=owner,
        default_due_days=default_due_days,
    )
    db.session.add(course)
    add_version(course, lessons=lessons, modules=modules, status="published" if published else "draft")
    return course


def enrol(user, course):
    enrolment, _created = enrolments.enrol(user, course)
    db.session.commit()
    return enrolment


def lessons_of(enrolment_or_course):
    version = getattr(enrolment_or_course, "version", None) or enrolment_or_course.published_version
    return version.lessons()


def create_profile(org, name=None):
    """A job profile of ``org`` (rows only; the matrix services are tested on their own)."""
    from lms.compliance.models import JobProfile

    profile = JobProfile(organisation=org, name=name or f"Profile {next(_seq)}")
    db.session.add(profile)
    db.session.commit()
    return profile


def add_requirement(profile, course, due_days=30, recurs=False, created_at=None, removed_at=None):
    from lms.compliance.models import Requirement

    requirement = Requirement(profile=profile, course=course, due_days=due_days, recurs=recurs,
                              created_at=created_at or utcnow(), removed_at=removed_at)
    db.session.add(requirement)
    db.session.commit()
    return requirement


def assign_profile(user, profile, assigned_at=None, removed_at=None):
    """A JobAssignment row as history would have it (no enrolments are created here)."""
    from lms.compliance.models import JobAssignment

    assignment = JobAssignment(user=user, profile=profile, assigned_at=assigned_at or utcnow(),
                               removed_at=removed_at)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def enrolment_row(user, course, version=None, status="active", enrolled_at=None, due_at=None,
                  completed_at=None, valid_until=None, source="job_profile"):
    """An Enrolment row with the given history (no emails, no certificate)."""
    from lms.enrolments.models import Enrolment

    version = version or course.published_version or course.versions[-1]
    enrolment = Enrolment(user=user, course=course, version=version, status=status,
                          enrolled_at=enrolled_at or utcnow(), due_at=due_at, completed_at=completed_at,
                          valid_until=valid_until, source=source)
    db.session.add(enrolment)
    db.session.commit()
    return enrolment
