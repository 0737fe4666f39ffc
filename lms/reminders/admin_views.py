"""Administrators see the reminder emails that failed for good and send them again."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from lms.accounts.auth import require
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import page_number
from lms.reminders import expiry, services
from lms.reminders.models import ReminderLog

bp = Blueprint("reminder_admin", __name__, url_prefix="/admin/reminders")
PER_PAGE = 50


def kind_labels():
    labels = {
        "enrolment_confirmation": _("Enrolment confirmation"),
        "deadline_7d": _("One week before the deadline"),
        "deadline_1d": _("One day before the deadline"),
        "overdue": _("Overdue"),
        "inactivity": _("Inactivity"),
        "expiry_0d": _("Certificate expired"),
    }
    for days in expiry.parse_days(current_app.config["EXPIRY_REMINDER_DAYS"]):
        labels[expiry.kind_for(days)] = ngettext(
            "Certificate expires in %(num)d day", "Certificate expires in %(num)d days", days)
    return labels


def status_labels():
    return {"pending": _("waiting to be sent"), "sent": _("sent"), "skipped": _("skipped"),
            "failed": _("failed")}


@bp.route("/failed")
@login_required
def failed():
    require("reminder.manage")
    page = page_number(request.args)
    pagination = db.paginate(services.failed_reminders(current_user), page=page, per_page=PER_PAGE,
                             error_out=False)
    return render_template("reminders/admin_failed.html", pagination=pagination,
                           kind_labels=kind_labels())


def _valid_form():
    if not FlaskForm().validate_on_submit():
        abort_with(400, _("The form expired. Reload the page and try again."))


@bp.route("/failed/<int:log_id>/resend", methods=["POST"])
@login_required
def resend_one(log_id):
    require("reminder.manage")
    _valid_form()
    try:
        ids = services.resend_failed(current_user, log_id=log_id)
    except services.NoSuchReminder:
        abort_with(404, _("There is no such reminder."))
    db.session.commit()
    if ids:
        flash(_("The reminder is queued to be sent again."), "success")
    else:
        status = db.session.get(ReminderLog, log_id).status
        flash(_("This reminder has not failed (its status is: %(status)s), so it is not sent again.",
                status=status_labels().get(status, status)), "info")
    return redirect(url_for("reminder_admin.failed"))


@bp.route("/failed/resend", methods=["POST"])
@login_required
def resend_all():
    require("reminder.manage")
    _valid_form()
    ids = services.resend_failed(current_user)
    db.session.commit()
    flash(ngettext("%(num)d reminder is queued to be sent again.",
                   "%(num)d reminders are queued to be sent again.", len(ids)), "success")
    return redirect(url_for("reminder_admin.failed"))
