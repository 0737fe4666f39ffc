"""Pages of the training matrix: an organisation's job profiles, a profile's requirements and
people, and one person's profiles. Site admins choose the organisation; organisation admins
see only their own (403 on any other, through ``compliance.manage``)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.auth import require
from lms.accounts.models import Organisation, User
from lms.compliance import services, supervisors
from lms.compliance.forms import (
    AssignPersonForm, AssignProfileForm, OrganisationChoiceForm, ProfileForm, RemovalForm, RequirementForm,
)
from lms.compliance.models import JobProfile, Requirement
from lms.courses.models import Course, CourseVersion
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import ascii_int
from lms.policy import Forbidden, can

bp = Blueprint("compliance", __name__, url_prefix="/admin/compliance")


def _guard(target):
    """403 unless the current user administers ``target``'s organisation."""
    require("compliance.manage", target)


def _refused(error):
    """A service's refusal as a 4xx with its message."""
    if isinstance(error, Forbidden):
        abort_with(403, _("You do not administer this organisation."))
    abort_with(error.status, str(error.message))


def _organisation():
    """The organisation whose profiles are listed: an org admin's own; a site admin's choice
    (``?organisation=<id>``, default the first)."""
    if current_user.is_authenticated and current_user.is_org_admin:
        org = db.session.get(Organisation, current_user.organisation_id) if current_user.organisation_id else None
        if org is None:
            abort_with(403, _("Your account belongs to no organisation."))
        wanted = request.args.get("organisation")
        if wanted and wanted != str(org.id):
            abort_with(403, _("You administer only %(org)s.", org=org.name))
        return org, None
    require("compliance.manage")  # site admins only, from here
    choices = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    form = OrganisationChoiceForm(request.args)
    form.organisation.choices = [(o.id, o.name) for o in choices]
    org = None
    if request.args.get("organisation"):
        if not form.validate():
            abort_with(400, _("Choose one of the organisations offered."))
        org = db.session.get(Organisation, form.organisation.data)
    elif choices:
        org = choices[0]
        form.organisation.data = org.id
    if org is None:
        abort_with(404, _("There is no such organisation."))
    return org, form


def _profile(profile_id):
    profile = db.session.get(JobProfile, profile_id)
    if profile is None:
        abort_with(404, _("There is no such job profile."))
    _guard(profile)
    return profile


def _person(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort_with(404, _("There is no such user."))
    _guard(user)
    return user


def _requirable_courses():
    """Courses a requirement may name: those with a published version."""
    return db.session.scalars(
        select(Course).join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.status == "published").order_by(Course.title)
    ).all()


# ------------------------------------------------------------------------- profiles


@bp.route("/profiles", methods=["GET", "POST"])
@login_required
def profiles():
    org, org_form = _organisation()
    _guard(org)
    form = ProfileForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                profile = services.create_profile(current_user, org, form.name.data, form.description.data or "")
            except (services.ComplianceError, Forbidden) as error:
                db.session.rollback()
                if isinstance(error, Forbidden):
                    _refused(error)
                form.name.errors.append(str(error.message))
                status = error.status
            else:
                db.session.commit()
                flash(_("Job profile “%(name)s” created.", name=profile.name), "success")
                return redirect(url_for(".profile", profile_id=profile.id))
        else:
            status = 422
    return render_template("compliance/profiles.html", org=org, org_form=org_form, form=form,
                           profiles=services.profiles_of(org.id)), status


def _profile_page(profile, status=200, **forms):
    from lms.compliance.supervisor_views import supervisor_form  # (that module imports this one)

    requirement_form = forms.get("requirement_form") or RequirementForm(formdata=None)
    requirement_form.course.choices = [(c.id, c.title) for c in _requirable_courses()]
    return render_template(
        "compliance/profiles_detail.html", profile=profile,
        rename_form=forms.get("rename_form") or ProfileForm(formdata=None, obj=profile),
        requirement_form=requirement_form,
        person_form=forms.get("person_form") or AssignPersonForm(formdata=None),
        removal_form=RemovalForm(formdata=None),
        holders=services.holders_of(profile.id),
        supervisor_form=forms.get("supervisor_form") or supervisor_form(formdata=None),
        supervisors=supervisors.supervisors_of(profile.id),  # lms.compliance.supervisor_views
    ), status


@bp.get("/profiles/<int:profile_id>")
@login_required
def profile(profile_id):
    return _profile_page(_profile(profile_id))


@bp.post("/profiles/<int:profile_id>/rename")
@login_required
def rename(profile_id):
    profile = _profile(profile_id)
    form = ProfileForm()
    if not form.validate_on_submit():
        return _profile_page(profile, 422, rename_form=form)
    try:
        services.rename_profile(current_user, profile, form.name.data, form.description.data or "")
    except services.ComplianceError as error:
        db.session.rollback()
        form.name.errors.append(str(error.message))
        return _profile_page(db.session.get(JobProfile, profile_id), error.status, rename_form=form)
    db.session.commit()
    flash(_("Job profile saved."), "success")
    return redirect(url_for(".profile", profile_id=profile_id))


