"""Learners and the languages of a course: switching the language of an enrolment, and the
captions of a video lesson (served with the lesson-file access rules)."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from lms.course_languages import learning
from lms.course_languages.models import LessonCaption
from lms.courses.services import course_by_slug
from lms.downloads import send_stored
from lms.enrolments.services import enrolment_for
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import ascii_int
from lms.policy import Forbidden
from lms.progress.views import enrolled_lesson

bp = Blueprint("course_languages", __name__)


@bp.route("/courses/<slug>/language", methods=["POST"])
@login_required
def switch_language(slug):
    """Read the course in another of its languages from now on; progress stays."""
    if not FlaskForm().validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))
    course = course_by_slug(slug)
    if course is None:
        abort_with(404, _("There is no such course."))
    enrolment = enrolment_for(current_user, course)
    if enrolment is None:
        abort_with(403, _("Enrol in this course to choose its language."))
    try:
        changed = learning.switch_language(enrolment, request.form.get("language"), current_user)
    except learning.LanguageRefused as refused:
        db.session.rollback()
        abort_with(refused.status, str(refused.message))
    except Forbidden:
        db.session.rollback()
        abort_with(403, _("You may change only your own enrolment."))
    language = enrolment.language
    db.session.commit()
    if changed:
        flash(_("You are now taking this course in %(language)s. Your progress is kept.",
                language=learning.language_name(language)), "success")
    lesson_id = ascii_int(request.form.get("lesson", ""), 1, 2**31 - 1)
    if lesson_id is not None:
        return redirect(url_for("progress.lesson", slug=slug, lesson_id=lesson_id))
    return redirect(url_for("courses.course_page", slug=slug))


@bp.route("/courses/<slug>/lessons/<int:lesson_id>/captions.vtt")
@login_required
def caption(slug, lesson_id):
    """A video lesson's WebVTT captions in ``?language=``, for enrolled learners only."""
    _course, _enrolment, lesson = enrolled_lesson(slug, lesson_id)
    language = request.args.get("language", "")
    row = None
    if language in learning.supported_languages():
        row = db.session.scalar(select(LessonCaption).where(
            LessonCaption.lesson_id == lesson.id, LessonCaption.language == language))
    if row is None:
        abort_with(404, _("This video has no captions in that language."))
    response = send_stored(row.file)
    response.headers["Content-Type"] = "text/vtt; charset=utf-8"
    return response
