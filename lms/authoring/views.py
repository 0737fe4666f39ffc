"""Authoring pages: the dashboard, creating a course, its settings, the course editor,
drafts, publishing and moving learners to the newest version."""
from flask import flash, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.accounts.auth import require
from lms.authoring import courses as course_services
from lms.authoring import preview_views, structure_views  # noqa: F401  (their routes)
from lms.authoring import retraining_views, uploads, versions  # noqa: F401  (retraining_views: its routes)
from lms.compliance import retraining
from lms.audit.reasons import MissingReason
from lms.authoring.editing import Incomplete, Invalid
from lms.authoring.forms import CourseForm, CourseSettingsForm, MoveLearnersForm, PublishForm
from lms.authoring.web import (
    bp, done, editable, form_or_400, load, refuse_expired, register_refusals, render_editor,
)
from lms.course_languages.versioning import LanguagesNotOffered
from lms.courses.models import Course, CourseVersion
from lms.errors import abort_with, render_error, wants_json
from lms.extensions import db
from lms.parsing import ids_from
from lms.progress.services import summary

def _incomplete(error, _status):
    """Publishing refused for what the version lacks: the editor, listing it."""
    if isinstance(error, Incomplete):
        version = load(CourseVersion, request.view_args["version_id"])
        return render_editor(version.course, problems=error.details["problems"], status=422)
    return None


register_refusals(bp, "authoring", _incomplete)


@bp.errorhandler(413)
def too_large(error):
    return render_error(413, uploads.too_large_message())


@bp.route("/author/")
@login_required
def dashboard():
    require("author.view")
    rows = course_services.dashboard(current_user)
    return render_template("authoring/dashboard.html", rows=rows)


@bp.route("/author/courses/new", methods=["GET", "POST"])
@login_required
def new_course():
    require("author.view")
    user = current_user
    form = CourseForm(organisations=course_services.organisations_for(user))
    if user.role != "admin":
        del form.organisation_id  # authors create courses for their own organisation
    elif request.method == "GET":
        form.organisation_id.data = user.organisation_id
    if request.method == "GET":
        form.language.data = "en"
    if form.validate_on_submit():
        org_id = form.organisation_id.data if "organisation_id" in form else user.organisation_id
        course = course_services.create_course(
            user, organisation_id=org_id, title=form.title.data.strip(), summary=form.summary.data.strip(),
            language=form.language.data, cpd_hours=form.cpd_hours.data,
            default_due_days=form.default_due_days.data, validity_months=form.validity_months.data,
        )
        db.session.commit()
        flash(_("The course is created. Add its first module."), "success")
        return done(url_for("authoring.course", course_id=course.id))
    status = 422 if request.method == "POST" else 200
    return render_template("authoring/course_form.html", form=form, course=None), status


@bp.route("/author/courses/<int:course_id>/settings", methods=["GET", "POST"])
@login_required
def course_settings(course_id):
    course = editable(Course, course_id)
    form = CourseSettingsForm(obj=course)
    if form.validate_on_submit():
        course_services.update_course(
            current_user, course, form.revision.data, title=form.title.data.strip(),
            summary=form.summary.data.strip(), language=form.language.data,
            cpd_hours=form.cpd_hours.data, default_due_days=form.default_due_days.data,
            validity_months=form.validity_months.data,
        )
        db.session.commit()
        flash(_("The course settings are saved."), "success")
        return done(url_for("authoring.course", course_id=course.id))
    refuse_expired(form)
    status = 422 if request.method == "POST" else 200
    return render_template("authoring/course_form.html", form=form, course=course), status


@bp.route("/author/courses/<int:course_id>")
@login_required
def course(course_id):
    return render_editor(editable(Course, course_id))


@bp.route("/author/courses/<int:course_id>/drafts", methods=["POST"])
@login_required
def start_draft(course_id):
    course = editable(Course, course_id)
    form_or_400(FlaskForm())
    draft, created = versions.start_draft(current_user, course)
    db.session.commit()
    if created:
        flash(_("Version %(n)s is open as a draft. Learners keep seeing the published version "
                "until you publish this one.", n=draft.number), "success")
    return done(url_for("authoring.course", course_id=course.id))


@bp.route("/author/versions/<int:version_id>/publish", methods=["POST"])
@login_required
def publish(version_id):
    version = editable(CourseVersion, version_id)
    form = PublishForm()
    if not form.validate_on_submit():
        refuse_expired(form)
        if "csrf_token" in form.errors:
            abort_with(400, _("The form was incomplete or has expired. Reload the page and try again."))
        if wants_json():
            return render_error(422, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return render_editor(version.course, publish_form=form, status=422)
    # The translations the author agreed to leave unoffered, when they ticked the confirmation.
    without = request.form.getlist("without_language") if request.form.get("confirm_languages") else ()
    try:
        versions.publish(current_user, version, form.revision.data, change_kind=form.change_kind.data,
                         change_reason=form.change_reason.data, effective_on=form.effective_on.data,
                         without_languages=without)
    except (Invalid, LanguagesNotOffered) as exc:
        if wants_json():
            raise
        db.session.rollback()
        return render_editor(version.course, publish_form=form, publish_error=exc.message, status=422)
    db.session.commit()
    if version.change_kind == "major" and version.retraining_applied_at is None:
        flash(_("Version %(n)s is published. New enrolments get it; it becomes required on %(day)s, "
                "when learners move to it and retraining starts.",
                n=version.number, day=format_date(retraining.effective_date_label(version))), "success")
    elif version.change_kind == "major":
        flash(_("Version %(n)s is published and required from now on: learners on older versions "
                "moved to it and retraining started.", n=version.number), "success")
    else:
        flash(_("Version %(n)s is published. New enrolments get it; learners already enrolled keep "
                "their version.", n=version.number), "success")
    return done(url_for("authoring.course", course_id=version.course_id))


@bp.route("/author/courses/<int:course_id>/learners", methods=["GET", "POST"])
@login_required
def learners(course_id):
    course = load(Course, course_id)
    require("enrolment.move_version", course)
    form = MoveLearnersForm()
    if request.method == "POST":
        if not form.validate_on_submit() and set(form.errors) - {"reason"}:
            abort_with(400, _("The form was incomplete or has expired. Reload the page and try again."))
        ids = ids_from(request.form.getlist("enrolment"))
        if ids is None:
            abort_with(400, _("The learners to move were not sent as a list of enrolments."))
        if not ids:
            flash(_("Choose the learners to move."), "error")
            return done(url_for("authoring.learners", course_id=course.id))
        if form.reason.errors:
            return _learners_page(course, form, chosen=set(ids), status=422)
        try:
            moved = versions.move_to_published(current_user, course, ids, form.reason.data)
        except MissingReason as exc:
            db.session.rollback()
            form.reason.errors = [str(exc.message)]
            return _learners_page(course, form, chosen=set(ids), status=422)
        db.session.commit()
        flash(ngettext("%(num)d learner moved to version %(version)s.",
                       "%(num)d learners moved to version %(version)s.", len(moved),
                       version=course.published_version.number), "success")
        return done(url_for("authoring.learners", course_id=course.id))
    return _learners_page(course, MoveLearnersForm(formdata=None))


def _learners_page(course, form, chosen=None, status=200):
    """The learners on older versions; after a refused move, the ones that were chosen stay ticked."""
    rows = [(e, summary(e)) for e in versions.learners_on_older_versions(course)]
    return render_template("authoring/learners.html", course=course, rows=rows, form=form, chosen=chosen), status
