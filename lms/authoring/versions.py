"""Authoring: publishing a draft, opening a new draft from the published version, and moving
learners to the newest version.

A published version never changes. Editing a published course opens a new draft, a deep copy
whose lessons remember the lesson they were copied from (``Lesson.copied_from_id``). Publishing
it archives the previous version: new enrolments get the new one. The author says whether it
is a minor change (existing learners keep their version until an administrator moves them) or
a major one: from its effective date learners on older versions are moved and everyone who
must have the course retrains (lms.compliance.retraining).
"""
import logging

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.audit.reasons import required_reason
from lms.audit.services import record_event
from lms.authoring.editing import Incomplete, Invalid, authorize, begin_edit
from lms.course_languages import versioning as translations
from lms.courses.models import CourseVersion, Lesson, Module, Question
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress.services import complete_if_done
from lms.progress.models import LessonProgress
from lms.timeutil import utcnow

log = logging.getLogger(__name__)


def completeness_problems(version):
    """What stops ``version`` from being published, as sentences for the author (empty: none)."""
    problems = []
    if not version.modules:
        problems.append(_("Add at least one module."))
    for module in version.modules:
        if not module.lessons:
            problems.append(_("Module “%(module)s” has no lessons.", module=module.title))
        for lesson in module.lessons:
            where = {"lesson": lesson.title, "module": module.title}
            if lesson.kind == "text" and not lesson.body_markdown.strip():
                problems.append(_("Text lesson “%(lesson)s” (module “%(module)s”) has no text.", **where))
            if lesson.kind == "file" and lesson.file_id is None:
                problems.append(_("File lesson “%(lesson)s” (module “%(module)s”) has no file.", **where))
            if lesson.kind == "document":
                if lesson.file_id is None:
                    problems.append(_("Controlled document “%(lesson)s” (module “%(module)s”) has no PDF.", **where))
                if not (lesson.document_number or "").strip() or not (lesson.document_revision or "").strip():
                    problems.append(_("Controlled document “%(lesson)s” (module “%(module)s”) has no document "
                                      "number or revision.", **where))
            if lesson.kind == "observed" and not lesson.body_markdown.strip():
                problems.append(_("Observed practice “%(lesson)s” (module “%(module)s”) has no instructions.", **where))
            if lesson.kind == "quiz":
                if not lesson.questions:
                    problems.append(_("Quiz “%(lesson)s” (module “%(module)s”) has no questions.", **where))
                if not lesson.pass_mark or not 1 <= lesson.pass_mark <= 100:
                    problems.append(_("Quiz “%(lesson)s” (module “%(module)s”) has no pass mark.", **where))
    return problems


def publish(actor, version, revision, change_kind=None, change_reason=None, effective_on=None,
            without_languages=()):
    """Publish the draft ``version``: the previous published version is archived, new
    enrolments get this one, and from now on it is frozen.

    A new version of a published course needs ``change_kind`` ("major": retraining required;
    "minor": wording, typos) and ``change_reason``; a major one may take effect later,
    ``effective_on`` (a date in the course organisation's timezone, not in the past). A major
    version in effect now is applied in this transaction (learners moved, retraining opened);
    a later one by the beat (lms.compliance.retraining_tasks).

    Its complete and current translations are published with it; one that is incomplete or out
    of date is left unoffered only if its language is in ``without_languages`` (the author
    confirmed), else nothing is published.

    :raises LanguagesNotOffered: naming the translations still to confirm
    :raises Incomplete: with ``details["problems"]`` when something is missing
    :raises Invalid: when the kind, reason or effective date is missing or wrong
    :raises Forbidden, Frozen, Conflict: see lms.authoring.editing
    """
    # Retraining moves learners with move_enrolments below: it imports this module.
    from lms.compliance import retraining

    begin_edit(actor, version, revision)
    problems = completeness_problems(version)
    if problems:
        raise Incomplete(_("The course cannot be published yet."), problems=problems)
    now = utcnow()
    try:
        kind, reason, effective_at = retraining.check_change(version, change_kind, change_reason, effective_on, now)
    except retraining.InvalidChange as exc:
        raise Invalid(str(exc)) from None
    translations.check_languages_before_publishing(version, without_languages)
    course = version.course
    previous = course.published_version
    if previous is not None:
        previous.status = "archived"
        db.session.flush()  # at most one published version at any moment
    version.status = "published"
    version.published_at = now
    version.change_kind, version.change_reason, version.effective_at = kind, reason, effective_at
    later = effective_at is not None and effective_at > now
    # A minor or first version has nothing to apply; a major one in effect now is applied
    # below; a later one stays unapplied for the beat.
    version.retraining_applied_at = None if later else now
    db.session.flush()
    offered, unoffered = translations.publish_with_version(actor, version, now)
    record_event(
        "course.published", course, actor=actor, version_id=version.id, version=version.number,
        archived_version=previous.number if previous is not None else None,
        change_kind=kind, change_reason=reason,
        effective_at=effective_at.isoformat() if effective_at else None,
        translations_published=offered, translations_not_offered=unoffered,
    )
    log.info("course published course_id=%s version_id=%s number=%s kind=%s effective_at=%s "
             "archived_version_id=%s actor_id=%s", course.id, version.id, version.number, kind,
             effective_at.isoformat() if effective_at else None, previous.id if previous else None, actor.id)
    if kind == "major" and not later:
        retraining.carry_out(version, actor=actor, now=now)
    return version


