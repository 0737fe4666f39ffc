"""/admin/cpd: accrediting bodies and the credits courses carry with them (site admins), the
queue of external activities waiting for a decision with their evidence, and a person's ledger
(organisation admins for their own people, through the policy; site admins for everyone)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.courses.models import Course
from lms.cpd import activities, bodies, ledger
from lms.cpd.errors import CpdError
from lms.cpd.forms import BodyForm, CourseCreditForm, DecisionForm
from lms.cpd.models import AccreditingBody, CourseCredit, ExternalActivity
from lms.downloads import send_stored
from lms.errors import abort_with
from lms.extensions import db
from lms.policy import Forbidden, can, organisation_scope

bp = Blueprint("cpd_admin", __name__, url_prefix="/admin/cpd")

BODY_FIELDS = ("name", "country", "unit_name", "rounding_step", "daily_cap", "registration_pattern",
               "registration_example")


def _body(body_id):
    require("cpd.manage")
    body = db.session.get(AccreditingBody, body_id)
    if body is None:
        abort_with(404, _("There is no such accrediting body."))
    return body


def _refused(form, error):
    """Put a service's refusal on its form field (or the form's first), rolled back."""
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    (target if target is not None else form.name).errors.append(str(error.message))
    return error.status


def _body_fields(form):
    return {name: getattr(form, name).data for name in BODY_FIELDS}


@bp.route("/bodies", methods=["GET", "POST"])
@login_required
def bodies_list():
    require("cpd.manage")
    form = BodyForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        else:
            try:
                body = bodies.create_body(current_user, **_body_fields(form))
            except CpdError as error:
                status = _refused(form, error)
            else:
                db.session.commit()
                flash(_("Accrediting body “%(name)s” created.", name=body.name), "success")
                return redirect(url_for(".body", body_id=body.id))
    return render_template("cpd/admin_bodies.html", bodies=bodies.all_bodies(), form=form), status


def _credit_form(formdata=None):
    form = CourseCreditForm(formdata=formdata) if formdata is not None else CourseCreditForm(formdata=None)
    form.course.choices = [SelectChoice(c.id, c.title) for c in db.session.scalars(select(Course).order_by(Course.title))]
    return form


def _body_page(body, form=None, credit_form=None, status=200):
    return render_template(
        "cpd/admin_body.html", body=body, form=form or BodyForm(formdata=None, obj=body),
        credit_form=credit_form or _credit_form(), credits=bodies.credits_of_body(body),
    ), status


@bp.route("/bodies/<int:body_id>", methods=["GET", "POST"])
@login_required
def body(body_id):
    body = _body(body_id)
    if request.method == "GET":
        return _body_page(body)
    form = BodyForm()
    if not form.validate_on_submit():
        return _body_page(body, form=form, status=422)
    try:
        bodies.update_body(current_user, body, **_body_fields(form))
    except CpdError as error:
        status = _refused(form, error)
        return _body_page(db.session.get(AccreditingBody, body_id), form=form, status=status)
    db.session.commit()
    flash(_("Accrediting body saved."), "success")
    return redirect(url_for(".body", body_id=body_id))


@bp.post("/bodies/<int:body_id>/credits")
@login_required
def set_credit(body_id):
    body = _body(body_id)
    form = _credit_form(request.form)
    if not form.validate_on_submit():
        return _body_page(body, credit_form=form, status=422)
    course = db.session.get(Course, form.course.data)
    try:
        credit = bodies.set_course_credit(current_user, course, body, form.amount.data)
    except CpdError as error:
        db.session.rollback()
        form.amount.errors.append(str(error.message))
        return _body_page(db.session.get(AccreditingBody, body_id), credit_form=form, status=error.status)
    db.session.commit()
    flash(_("“%(course)s” now carries %(amount)s %(unit)s with %(body)s.", course=course.title,
            amount=credit.amount, unit=body.unit_name, body=body.name), "success")
    return redirect(url_for(".body", body_id=body_id))


@bp.post("/bodies/<int:body_id>/credits/<int:credit_id>/remove")
@login_required
def remove_credit(body_id, credit_id):
    body = _body(body_id)
    credit = db.session.get(CourseCredit, credit_id)
    if credit is None or credit.body_id != body.id:
        abort_with(404, _("There is no such course credit with this body."))
    title = credit.course.title
    bodies.remove_course_credit(current_user, credit)
    db.session.commit()
    flash(_("“%(course)s” no longer carries credits with %(body)s.", course=title, body=body.name), "success")
    return redirect(url_for(".body", body_id=body_id))


# --------------------------------------------------------------------- activities


def _activity(activity_id):
    """The activity, 403 unless the current user reviews its learner (their organisation)."""
    activity = db.session.get(ExternalActivity, activity_id)
    if activity is None:
        abort_with(404, _("There is no such activity."))
    if not can(current_user, "cpd.review", activity.user):
        abort_with(403, _("You may not review this activity."))
    return activity


@bp.get("/activities")
@login_required
def activities_queue():
    require("cpd.review")
    try:
        scope = organisation_scope(current_user)
    except Forbidden:
        abort_with(403, _("Your account belongs to no organisation."))
    return render_template("cpd/admin_activities.html", pending=activities.pending_activities(scope))


@bp.get("/activities/<int:activity_id>/evidence")
@login_required
def evidence(activity_id):
    activity = _activity(activity_id)
    return send_stored(activity.evidence_file, download=True)


@bp.post("/activities/<int:activity_id>/decide")
@login_required
def decide(activity_id):
    activity = _activity(activity_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort_with(422, _("Choose approve or reject."))
    try:
        activities.decide(current_user, activity, form.decision.data == "approve", form.reason.data)
    except Forbidden:
        db.session.rollback()
        abort_with(403, _("You may not review this activity."))
    except CpdError as error:
        db.session.rollback()
        abort_with(error.status, str(error.message))
    db.session.commit()
    if form.decision.data == "approve":
        flash(_("“%(title)s” approved: the credits are in the ledger.", title=activity.title), "success")
    else:
        flash(_("“%(title)s” rejected.", title=activity.title), "success")
    return redirect(url_for(".activities_queue"))


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id):
    person = db.session.get(User, user_id)
    if person is None:
        abort_with(404, _("There is no such user."))
    require("cpd.review")  # an administrator's page: learners use /cpd
    if not can(current_user, "cpd.view_ledger", person):
        abort_with(403, _("You do not administer this person's organisation."))
    return render_template("cpd/admin_person.html", person=person,
                           ledgers=ledger.ledger_of(current_user, person),
                           activities=activities.activities_of(person))
