"""The authoring blueprint and what its views share: loading objects (404), the policy check
(403), form and redirect helpers. The routes live in views.py, structure_views.py and
preview_views.py."""
import logging

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.accounts.auth import require
from lms.authoring import courses as course_services
from lms.authoring import versions
from lms.authoring.forms import ModuleForm, NewLessonForm, PublishForm
from lms.compliance import retraining
from lms.course_languages import versioning as translations
from lms.course_languages.models import CourseTranslation
from lms.courses.models import Course, CourseVersion, Lesson, Module, Question
from lms.authoring import uploads
from lms.authoring.editing import AuthoringError, Conflict, Frozen
from lms.errors import abort_with, render_error, wants_json
from lms.extensions import db
from lms.policy import Forbidden

log = logging.getLogger(__name__)

bp = Blueprint("authoring", __name__)

# The HTTP status of each refused authoring change (the first class that matches).
REFUSAL_STATUS = [
    (Conflict, 409), (Frozen, 409), (uploads.FileTooLarge, 413),
    (uploads.TypeNotAllowed, 415), (uploads.BadFileName, 400), (AuthoringError, 422),
]


def register_refusals(blueprint, label, special=None):
    """Answer a blueprint's policy refusals with 403 and its refused authoring changes
    (AuthoringError) with their status: nothing of the change is kept (rollback), the refusal
    is logged as "<label> refused", a stale form (Conflict, Frozen) gets the conflict page that
    keeps the author's unsaved text, anything else the error page with the message.

    :param special: ``special(error, status)`` may return a response of its own first (e.g. a
        page listing what is incomplete), or None
    """

    @blueprint.errorhandler(Forbidden)
    def forbidden(error):
        db.session.rollback()
        return render_error(403)

    @blueprint.errorhandler(AuthoringError)
    def refused(error):
        db.session.rollback()  # nothing of the refused change is kept
        status = next(code for cls, code in REFUSAL_STATUS if isinstance(error, cls))
        log.info("%s refused reason=%s status=%s endpoint=%s view_args=%s user_id=%s", label,
                 type(error).__name__, status, request.endpoint, request.view_args, current_user.id)
        if wants_json():
            return render_error(status, error.message)
        response = special(error, status) if special is not None else None
        if response is not None:
            return response
        if isinstance(error, (Conflict, Frozen)):
            referrer = request.referrer or ""
            back = referrer if referrer.startswith(request.host_url) else url_for("authoring.dashboard")
            return render_template(
                "authoring/conflict.html", message=error.message, back=back,
                unsaved=request.form.get("body_markdown") or request.form.get("prompt"),
            ), status
        return render_error(status, error.message)


def load(model, object_id):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort_with(404, _("We could not find that page."))
    return obj


def course_of(obj):
    if isinstance(obj, Course):
        return obj
    if isinstance(obj, CourseVersion):
        return obj.course
    if isinstance(obj, Module):
        return obj.version.course
    if isinstance(obj, Lesson):
        return obj.module.version.course
    if isinstance(obj, Question):
        return obj.lesson.module.version.course
    if isinstance(obj, CourseTranslation):
        return obj.version.course
    raise TypeError(obj)


def editable(model, object_id):
    """The object, after checking the current user may edit its course (404, then 403)."""
    obj = load(model, object_id)
    require("course.edit", course_of(obj))
    return obj


def form_or_400(form):
    """Validate a form that has no fields a person types into (buttons, hidden revision)."""
    if not form.validate_on_submit():
        abort_with(400, _("The form was incomplete or has expired. Reload the page and try again."))
    return form


def refuse_expired(form):
    """After a failed validation: a missing or malformed revision is a broken form (400), not
    something the author typed wrong."""
    if "revision" in form.errors or "csrf_token" in form.errors:
        abort_with(400, _("The form was incomplete or has expired. Reload the page and try again."))


def done(url):
    """Where to go after a change: a redirect, or for script uploads JSON naming it (so the
    flashed message is shown by the page the script then opens)."""
    if wants_json():
        return jsonify(redirect=url)
    return redirect(url)


def render_editor(course, problems=None, status=200, error=None, module_form=None, lesson_forms=None,
                  publish_form=None, publish_error=None):
    """The course editor: the draft (or the published version) with everything to change it."""
    version = course_services.shown_version(course)
    translation_rows = translations.readiness(version) if version is not None else []
    return render_template(
        "authoring/course.html", course=course, version=version, error=error,
        publish_failed=problems is not None,
        problems=problems if problems is not None else versions.completeness_problems(version),
        module_form=module_form or ModuleForm(formdata=None),
        lesson_forms=lesson_forms or {}, new_lesson_form=NewLessonForm(formdata=None),
        form=FlaskForm(formdata=None),
        older=len(versions.learners_on_older_versions(course)),
        publish_form=publish_form or PublishForm(formdata=None), publish_error=publish_error,
        updating=any(v.status in ("published", "archived") for v in course.versions),
        pending=retraining.is_pending, effective_date=retraining.effective_date_label,
        sees_retraining=current_user.is_admin or current_user.is_org_admin,
        translation_rows=translation_rows,
        unready_languages=[t.language for t, _state, ready in translation_rows if not ready],
        unready_names=", ".join(translations.language_name(t.language) for t, _s, ready in translation_rows if not ready),
    ), status