def _copy_version(source, number):
    """A draft copy of ``source``: modules, lessons, questions, translations and captions.

    :return: (draft, languages of the translations copied)
    """
    draft = CourseVersion(course=source.course, number=number, status="draft", revision=0)
    db.session.add(draft)
    modules, lessons, questions = {}, {}, {}
    for module in source.modules:
        module_copy = Module(version=draft, position=module.position, title=module.title)
        modules[module.id] = module_copy
        db.session.add(module_copy)
        for lesson in module.lessons:
            lesson_copy = Lesson(
                module=module_copy, position=lesson.position, kind=lesson.kind, title=lesson.title,
                body_markdown=lesson.body_markdown, file_id=lesson.file_id,
                pass_mark=lesson.pass_mark, copied_from_id=lesson.id,
                document_number=lesson.document_number, document_revision=lesson.document_revision,
            )
            lessons[lesson.id] = lesson_copy
            db.session.add(lesson_copy)
            for question in lesson.questions:
                questions[question.id] = Question(
                    lesson=lesson_copy, position=question.position, prompt=question.prompt,
                    choices=list(question.choices), correct=list(question.correct),
                    feedback=question.feedback, allow_multiple=question.allow_multiple,
                )
                db.session.add(questions[question.id])
    languages = translations.copy_translations(source, draft, modules, lessons, questions)
    return draft, languages


def start_draft(actor, course):
    """The course's draft, opened now as a copy of the published version if there is none.

    :return: (draft, created)
    """
    authorize(actor, "course.edit", course)
    existing = next((v for v in course.versions if v.status == "draft"), None)
    if existing is not None:
        return existing, False
    source = course.published_version
    if source is None:
        raise Invalid(_("This course has no published version to copy."))
    number = (db.session.scalar(
        select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)) or 0) + 1
    try:
        # Two authors opening the draft at the same moment: the version number is unique.
        with db.session.begin_nested():
            draft, languages = _copy_version(source, number)
    except IntegrityError:
        db.session.expire(course, ["versions"])
        return next(v for v in course.versions if v.status == "draft"), False
    db.session.expire(course, ["versions"])
    record_event("course.draft_opened", course, actor=actor, version_id=draft.id,
                 version=draft.number, copied_from_version=source.number, translations_copied=languages)
    log.info("draft opened course_id=%s version_id=%s number=%s from_version_id=%s actor_id=%s",
             course.id, draft.id, draft.number, source.id, actor.id)
    return draft, True


# ---------------------------------------------------------- moving learners

def learners_on_older_versions(course):
    """Active enrolments of ``course`` not on its published version, oldest version first."""
    published = course.published_version
    if published is None:
        return []
    return db.session.scalars(
        select(Enrolment)
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .where(Enrolment.course_id == course.id, Enrolment.status == "active",
               Enrolment.version_id != published.id)
        .order_by(CourseVersion.number, Enrolment.enrolled_at)
    ).all()