@bp.post("/profiles/<int:profile_id>/requirements")
@login_required
def add_requirement(profile_id):
    profile = _profile(profile_id)
    form = RequirementForm()
    form.course.choices = [(c.id, c.title) for c in _requirable_courses()]
    if not form.validate_on_submit():
        return _profile_page(profile, 422, requirement_form=form)
    try:
        requirement = services.add_requirement(current_user, profile, db.session.get(Course, form.course.data),
                                               form.due_days.data, form.recurs.data)
    except services.ComplianceError as error:
        db.session.rollback()
        form.course.errors.append(str(error.message))
        return _profile_page(db.session.get(JobProfile, profile_id), error.status, requirement_form=form)
    db.session.commit()
    flash(_("“%(course)s” is now required, due %(days)s days after assignment.",
            course=requirement.course.title, days=requirement.due_days), "success")
    return redirect(url_for(".profile", profile_id=profile_id))


@bp.post("/profiles/<int:profile_id>/requirements/<int:requirement_id>/remove")
@login_required
def remove_requirement(profile_id, requirement_id):
    profile = _profile(profile_id)
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None or requirement.profile_id != profile.id:
        abort_with(404, _("There is no such requirement in this job profile."))
    form = RemovalForm()
    if not form.validate_on_submit():
        abort_with(422, _("Give a reason: it is kept in the audit trail."))
    try:
        services.remove_requirement(current_user, requirement, form.reason.data)
    except (services.ComplianceError, Forbidden) as error:
        db.session.rollback()
        _refused(error)
    db.session.commit()
    flash(_("“%(course)s” is no longer required.", course=requirement.course.title), "success")
    return redirect(url_for(".profile", profile_id=profile_id))


@bp.post("/profiles/<int:profile_id>/people")
@login_required
def assign_person(profile_id):
    profile = _profile(profile_id)
    form = AssignPersonForm()
    if not form.validate_on_submit():
        return _profile_page(profile, 422, person_form=form)
    user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
    if user is None or user.organisation_id != profile.organisation_id:
        form.email.errors.append(_("Nobody in %(org)s has this email.", org=profile.organisation.name))
        return _profile_page(profile, 422, person_form=form)
    return _assign(user, profile, form.reason.data, url_for(".profile", profile_id=profile_id))


@bp.post("/profiles/<int:profile_id>/people/<int:user_id>/remove")
@login_required
def unassign_person(profile_id, user_id):
    profile = _profile(profile_id)
    user = _person(user_id)
    return _unassign(user, profile, url_for(".profile", profile_id=profile_id))


# ------------------------------------------------------------------------- one person


def _assign(user, profile, reason, back):
    try:
        _assignment, created = services.assign(current_user, user, profile, reason)
    except (services.ComplianceError, Forbidden) as error:
        db.session.rollback()
        _refused(error)
    db.session.commit()
    if created:
        flash(_("%(name)s now holds “%(profile)s”; the required courses are assigned.",
                name=user.name, profile=profile.name), "success")
    else:
        flash(_("%(name)s already holds “%(profile)s”.", name=user.name, profile=profile.name), "info")
    return redirect(back)


def _unassign(user, profile, back):
    form = RemovalForm()
    if not form.validate_on_submit():
        abort_with(422, _("Give a reason: it is kept in the audit trail."))
    try:
        services.unassign(current_user, user, profile, form.reason.data)
    except (services.ComplianceError, Forbidden) as error:
        db.session.rollback()
        _refused(error)
    db.session.commit()
    flash(_("“%(profile)s” was taken from %(name)s.", profile=profile.name, name=user.name), "success")
    return redirect(back)


def _person_page(user, status=200, form=None):
    if form is None:
        form = AssignProfileForm(formdata=None)
    form.profile.choices = [(p.id, p.name) for p in services.profiles_of(user.organisation_id)]
    return render_template("compliance/profiles_person.html", person=user, form=form,
                           removal_form=RemovalForm(formdata=None),
                           assignments=services.assignments_of(user.id),
                           can_see_record=can(current_user, "admin.view")), status


@bp.get("/people/<int:user_id>")
@login_required
def person(user_id):
    return _person_page(_person(user_id))


@bp.post("/people/<int:user_id>/profiles")
@login_required
def assign_profile(user_id):
    user = _person(user_id)
    named = ascii_int(request.form.get("profile", ""), 1)
    if named is not None and db.session.get(JobProfile, named) is not None:
        _profile(named)  # another organisation's profile: 403, not "not a valid choice"
    form = AssignProfileForm()
    form.profile.choices = [(p.id, p.name) for p in services.profiles_of(user.organisation_id)]
    if not form.validate_on_submit():
        return _person_page(user, 422, form)
    profile = _profile(form.profile.data)
    return _assign(user, profile, form.reason.data, url_for(".person", user_id=user_id))


@bp.post("/people/<int:user_id>/profiles/<int:profile_id>/remove")
@login_required
def unassign_profile(user_id, profile_id):
    user = _person(user_id)
    profile = _profile(profile_id)
    return _unassign(user, profile, url_for(".person", user_id=user_id))
