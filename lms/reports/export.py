"""CSV and XLSX exports of the completion report's learner rows, streamed.

Both read rows from an iterator (``services.export_rows``: keyset batches), so memory does
not grow with the number of rows: the CSV is written and sent a batch at a time; the XLSX
is written by XlsxWriter in ``constant_memory`` mode to a temporary file, which is then sent
in chunks and removed.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return
before one) as a formula, so every such text value gets a leading apostrophe (OWASP's
advice for CSV injection); numbers and dates are written as such.
"""
import csv
import io
import os
import tempfile
from datetime import datetime, timezone

import xlsxwriter
from flask_babel import gettext as _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024
ROWS_PER_CHUNK = 500


def neutralise(value):
    """``value`` made safe to open in a spreadsheet: text that would start a formula is
    prefixed with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def status_names():
    """What each of a learner row's ``status_key`` values is called."""
    return {
        "active": _("In progress"), "overdue": _("Overdue"), "completed": _("Completed"),
        "withdrawn": _("Withdrawn"),
    }


def headers():
    """Column headers, in the order of :func:`values`."""
    return [
        _("Learner"), _("Email"), _("Organisation"), _("Country"), _("Course"), _("Status"),
        _("Progress %"), _("Enrolled (UTC)"), _("Due (UTC)"), _("Completed (UTC)"),
        _("Last activity (UTC)"), _("Certificate"),
    ]


NUMBER_COLUMN = 6
DATE_COLUMNS = range(7, 11)


def values(row, names):
    """A LearnerRow's cells: texts (neutralised), the progress number, four datetimes (or
    None) and the certificate code. ``names``: :func:`status_names`."""
    return [
        neutralise(row.name), neutralise(row.email), neutralise(row.organisation or ""),
        neutralise(row.country or ""), neutralise(row.course_title), names[row.status_key],
        row.progress, row.enrolled_at, row.due_at, row.completed_at, row.last_activity_at,
        neutralise(row.certificate_code or ""),
    ]


def _iso(value):
    # Values come from UTCDateTime columns: already UTC.
    return value.isoformat(" ", "minutes")[:16] if value else ""


def csv_chunks(rows):
    """The CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the letters right)
    as a sequence of strings, ``ROWS_PER_CHUNK`` rows each."""
    names = status_names()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(str(header)) for header in headers()])
    count = 0
    for row in rows:
        cells = values(row, names)
        for c in DATE_COLUMNS:
            cells[c] = _iso(cells[c])
        writer.writerow(cells)
        count += 1
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _naive_utc(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def write_xlsx(rows, target):
    """Write the workbook to ``target`` (a path or a binary file) one row at a time."""
    workbook = xlsxwriter.Workbook(target, {
        "constant_memory": True,
        # Text is text: never turned into a formula, link or number behind our back.
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "tmpdir": tempfile.gettempdir(),
    })
    sheet = workbook.add_worksheet(_("Completion")[:31])
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    names = status_names()
    for c, header in enumerate(headers()):
        sheet.set_column(c, c, 17 if c in DATE_COLUMNS else 11 if c == NUMBER_COLUMN else 24)
        sheet.write_string(0, c, neutralise(str(header)), bold)
    sheet.freeze_panes(1, 0)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(values(row, names)):
            if c == NUMBER_COLUMN:
                sheet.write_number(r, c, value)
            elif c in DATE_COLUMNS:
                if value:
                    sheet.write_datetime(r, c, _naive_utc(value), when)
            elif value:
                sheet.write_string(r, c, value)
    workbook.close()


def xlsx_chunks(rows):
    """The XLSX file as a sequence of byte chunks: written to a temporary file first (the
    format is a zip whose directory comes last), then read back and removed."""
    handle, path = tempfile.mkstemp(prefix="lms-report-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(rows, path)
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


def filename(extension, now=None):
    now = now or datetime.now(timezone.utc)
    return f"completion-report-{now:%Y-%m-%d}.{extension}"
