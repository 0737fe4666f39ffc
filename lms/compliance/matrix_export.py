"""The compliance dashboard as CSV and XLSX, and the training matrix itself (people as rows,
requirements as columns, each cell a status and a date) as a colour-coded XLSX.

The matrix is written row by row while the cells stream from the database in person order
(``dashboard.matrix_cells_statement``), by XlsxWriter in ``constant_memory`` mode: memory holds
one person's row, whatever the number of people. Text cells are neutralised against formula
injection as the completion report's exports are.
"""
import csv
import io
import os
import tempfile
from datetime import timezone

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import select

from lms.accounts.models import Organisation
from lms.compliance import dashboard, rules
from lms.compliance.models import JobProfile, Requirement
from lms.courses.models import Course
from lms.reports.export import CHUNK_BYTES, neutralise

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CELLS_PER_FETCH = 5000

# Fill and font colours an inspector reads at a glance (the spreadsheet programs' own
# "good / neutral / bad" palette, plus grey and purple).
COLOURS = {
    rules.COMPLIANT: ("#C6EFCE", "#006100"),
    rules.EXPIRING: ("#FFEB9C", "#9C5700"),
    rules.OVERDUE: ("#FFC7CE", "#9C0006"),
    rules.EXPIRED: ("#FF8F8F", "#6B0000"),
    rules.PENDING: ("#D9D9D9", "#3A3A3A"),
    rules.SUPERSEDED: ("#E1D5F0", "#4B2A7B"),
    rules.EXEMPT: ("#DDEBF7", "#1F4E78"),
}


def status_names():
    """What each cell status is called."""
    return {
        rules.COMPLIANT: _("Compliant"), rules.EXPIRING: _("Expiring"), rules.EXPIRED: _("Expired"),
        rules.SUPERSEDED: _("Superseded version"), rules.OVERDUE: _("Overdue"), rules.PENDING: _("Pending"),
        rules.EXEMPT: _("Exempt"),
    }


def status_meanings():
    return {
        rules.COMPLIANT: _("Trained on the current version; date: valid until (none: does not expire)"),
        rules.EXPIRING: _("Trained, but it lapses within %(days)s days; date: valid until", days=rules.EXPIRING_DAYS),
        rules.OVERDUE: _("Not trained and past the due date; date: due date"),
        rules.EXPIRED: _("The training has lapsed; date: when it expired"),
        rules.PENDING: _("Not trained yet, not yet due; date: due date"),
        rules.SUPERSEDED: _("Trained only on a version replaced by a major change; date: last completion"),
        rules.EXEMPT: _("Not trained: exempted by an administrator (with a reason, in the audit trail); "
                        "date: when the exemption ends"),
    }


def _day(value):
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d") if value else ""


def cell_text(status, when, names):
    """A matrix cell: the status and its date (UTC day), e.g. "Overdue 2026-03-01"."""
    return f"{names[status]} {_day(when)}".strip()


# ------------------------------------------------------------------ the dashboard


def dashboard_headers():
    return [
        _("Organisation"), _("Job profile"), _("Course"), _("Due (days)"), _("Recurs"), _("Must have"),
        _("Compliant"), _("Compliant %"), _("Expiring within %(days)s days", days=rules.EXPIRING_DAYS),
        _("Overdue"), _("Superseded version"), _("Expired"), _("Pending"), _("Exempt"),
    ]


def dashboard_values(row):
    return [
        neutralise(row.organisation), neutralise(row.profile), neutralise(row.course), row.due_days,
        _("yes") if row.recurs else _("no"), row.must_have, row.compliant,
        row.percent if row.percent is not None else "", row.expiring, row.overdue, row.superseded,
        row.expired, row.pending, row.exempt,
    ]


