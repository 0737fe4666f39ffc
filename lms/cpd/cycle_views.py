"""Credit cycles: a learner's page of earned against required per body and cycle
(``/cpd/cycles``) and their statements (PDF, CSV); the same for an administrator looking at one
of their people (``/admin/cpd/people/<id>/cycles``); and the site admin's cycles of each body
(``/admin/cpd/cycles``)."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.cpd import cycles as services
from lms.cpd.cycle_forms import CycleForm, DeleteCycleForm, NewCycleForm
from lms.cpd.statement_csv import statement_csv
from lms.cpd.statement_pdf import statement_pdf
from lms.downloads import as_download
from lms.errors import abort_with
from lms.extensions import db
from lms.policy import Forbidden

bp = Blueprint("cpd_cycles", __name__)
FORMATS = ("pdf", "csv")


# ------------------------------------------------------------------ standings, statements


def _cycle(cycle_id):
    cycle = services.cycle_or_none(cycle_id)
    if cycle is None:
        abort_with(404, _("There is no such credit cycle."))
    return cycle


def _person(user_id):
    """The person an administrator asks about: 403 unless they may read their CPD (an org
    admin: their own organisation's people only), 404 when there is nobody."""
    require("cpd.statement.view")
    person = db.session.get(User, user_id)
    if person is None:
        abort_with(404, _("There is no such user."))
    require("cpd.statement.view", person)
    return person


def _filename(standing, ext):
    # Letters of any script stay (sent as RFC 6266 filename*, with an ASCII fallback).
    body = "".join(c if c.isalnum() else "-" for c in standing.body.name.lower()).strip("-") or "body"
    return f"cpd-statement-{body}-{standing.starts_on.isoformat()}.{ext}"


def _statement(person, cycle_id, fmt):
    if fmt not in FORMATS:
        abort_with(404, _("Choose the statement as PDF or CSV."))
    cycle = _cycle(cycle_id)
    standing = services.standing(person, cycle)
    entries = services.statement_entries(person, cycle)
    if fmt == "csv":
        response = Response(statement_csv(person, standing, entries), mimetype="text/csv")
    else:
        response = Response(statement_pdf(person, standing, entries), mimetype="application/pdf")
    return as_download(response, _filename(standing, fmt))


@bp.get("/cpd/cycles")
@login_required
def my_cycles():
    return render_template("cpd/cycles.html", person=current_user, self_view=True,
                           standings=services.standings(current_user))


@bp.get("/cpd/cycles/<int:cycle_id>/statement.<fmt>")
@login_required
def my_statement(cycle_id, fmt):
    return _statement(current_user, cycle_id, fmt)


@bp.get("/admin/cpd/people/<int:user_id>/cycles")
@login_required
def person_cycles(user_id):
    person = _person(user_id)
    return render_template("cpd/cycles.html", person=person, self_view=False,
                           standings=services.standings(person))


@bp.get("/admin/cpd/people/<int:user_id>/cycles/<int:cycle_id>/statement.<fmt>")
@login_required
def person_statement(user_id, cycle_id, fmt):
    return _statement(_person(user_id), cycle_id, fmt)


# ------------------------------------------------------------------------ administration


def _body_choices(form):
    form.body.choices = [(body.id, body.name) for body, _cycles in services.cycles_by_body()]


def _admin_page(form, status=200, error=None):
    return render_template("cpd/cycles_admin.html", form=form, groups=services.cycles_by_body(), error=error,
                           last_day=services.last_day,
                           delete_form=DeleteCycleForm(formdata=None)), status


@bp.route("/admin/cpd/cycles", methods=["GET", "POST"])
@login_required
def cycles():
    require("cpd.cycle.manage")
    form = NewCycleForm() if request.method == "POST" else NewCycleForm(formdata=None)
    _body_choices(form)
    if request.method == "GET":
        return _admin_page(form)
    if not form.validate_on_submit():
        return _admin_page(form, 422)
    body = services.body_or_none(form.body.data)
    try:
        cycle = services.create_cycle(current_user, body, form.starts_on.data, form.years.data, form.required.data)
    except Forbidden:
        abort_with(403, _("Only site administrators manage credit cycles."))
    except services.CycleError as error:
        db.session.rollback()
        _body_choices(form)
        return _admin_page(form, error.status, error=str(error.message))
    db.session.commit()
    flash(_("Cycle of %(body)s starting on %(date)s added.", body=body.name, date=cycle.starts_on.isoformat()),
          "success")
    return redirect(url_for(".cycles"))


def _edit_page(cycle, form, status=200, error=None):
    return render_template("cpd/cycles_edit.html", cycle=cycle, form=form, error=error,
                           delete_form=DeleteCycleForm(formdata=None)), status


@bp.route("/admin/cpd/cycles/<int:cycle_id>", methods=["GET", "POST"])
@login_required
def edit_cycle(cycle_id):
    require("cpd.cycle.manage")
    cycle = _cycle(cycle_id)
    if request.method == "GET":
        return _edit_page(cycle, CycleForm(formdata=None, obj=cycle))
    form = CycleForm()
    if not form.validate_on_submit():
        return _edit_page(cycle, form, 422)
    try:
        services.update_cycle(current_user, cycle, form.starts_on.data, form.years.data, form.required.data)
    except Forbidden:
        abort_with(403, _("Only site administrators manage credit cycles."))
    except services.CycleError as error:
        db.session.rollback()
        return _edit_page(_cycle(cycle_id), form, error.status, error=str(error.message))
    db.session.commit()
    flash(_("Cycle saved."), "success")
    return redirect(url_for(".cycles"))


@bp.post("/admin/cpd/cycles/<int:cycle_id>/delete")
@login_required
def delete_cycle(cycle_id):
    require("cpd.cycle.manage")
    cycle = _cycle(cycle_id)
    if not DeleteCycleForm().validate_on_submit():
        abort_with(400, _("The form expired or was sent from elsewhere. Reload the page and try again."))
    try:
        services.delete_cycle(current_user, cycle)
    except Forbidden:
        abort_with(403, _("Only site administrators manage credit cycles."))
    db.session.commit()
    flash(_("Cycle deleted."), "success")
    return redirect(url_for(".cycles"))
