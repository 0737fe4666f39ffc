"""The admin's view of the audit trail, and its CSV and PDF exports (site admins only: the
trail holds every organisation's events)."""
import logging
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from lms.accounts.auth import require
from lms.audit import export, trail
from lms.audit.chain import verify_chain
from lms.audit.forms import AuditFilterForm
from lms.courses.models import Course
from lms.downloads import content_disposition
from lms.errors import abort_with
from lms.extensions import db
from lms.parsing import page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
log = logging.getLogger(__name__)
PER_PAGE = 50
# A PDF is read on paper: past this many events (config AUDIT_PDF_MAX_EVENTS), narrow the
# filter or take the CSV.
PDF_MAX_EVENTS = 5000


def _form():
    form = AuditFilterForm(request.args)
    actions, subjects = trail.actions_and_subjects()
    courses = db.session.execute(select(Course.id, Course.title).order_by(Course.title, Course.id)).all()
    form.action.choices = [SelectChoice("", _("All actions"))] + [SelectChoice(a, a) for a in actions]
    form.subject_type.choices = [SelectChoice("", _("All subjects"))] + [SelectChoice(s, s) for s in subjects]
    form.course.choices = [SelectChoice("", _("All courses"))] + [SelectChoice(str(i), t) for i, t in courses]
    return form


def _filter_lines(form, filters):
    """The filter as "Label: value" lines, as the exports state it."""
    if filters.empty:
        return [_("None: every event in the trail.")]
    lines = []
    for user, field in ((filters.person, form.person), (filters.actor, form.actor)):
        if user is not None:
            lines.append(f"{field.label.text}: {user.name} <{user.email}>")
    if filters.course_id is not None:
        title = dict((c.value, c.label) for c in form.course.choices).get(form.course.data, "")
        lines.append(f"{form.course.label.text}: {title}")
    for value, field in ((filters.action, form.action), (filters.subject_type, form.subject_type)):
        if value:
            lines.append(f"{field.label.text}: {value}")
    for day, field in ((filters.date_from, form.date_from), (filters.date_to, form.date_to)):
        if day:
            lines.append(f"{field.label.text}: {day.isoformat()}")
    if filters.date_from or filters.date_to:
        lines.append(_("Dates are days in the time zone %(zone)s.", zone=export.get_timezone().zone))
    return lines


def _valid_filters():
    """(form, filters) for an export; a 422 with the problems when the filter is not valid."""
    require("admin.view")
    form = _form()
    if not form.validate():
        abort_with(422, _("The filters are not valid (%(problems)s).", problems=form.problems()))
    return form, trail.filters_of(form)


@bp.route("/")
@login_required
def events():
    require("admin.view")
    form = _form()
    valid = form.validate()
    filters = trail.filters_of(form) if valid else trail.AuditFilters()
    page = page_number(request.args)
    total = trail.count_events(filters)
    rows = [trail.view_of(row) for row in trail.page_of_events(filters, page, PER_PAGE)]
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "audit/events.html", form=form, rows=rows, total=total, page=page, valid=valid,
        pages=max(1, -(-total // PER_PAGE)), args=args, zone=export.get_timezone().zone,
        subject_label=pgettext("audit trail", "Subject"),
    ), (200 if valid else 422)


def _filename(extension):
    return f"audit-trail-{datetime.now(timezone.utc):%Y%m%d-%H%M}.{extension}"


@bp.route("/events.csv")
@login_required
def export_csv():
    form, filters = _valid_filters()
    log.info("audit export csv by user %s", current_user.id)
    body = export.csv_chunks(trail.all_events(filters), _filter_lines(form, filters))
    return Response(stream_with_context(body), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": content_disposition(_filename("csv")),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    })


@bp.route("/events.pdf")
@login_required
def export_pdf():
    form, filters = _valid_filters()
    total, most = trail.count_events(filters), current_app.config.get("AUDIT_PDF_MAX_EVENTS", PDF_MAX_EVENTS)
    if total > most:
        abort_with(422, _("The PDF holds at most %(max)s events and this filter matches %(count)s: narrow the filter, or export CSV.",
                          max=most, count=total))
    log.info("audit export pdf by user %s", current_user.id)
    # Verified in a session of its own: the walk empties its session as it goes.
    with Session(db.engine) as session:
        chain_result = verify_chain(session)
    pdf = export.trail_pdf(trail.all_events(filters), _filter_lines(form, filters), chain_result)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": content_disposition(_filename("pdf")),
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    })