def dashboard_csv(profiles, as_of_label):
    """The dashboard as CSV text (UTF-8 with a byte-order mark): a line saying when it was
    evaluated, then one row per requirement."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_("Compliance as of"), as_of_label])
    writer.writerow(dashboard_headers())
    for profile in profiles:
        for row in profile.requirements:
            writer.writerow(dashboard_values(row))
    return buffer.getvalue()


def _workbook(path):
    return xlsxwriter.Workbook(path, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "tmpdir": tempfile.gettempdir(),
    })


def write_dashboard_xlsx(profiles, as_of_label, path):
    workbook = _workbook(path)
    sheet = workbook.add_worksheet(_("Compliance")[:31])
    bold = workbook.add_format({"bold": True})
    sheet.write_string(0, 0, _("Compliance as of"), bold)
    sheet.write_string(0, 1, as_of_label)
    for c, header in enumerate(dashboard_headers()):
        sheet.set_column(c, c, 28 if c < 3 else 12)
        sheet.write_string(1, c, str(header), bold)
    sheet.freeze_panes(2, 0)
    r = 2
    for profile in profiles:
        for row in profile.requirements:
            for c, value in enumerate(dashboard_values(row)):
                if isinstance(value, int) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                elif value != "":
                    sheet.write_string(r, c, str(value))
            r += 1
    workbook.close()


# ------------------------------------------------------------------ the matrix


def matrix_columns(session, at, organisation_id=None):
    """The matrix's columns: every requirement live at ``at`` in scope, by organisation,
    profile and course: (requirement_id, organisation, profile, course)."""
    stmt = (
        select(Requirement.id, Organisation.name, JobProfile.name, Course.title)
        .join(JobProfile, JobProfile.id == Requirement.profile_id)
        .join(Organisation, Organisation.id == JobProfile.organisation_id)
        .join(Course, Course.id == Requirement.course_id)
        .where(dashboard.live(Requirement.created_at, Requirement.removed_at, dashboard.moment_param(at)))
        .order_by(Organisation.name, JobProfile.name, JobProfile.id, Course.title, Requirement.id)
    )
    if organisation_id is not None:
        stmt = stmt.where(JobProfile.organisation_id == organisation_id)
    return session.execute(stmt).all()


def write_matrix_xlsx(session, at, as_of_label, path, organisation_id=None):
    """Write the matrix workbook to ``path``: a "Matrix" sheet (a title line, profile and
    course header rows, then one row per person with a coloured cell per requirement that
    binds them) and a "Legend" sheet."""
    dialect = session.get_bind().dialect.name
    columns = matrix_columns(session, at, organisation_id)
    position = {requirement_id: 3 + i for i, (requirement_id, *_rest) in enumerate(columns)}
    names = status_names()
    workbook = _workbook(path)
    sheet = workbook.add_worksheet(_("Matrix"))
    legend = workbook.add_worksheet(_("Legend"))
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = {status: workbook.add_format({"bg_color": fill, "font_color": font, "pattern": 1, "border": 1,
                                            "border_color": "#FFFFFF"})
               for status, (fill, font) in COLOURS.items()}
    sheet.set_column(0, 1, 28)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 3 + max(len(columns) - 1, 0), 22)
    sheet.write_string(0, 0, _("Training matrix as of %(when)s (dates in UTC)", when=as_of_label), bold)
    sheet.write_string(1, 0, _("Job profile"), bold)
    sheet.write_string(2, 0, pgettext("person", "Name"), bold)
    sheet.write_string(2, 1, _("Email"), bold)
    sheet.write_string(2, 2, _("Organisation"), bold)
    for requirement_id, organisation, profile, course in columns:
        c = position[requirement_id]
        sheet.write_string(1, c, neutralise(profile if organisation_id else f"{profile} ({organisation})"), wrap)
        sheet.write_string(2, c, neutralise(course), wrap)
    sheet.freeze_panes(3, 3)
    r = 2
    current = None
    result = session.execute(dashboard.matrix_cells_statement(at, dialect, organisation_id),
                             execution_options={"yield_per": CELLS_PER_FETCH})
    for cell in result:
        if cell.user_id != current:
            current, r = cell.user_id, r + 1
            sheet.write_string(r, 0, neutralise(cell.name))
            sheet.write_string(r, 1, neutralise(cell.email))
            sheet.write_string(r, 2, neutralise(cell.organisation or ""))
        sheet.write_string(r, position[cell.requirement_id], cell_text(cell.status, cell.status_date, names),
                           formats[cell.status])
    result.close()
    legend.set_column(0, 0, 22)
    legend.set_column(1, 1, 90)
    legend.write_string(0, 0, _("Status"), bold)
    legend.write_string(0, 1, _("Meaning"), bold)
    for i, (status, meaning) in enumerate(status_meanings().items(), start=1):
        legend.write_string(i, 0, names[status], formats[status])
        legend.write_string(i, 1, meaning)
    legend.write_string(len(COLOURS) + 2, 0, _("Blank: the requirement does not apply to that person."))
    workbook.close()


def file_chunks(write, prefix):
    """Run ``write(path)`` into a temporary file, then yield its bytes in chunks and remove it
    (an XLSX is a zip whose directory comes last, so it cannot be sent while written)."""
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".xlsx")
    os.close(handle)
    try:
        write(path)
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)