def _origins(course_id):
    """{lesson id: id of the lesson it was copied from} for every lesson of the course."""
    return dict(db.session.execute(
        select(Lesson.id, Lesson.copied_from_id)
        .join(Module, Module.id == Lesson.module_id)
        .join(CourseVersion, CourseVersion.id == Module.version_id)
        .where(CourseVersion.course_id == course_id)
    ).all())


def _ancestors(lesson_id, origins):
    seen = []
    current = origins.get(lesson_id)
    while current is not None and current not in seen:
        seen.append(current)
        current = origins.get(current)
    return seen


def _carry_progress(enrolment, target, origins):
    """Copy the enrolment's completions onto the lessons of ``target`` copied from them
    (directly or through intermediate versions). The old rows stay: they are history."""
    done = {row.lesson_id: row for row in db.session.scalars(
        select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id))}
    carried = []
    for lesson in target.lessons():
        if lesson.id in done:
            continue
        source = next((done[a] for a in _ancestors(lesson.id, origins) if a in done), None)
        if source is not None and lesson.kind == "document" and not _same_document(lesson, source.lesson_id):
            continue  # a new revision of a controlled document is read and signed anew
        if source is not None:
            db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id,
                                          completed_at=source.completed_at, score=source.score))
            carried.append(lesson.id)
    db.session.flush()
    return carried


def _same_document(lesson, signed_lesson_id):
    """The controlled document ``lesson`` is the one signed as ``signed_lesson_id``: the same
    file and revision."""
    signed = db.session.get(Lesson, signed_lesson_id)
    return (signed.file_id, signed.document_revision) == (lesson.file_id, lesson.document_revision)


def move_to_published(actor, course, enrolment_ids, reason):
    """Move active enrolments of ``course`` to its published version, carrying progress over
    for lessons copied from ones they completed, and completing them if nothing is left.

    Completed enrolments are never moved: they record the version that was completed.

    :param reason: required; recorded with the old and new version of each moved enrolment
    :raises MissingReason: no reason given (nobody is moved)
    :return: the moved Enrolments
    """
    authorize(actor, "enrolment.move_version", course)
    reason = required_reason(reason)
    return move_enrolments(course, enrolment_ids, actor, reason)


def move_enrolments(course, enrolment_ids, actor=None, reason=None):
    """The one way learners move to the published version (an administrator's choice, or a
    major version taking effect: ``actor`` None is the system, and ``reason`` the version's
    reason for the change). No permission check: callers check theirs. See move_to_published.

    :return: the moved Enrolments
    """
    target = course.published_version
    if target is None:
        raise Invalid(_("This course has no published version to move learners to."))
    origins = _origins(course.id)
    target_ids = {lesson.id for lesson in target.lessons()}
    moved = []
    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.id.in_(enrolment_ids), Enrolment.course_id == course.id)
    ).all():
        old_version_id = enrolment.version_id
        # Conditional, so a learner completing at this moment is not moved under their feet.
        result = db.session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment.id, Enrolment.status == "active",
                   Enrolment.version_id == old_version_id, Enrolment.version_id != target.id)
            .values(version_id=target.id, last_activity_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        db.session.refresh(enrolment)
        carried = _carry_progress(enrolment, target, origins)
        old = db.session.get(CourseVersion, old_version_id)
        record_event("enrolment.version_moved", enrolment, actor=actor, course_id=course.id,
                     from_version=old.number, to_version=target.number, carried_lessons=carried,
                     old={"version": old.number}, new={"version": target.number}, reason=reason)
        complete_if_done(enrolment, target_ids, actor)
        moved.append(enrolment)
        log.info("enrolment moved enrolment_id=%s course_id=%s from_version_id=%s to_version_id=%s "
                 "carried=%s completed=%s actor_id=%s", enrolment.id, course.id, old_version_id,
                 target.id, len(carried), enrolment.status == "completed", actor.id if actor else None)
    db.session.flush()
    return moved
