"""The completion report page and its CSV and XLSX exports (administrators only)."""
import logging

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.policy import Forbidden, organisation_scope
from lms.errors import abort_with
from lms.reports import charts, export, services
from lms.reports.forms import ReportFilterForm
from lms.downloads import content_disposition

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")
log = logging.getLogger(__name__)


@bp.context_processor
def formatting():
    def percent(value):
        return format_percent(value, "#,##0.0%") if value is not None else "—"

    def days(value):
        return _("%(days)s days", days=format_decimal(round(value, 1), "#,##0.0")) if value is not None else "—"

    return {"fmt_percent": percent, "fmt_days": days}


def _filter_form():
    form = ReportFilterForm(request.args, services.filter_options())
    valid = form.validate()
    scope = organisation_scope(current_user)
    if scope is not None:
        # An org admin is offered their own organisation only. The form still accepts any
        # organisation's id, so asking for another one is refused by the service (403), not
        # mistaken for a typo (422).
        own = services.filter_options(scope)
        form.organisation.choices = [form.organisation.choices[0]] + [
            c for c in form.organisation.choices[1:] if c.value == str(scope)]
        form.country.choices = [form.country.choices[0]] + [
            c for c in form.country.choices[1:] if c.value in own["countries"]]
    return form, valid


@bp.route("/")
@login_required
def completion():
    require("report.view")
    form, valid = _filter_form()
    if not valid:
        return render_template("reports/completion.html", form=form, report=None,
                               filter_args={}, args={}), 422
    course_sort, course_desc = form.course_sort()
    learner_sort, learner_desc = form.learner_sort()
    filters = form.filters()
    try:
        report = services.completion_report(
            current_user, filters,
            course_sort=course_sort, course_desc=course_desc, course_page=form.page.data or 1,
            learner_sort=learner_sort, learner_desc=learner_desc, learner_page=form.lpage.data or 1,
        )
    except Forbidden:
        abort(403)
    weekly_svg = charts.weekly_completions_svg(report.weekly)
    funnel_svg = (
        charts.funnel_svg(report.totals.enrolled, report.funnel) if report.funnel is not None else None
    )
    course_title = next((c.label for c in form.course.choices if c.value and c.value == form.course.data), None)
    return render_template(
        "reports/completion.html", form=form, report=report, filter_args=form.filter_args(),
        args=form.state_args(),
        sort=(course_sort, course_desc), lsort=(learner_sort, learner_desc),
        weekly_svg=weekly_svg, funnel_svg=funnel_svg, course_title=course_title,
        status_names=export.status_names(),
    )


def _export(kind):
    require("report.view")
    form, valid = _filter_form()
    if not valid:
        problems = "; ".join(f"{form[name].label.text}: {' '.join(map(str, errors))}"
                             for name, errors in form.errors.items())
        abort_with(422, _("The filters are not valid (%(problems)s).", problems=problems))
    try:
        rows = services.export_rows(current_user, form.filters())
    except Forbidden:
        abort(403)
    log.info("report export %s by user %s filters %s", kind, current_user.id, form.filter_args())
    if kind == "csv":
        body, mimetype = export.csv_chunks(rows), "text/csv; charset=utf-8"
    else:
        body = export.xlsx_chunks(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        stream_with_context(body), mimetype=mimetype,
        headers={
            "Content-Disposition": content_disposition(export.filename(kind)),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/completion.csv")
@login_required
def export_csv():
    return _export("csv")


@bp.route("/completion.xlsx")
@login_required
def export_xlsx():
    return _export("xlsx")
