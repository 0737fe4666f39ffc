"""Training records: a learner's own, and for administrators any learner's (an org admin:
their organisation's); as a page, CSV or PDF."""
from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.downloads import as_download
from lms.errors import abort_with
from lms.mail import external_url
from lms.records import export, services
from lms.signatures.queries import signatures_of_user

bp = Blueprint("records", __name__)
FORMATS = ("html", "csv", "pdf")


def _filename(user, ext):
    # Letters of any script stay (sent as RFC 6266 filename*, with an ASCII fallback).
    safe = "".join(c if c.isalnum() else "-" for c in user.name.lower()).strip("-") or "learner"
    return f"training-record-{safe}.{ext}"


def _respond(user, fmt, self_view):
    if fmt not in FORMATS:
        abort_with(404, _("Choose the record as a page, CSV or PDF."))
    lines = services.training_record(user)
    signatures = signatures_of_user(user.id)  # shown in the viewer's language and time zone
    if fmt == "csv":
        csv_text = export.record_csv(user, lines, signatures)
        return as_download(Response(csv_text, mimetype="text/csv"), _filename(user, "csv"))
    if fmt == "pdf":
        verify = external_url("/verify/")
        pdf = export.record_pdf(user, lines, verify, locale=current_user.locale, signatures=signatures)
        return as_download(Response(pdf, mimetype="application/pdf"), _filename(user, "pdf"))
    return record_page(user, lines=lines, self_view=self_view, signatures=signatures)


def record_page(user, lines=None, self_view=False, status=200, due_form=None, signatures=None):
    """The record as a page; an administrator's view also lists the open enrolments whose due
    dates they may change (``due_form``: (enrolment id, a form sent with errors), shown again)."""
    from lms.enrolments.due_date_views import due_date_rows

    lines = services.training_record(user) if lines is None else lines
    signatures = signatures_of_user(user.id) if signatures is None else signatures
    return render_template("records/record.html", user=user, lines=lines, self_view=self_view,
                           total_hours=services.completed_cpd_hours(lines), signatures=signatures,
                           due_rows=None if self_view else due_date_rows(user, due_form)), status


@bp.route("/my-learning/record", defaults={"fmt": "html"})
@bp.route("/my-learning/record.<fmt>")
@login_required
def my_record(fmt):
    return _respond(current_user, fmt, self_view=True)


@bp.route("/admin/users/<int:user_id>/record", defaults={"fmt": "html"})
@bp.route("/admin/users/<int:user_id>/record.<fmt>")
@login_required
def user_record(user_id, fmt):
    require("record.view")
    user = services.user_or_none(user_id)
    if user is None:
        abort_with(404, _("There is no such user."))
    require("record.view", user)  # an org admin: their organisation's people only
    return _respond(user, fmt, self_view=False)
