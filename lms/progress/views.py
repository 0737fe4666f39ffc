from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from lms.certificates.validity import validities
from lms.certificates.services import latest_for_enrolments
from lms.course_languages import learning
from lms.courses.models import SIGNED_LESSON_KINDS
from lms.enrolments.models import Enrolment
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import ascii_int
from lms.progress import services
from lms.signatures import document_page
from lms.signatures.queries import signatures_by_enrolment
from lms.downloads import send_stored

bp = Blueprint("progress", __name__)


def enrolled_lesson(slug, lesson_id):
    """The enrolment and lesson, or a clear 404/403: only enrolled learners reach lessons."""
    course, enrolment, lesson = services.learner_lesson(current_user.id, slug, lesson_id)
    if course is None:
        abort_with(404, _("There is no such course."))
    if enrolment is None:
        abort_with(403, _("Enrol in this course to open its lessons."))
    if lesson is None:
        abort_with(404, _("This lesson is not part of your course."))
    return course, enrolment, lesson


def _neighbours(state, lesson):
    lessons = state["lessons"]
    i = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    return (lessons[i - 1] if i > 0 else None), (lessons[i + 1] if i + 1 < len(lessons) else None)


def render_lesson(course, enrolment, lesson, result=None, chosen=None, status=200, done=None, signing=None):
    """The lesson page; ``done``: the completed lesson ids when just read with the lesson;
    ``signing``: a controlled document's signing state (lms.signatures.document_page)."""
    state = services.summary(enrolment, done)
    previous, following = _neighbours(state, lesson)
    if lesson.translation_id is not None:  # the neighbours' titles in the same language
        titles = learning.lesson_titles(lesson.translation_id, [item.id for item in (previous, following) if item])
        previous, following = (item._replace(title=titles.get(item.id) or item.title) if item else None
                               for item in (previous, following))
    captions = {}
    if lesson.kind == "file" and lesson.file is not None and lesson.file.content_type.startswith("video/"):
        captions = learning.captions_of(lesson.id)
    if lesson.kind == "document" and signing is None:  # its signature, or the form with a new nonce
        signing = document_page.signing_state(enrolment, lesson)
    return render_template(
        "progress/lesson.html", course=course, enrolment=enrolment, lesson=lesson, state=state,
        previous=previous, following=following, result=result,
        chosen=chosen or {}, captions=captions, reading=enrolment.reading, signing=signing,
    ), status


@bp.route("/courses/<slug>/lessons/<int:lesson_id>")
@login_required
def lesson(slug, lesson_id):
    course, enrolment, lesson = enrolled_lesson(slug, lesson_id)
    page = render_lesson(course, enrolment, lesson, done=enrolment.completed_ids)
    if lesson.kind == "document":
        db.session.commit()  # the signing form's single-use nonce
    return page


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/file")
@login_required
def lesson_file(slug, lesson_id):
    _course, _enrolment, lesson = enrolled_lesson(slug, lesson_id)
    if lesson.file is None:
        abort_with(404, _("This lesson has no file."))
    return send_stored(lesson.file, download="download" in request.args)


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/complete", methods=["POST"])
@login_required
def complete(slug, lesson_id):
    # The CSRF token was checked before the view (CSRFProtect), as for every form.
    course, enrolment, lesson = enrolled_lesson(slug, lesson_id)
    if lesson.kind == "quiz":
        abort_with(409, _("A quiz is completed by passing it."))
    if lesson.kind in SIGNED_LESSON_KINDS:
        abort_with(409, _("This lesson is completed by an electronic signature."))
    services.complete_lesson(enrolment, lesson, actor=current_user)
    completed = enrolment.status == "completed"
    db.session.commit()
    if completed:
        flash(_("Congratulations, you have completed %(title)s.", title=course.title), "success")
        return redirect(url_for("courses.course_page", slug=slug))
    return redirect(url_for("courses.continue_course", slug=slug))


def parse_answers(lesson, form):
    """{question_id: set(indices)} from the posted form; None when a value is malformed."""
    answers = {}
    for question in lesson.questions:
        raw = form.getlist(f"q{question.id}")
        chosen = set()
        for value in raw:
            index = ascii_int(value, 0, len(question.choices) - 1)
            if index is None:
                return None
            chosen.add(index)
        if len(chosen) > 1 and not question.multiple:
            return None
        answers[question.id] = chosen
    return answers


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/quiz", methods=["POST"])
@login_required
def submit_quiz(slug, lesson_id):
    course, enrolment, lesson = enrolled_lesson(slug, lesson_id)
    if not FlaskForm().validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))
    if lesson.kind != "quiz":
        abort_with(409, _("This lesson is not a quiz."))
    answers = parse_answers(lesson, request.form)
    if answers is None:
        abort_with(422, _("The answers sent do not match the questions of this quiz."))
    if not any(answers.values()):
        flash(_("Answer the questions before submitting."), "error")
        return render_lesson(course, enrolment, lesson, status=422)
    _attempt, result = services.submit_quiz(enrolment, lesson, answers, actor=current_user)
    db.session.commit()
    return render_lesson(course, enrolment, lesson, result=result, chosen=answers)


@bp.route("/my-learning")
@login_required
def my_learning():
    rows = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == current_user.id).order_by(Enrolment.enrolled_at.desc())
    ).all()
    items = [(e, services.summary(e)) for e in rows]
    certificates = latest_for_enrolments([e.id for e in rows if e.status == "completed"])
    states = validities(certificates.values())
    return render_template("progress/my_learning.html", items=items, certificates=certificates,
                           titles=learning.course_titles(rows),
                           signatures=signatures_by_enrolment([e.id for e in rows]),
                           validity_of=lambda cert: states.get(cert.id) if cert else None)
