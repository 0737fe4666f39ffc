"""/cpd: My CPD. A learner's own registration numbers, their ledger per accrediting body, and
their external activities (claim one with its evidence; see the decision). Only ever the
current user's own: nothing here takes a person's id."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from lms.authoring.uploads import FileTooLarge, UploadRefused
from lms.cpd import activities, bodies, ledger, rules
from lms.cpd.errors import CpdError
from lms.cpd.forms import ActivityForm, RegistrationForm
from lms.cpd.models import AccreditingBody, ExternalActivity
from lms.downloads import send_stored
from lms.errors import abort_with
from lms.extensions import db

bp = Blueprint("cpd", __name__, url_prefix="/cpd")


def _body_choices(form):
    form.body.choices = [SelectChoice(b.id, b.name) for b in bodies.all_bodies()]
    return form


def _page(registration_form=None, status=200):
    return render_template(
        "cpd/my_cpd.html", ledgers=ledger.ledger_of(current_user, current_user),
        bodies=bodies.all_bodies(), registrations=bodies.registrations_of(current_user),
        registration_form=registration_form or _body_choices(RegistrationForm(formdata=None)),
        activities=activities.activities_of(current_user),
    ), status


@bp.get("/")
@login_required
def my_cpd():
    return _page()


@bp.post("/registration")
@login_required
def set_registration():
    form = _body_choices(RegistrationForm())
    if not form.validate_on_submit():
        return _page(form, 422)
    body = db.session.get(AccreditingBody, form.body.data)
    try:
        registration = bodies.set_registration(current_user, current_user, body, form.number.data)
    except CpdError as error:
        db.session.rollback()
        form.number.errors.append(str(error.message))
        return _page(form, error.status)
    db.session.commit()
    if registration is None:
        flash(_("Your registration number with %(body)s was removed.", body=body.name), "success")
    else:
        flash(_("Your registration number with %(body)s is saved.", body=body.name), "success")
    return redirect(url_for(".my_cpd"))


def _activity_page(form, status=200):
    return render_template("cpd/new_activity.html", form=form, max_credits=rules.MAX_ACTIVITY_CREDITS,
                           today=activities.latest_today()), status


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new_activity():
    form = _body_choices(ActivityForm())
    if request.method == "GET":
        return _activity_page(form)
    if not form.validate_on_submit():
        return _activity_page(form, 422)
    upload = request.files.get("evidence")
    stream, name = (upload.stream, upload.filename or "") if upload is not None else (None, "")
    try:
        activity = activities.submit_activity(
            current_user, db.session.get(AccreditingBody, form.body.data), form.title.data, form.provider.data,
            form.activity_date.data, form.credits_claimed.data, stream, name)
    except CpdError as error:
        db.session.rollback()
        getattr(form, error.field or "title", form.title).errors.append(str(error.message))
        return _activity_page(form, error.status)
    except UploadRefused as error:
        db.session.rollback()
        return render_template("cpd/new_activity.html", form=form, evidence_error=str(error.message),
                               max_credits=rules.MAX_ACTIVITY_CREDITS,
                               today=activities.latest_today()), (413 if isinstance(error, FileTooLarge) else 422)
    db.session.commit()
    flash(_("“%(title)s” is sent to your organisation's administrator for approval.", title=activity.title),
          "success")
    return redirect(url_for(".my_cpd"))


@bp.get("/activities/<int:activity_id>/evidence")
@login_required
def evidence(activity_id):
    activity = db.session.get(ExternalActivity, activity_id)
    if activity is None or activity.user_id != current_user.id:  # only one's own: others' do not exist here
        abort_with(404, _("There is no such activity."))
    return send_stored(activity.evidence_file, download=True)
