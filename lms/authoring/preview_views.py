"""Previewing a version as a learner sees it (without an enrolment, nothing recorded), and
serving the images embedded in lesson text to the course's learners and authors."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.accounts.auth import require
from lms.policy import can
from lms.authoring import uploads
from lms.authoring.web import bp, load
from lms.courses import services as courses
from lms.courses.models import CourseVersion
from lms.enrolments import services as enrolments
from lms.errors import abort_with
from lms.progress import rules
from lms.progress.views import parse_answers
from lms.downloads import send_stored


def previewable(version_id):
    version = load(CourseVersion, version_id)
    require("course.view_draft", version.course)
    return version


def preview_lesson_or_404(version, lesson_id):
    lesson = courses.lesson_in_version(lesson_id, version.id)
    if lesson is None:
        abort_with(404, _("This lesson is not part of this version."))
    return lesson


def _neighbours(lessons, lesson):
    i = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    return (lessons[i - 1] if i > 0 else None), (lessons[i + 1] if i + 1 < len(lessons) else None)


def render_preview(version, lesson, result=None, chosen=None, status=200):
    lessons = version.lessons()
    previous, following = _neighbours(lessons, lesson)
    state = {"lessons": lessons, "done": set(), "percent": 0, "next": lessons[0] if lessons else None}
    return render_template(
        "progress/lesson.html", preview=True, version=version, course=version.course, enrolment=None,
        lesson=lesson, state=state, previous=previous, following=following,
        result=result, chosen=chosen or {},
    ), status


@bp.route("/author/versions/<int:version_id>/preview")
@login_required
def preview(version_id):
    version = previewable(version_id)
    return render_template("authoring/preview_course.html", version=version, course=version.course)


@bp.route("/author/versions/<int:version_id>/preview/lessons/<int:lesson_id>")
@login_required
def preview_lesson(version_id, lesson_id):
    version = previewable(version_id)
    return render_preview(version, preview_lesson_or_404(version, lesson_id))


@bp.route("/author/versions/<int:version_id>/preview/lessons/<int:lesson_id>/quiz", methods=["POST"])
@login_required
def preview_quiz(version_id, lesson_id):
    """Score a quiz as a learner would see it; no attempt is recorded."""
    version = previewable(version_id)
    lesson = preview_lesson_or_404(version, lesson_id)
    if not FlaskForm().validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))
    if lesson.kind != "quiz":
        abort_with(409, _("This lesson is not a quiz."))
    answers = parse_answers(lesson, request.form)
    if answers is None:
        abort_with(422, _("The answers sent do not match the questions of this quiz."))
    result = rules.score_quiz(lesson.questions, answers, lesson.pass_mark)
    return render_preview(version, lesson, result=result, chosen=answers)


@bp.route("/author/versions/<int:version_id>/preview/lessons/<int:lesson_id>/file")
@login_required
def preview_file(version_id, lesson_id):
    version = previewable(version_id)
    lesson = preview_lesson_or_404(version, lesson_id)
    if lesson.file is None:
        abort_with(404, _("This lesson has no file."))
    return send_stored(lesson.file, download="download" in request.args)


@bp.route("/courses/<slug>/media/<int:file_id>")
@login_required
def media(slug, file_id):
    """An image embedded in the course's lesson text: for its learners and its authors."""
    course = courses.course_by_slug(slug)
    if course is None:
        abort_with(404, _("There is no such course."))
    if not can(current_user, "course.view_draft", course) and enrolments.enrolment_for(current_user, course) is None:
        abort_with(403, _("Enrol in this course to see its material."))
    asset = uploads.course_asset(course, file_id)
    if asset is None:
        abort_with(404, _("This course has no such image."))
    return send_stored(asset.file)
