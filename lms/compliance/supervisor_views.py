"""Supervisors of a job profile, on the profile's page: an organisation admin (or a site
admin) names one of the organisation's people, or takes one off with a reason."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from lms.accounts.models import User
from lms.compliance import services, supervisors
from lms.compliance.forms import RemovalForm
from lms.compliance.views import _person, _profile, _profile_page, _refused
from lms.errors import abort_with
from lms.extensions import db
from lms.policy import Forbidden

bp = Blueprint("compliance_supervisors", __name__, url_prefix="/admin/compliance")


class SupervisorForm(FlaskForm):
    # Looked up, not validated as an address: an unknown one is "nobody has this email".
    email = StringField(_l("Email of the supervisor"), validators=[DataRequired(), Length(max=254)])


def supervisor_form(**kwargs):
    """The "name a supervisor" form: fields prefixed, as the page's "give this job profile to a
    person" form has an email field too; its CSRF token is the page's (CSRFProtect checks it
    before every POST view), so the form's own is off."""
    return SupervisorForm(prefix="supervisor", meta={"csrf": False}, **kwargs)


@bp.post("/profiles/<int:profile_id>/supervisors")
@login_required
def add(profile_id):
    profile = _profile(profile_id)
    form = supervisor_form()
    if not form.validate_on_submit():
        return _profile_page(profile, 422, supervisor_form=form)
    user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
    if user is None or user.organisation_id != profile.organisation_id:
        form.email.errors.append(_("Nobody in %(org)s has this email.", org=profile.organisation.name))
        return _profile_page(profile, 422, supervisor_form=form)
    try:
        _row, created = supervisors.add_supervisor(current_user, profile, user)
    except services.ComplianceError as error:
        db.session.rollback()
        form.email.errors.append(str(error.message))
        return _profile_page(profile, error.status, supervisor_form=form)
    except Forbidden as error:
        db.session.rollback()
        _refused(error)
    db.session.commit()
    if created:
        flash(_("%(name)s now supervises “%(profile)s” and signs off its people's observed practice.",
                name=user.name, profile=profile.name), "success")
    else:
        flash(_("%(name)s already supervises “%(profile)s”.", name=user.name, profile=profile.name), "info")
    return redirect(url_for("compliance.profile", profile_id=profile_id) + "#supervisors-heading")


@bp.post("/profiles/<int:profile_id>/supervisors/<int:user_id>/remove")
@login_required
def remove(profile_id, user_id):
    profile = _profile(profile_id)
    user = _person(user_id)
    form = RemovalForm()
    if not form.validate_on_submit():
        abort_with(422, _("Give a reason: it is kept in the audit trail."))
    try:
        supervisors.remove_supervisor(current_user, profile, user, form.reason.data)
    except (services.ComplianceError, Forbidden) as error:
        db.session.rollback()
        _refused(error)
    db.session.commit()
    flash(_("%(name)s no longer supervises “%(profile)s”.", name=user.name, profile=profile.name), "success")
    return redirect(url_for("compliance.profile", profile_id=profile_id) + "#supervisors-heading")
