"""Pages of exemptions from requirements: a person's exemptions, granting one (course, reason,
expiry date) and revoking one early (reason). Organisation admins for their own people, site
admins for everyone (``compliance.manage``: 403 otherwise). Bad input re-renders the page with
422 and changes nothing."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.compliance import dashboard, exemptions
from lms.compliance.exemption_forms import GrantExemptionForm, RevokeExemptionForm
from lms.compliance.matrix_export import status_names
from lms.compliance.retraining import organisation_zone
from lms.courses.models import Course
from lms.errors import abort_with
from lms.extensions import db
from lms.policy import Forbidden
from lms.timeutil import utcnow

bp = Blueprint("compliance_exemptions", __name__, url_prefix="/admin/compliance")


@bp.app_template_global("live_requirement_exemptions")
def live_requirement_exemptions(user, at=None):
    """The person's exemptions live at ``at`` (default now), for the pages that include
    compliance/_exemptions.html (the person page, the matrix row, the training record)."""
    return exemptions.exemptions_of(user, live_only=True, now=at) if user is not None else []


def _person(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort_with(404, _("There is no such user."))
    require("compliance.manage", user)
    return user


def _page(person, status=200, grant_form=None, revoke_form=None, revoking=None):
    courses = exemptions.required_courses(person)
    if grant_form is None:
        grant_form = GrantExemptionForm(formdata=None)
    grant_form.course.choices = [(c.id, c.title) for c in courses]
    zone = organisation_zone(person.organisation)
    return render_template(
        "compliance/exemptions.html", person=person, grant_form=grant_form,
        revoke_form=revoke_form or RevokeExemptionForm(formdata=None), revoking=revoking,
        lines=exemptions.exemptions_of(person), rows=dashboard.person_row(db.session, utcnow(), person.id),
        names=status_names(), zone=getattr(zone, "key", "UTC"),
        today=utcnow().astimezone(zone).date(),
    ), status


@bp.get("/people/<int:user_id>/exemptions")
@login_required
def person_exemptions(user_id):
    return _page(_person(user_id))


@bp.post("/people/<int:user_id>/exemptions")
@login_required
def grant(user_id):
    person = _person(user_id)
    form = GrantExemptionForm()
    form.course.choices = [(c.id, c.title) for c in exemptions.required_courses(person)]
    if not form.validate_on_submit():
        return _page(person, 422, grant_form=form)
    course = db.session.get(Course, form.course.data)
    try:
        exemption = exemptions.grant(current_user, person, course, form.reason.data, form.expires_on.data)
    except Forbidden:
        db.session.rollback()
        abort_with(403, _("You do not administer this organisation."))
    except exemptions.ComplianceError as error:
        db.session.rollback()
        field = form.expires_on if isinstance(error, exemptions.BadExpiry) else form.course
        field.errors = list(field.errors) + [str(error.message)]
        return _page(db.session.get(User, user_id), error.status, grant_form=form)
    db.session.commit()
    flash(_("%(name)s is exempt from “%(course)s” until %(day)s.", name=person.name, course=course.title,
            day=exemptions.expiry_day(exemption).isoformat()), "success")
    return redirect(url_for(".person_exemptions", user_id=user_id))


@bp.post("/exemptions/<int:exemption_id>/revoke")
@login_required
def revoke(exemption_id):
    try:
        exemption = exemptions.get(exemption_id)
    except exemptions.NotFound as error:
        abort_with(404, str(error.message))
    person = _person(exemption.user_id)
    form = RevokeExemptionForm()
    if not form.validate_on_submit():
        return _page(person, 422, revoke_form=form, revoking=exemption.id)
    try:
        exemptions.revoke(current_user, exemption, form.reason.data)
    except exemptions.ComplianceError as error:
        db.session.rollback()
        form.reason.errors = list(form.reason.errors) + [str(error.message)]
        return _page(db.session.get(User, person.id), error.status, revoke_form=form, revoking=exemption_id)
    db.session.commit()
    flash(_("The exemption of %(name)s from “%(course)s” has ended.", name=person.name,
            course=exemption.course.title), "success")
    return redirect(url_for(".person_exemptions", user_id=person.id))
