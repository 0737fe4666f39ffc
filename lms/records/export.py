"""The training record as CSV and as a PDF an inspector can file."""
import csv
import io
from datetime import date

from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.certificates.pdf import BOLD, INK, MUTED, REGULAR, TEAL, register_fonts
from lms.records.services import completed_cpd_hours
from lms.reports.export import neutralise



def safe_cell(value):
    """A spreadsheet cannot run it (see lms.reports.export.neutralise)."""
    return "" if value is None else neutralise(str(value))


def _status(line):
    return {"active": _("In progress"), "completed": _("Completed"), "withdrawn": _("Withdrawn")}.get(line.status, line.status)


COURSE_COLUMNS = ["learner", "email", "course", "organisation", "version", "status", "enrolled_at",
                  "completed_at", "cpd_hours", "score", "certificate_code", "certificate_status",
                  "certificate_validity", "valid_until", "course_language"]
# After the course columns: what the row is ("course" or "signature"), then a signature's
# manifest (lms.signatures.display) -- one row per signature, after the course rows.
SIGNATURE_COLUMNS = ["entry", "document_number", "document_revision", "lesson", "meaning", "signed_by",
                     "signed_at_utc", "signed_at_local"]


def record_csv(user, lines, signatures=()):
    """The record as CSV: a row per course, then a row per signature
    (lms.signatures.queries.SignedEntry) naming its course, version, document and manifest."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COURSE_COLUMNS + SIGNATURE_COLUMNS)
    blank_signature = [""] * (len(SIGNATURE_COLUMNS) - 1)
    for line in lines:
        writer.writerow([safe_cell(v) for v in (
            user.name, user.email, line.course_title, line.organisation, line.version, line.status,
            line.enrolled_at.date().isoformat(), line.completed_at.date().isoformat() if line.completed_at else "",
            line.cpd_hours, line.score if line.score is not None else "", line.certificate_code or "",
            line.certificate_status or "", line.certificate_validity or "",
            line.valid_until.date().isoformat() if line.valid_until and line.certificate_code else "",
            line.course_language or "", "course", *blank_signature,
        )])
    for entry in signatures:
        shown, sig = entry.shown, entry.signature
        course_part = [user.name, user.email, entry.course_title, "", entry.version_number]
        course_part += [""] * (len(COURSE_COLUMNS) - len(course_part))
        writer.writerow([safe_cell(v) for v in course_part + [
            "signature", sig.document_number or "", sig.document_revision or "", entry.lesson_title,
            shown.meaning, shown.printed_name, shown.utc_time, shown.local_time,
        ]])
    return "\ufeff" + out.getvalue()  # the BOM makes spreadsheet programs read UTF-8


def record_pdf(user, lines, verify_url, locale="en", signatures=()):
    """A4 landscape: the learner, then one table row per course, then the electronic
    signatures (lms.signatures.queries.SignedEntry) with their manifest."""
    register_fonts()
    buffer = io.BytesIO()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12, textColor=INK)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=MUTED)
    code = ParagraphStyle("code", parent=body, fontSize=8, leading=10)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=22, textColor=TEAL)
    with force_locale(locale or "en"):
        doc = SimpleDocTemplate(
            buffer, pagesize=landscape(A4), leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
            title=_("Training record of %(name)s", name=user.name), author=_("Nordic Life Science Academy"),
            invariant=1,
        )
        story = [
            Paragraph(_("Training record"), title),
            Spacer(1, 3 * mm),
            Paragraph(f"<b>{_esc(user.name)}</b> · {_esc(user.email)}" + (f" · {_esc(user.organisation.name)}" if user.organisation else ""), body),
            Paragraph(_("Completed CPD hours: %(hours)s", hours=format_decimal(completed_cpd_hours(lines))), body),
            Paragraph(_("Generated on %(date)s", date=format_date(date.today(), "long")), small),
            Spacer(1, 5 * mm),
        ]
        header = [_("Course"), _("Version"), _("Status"), _("Completed"), _("CPD hours"), _("Score"), _("Certificate")]
        data = [[Paragraph(f"<b>{h}</b>", small) for h in header]]
        for line in lines:
            data.append([
                Paragraph(_esc(line.course_title) + f"<br/><font size=7 color='#4a5b60'>{_esc(line.organisation)}"
                          + _language_note(line, locale) + "</font>", body),
                Paragraph(str(line.version), body),
                Paragraph(_status(line), body),
                Paragraph(format_date(line.completed_at, "medium") if line.completed_at else "–", body),
                Paragraph(format_decimal(line.cpd_hours), body),
                Paragraph(f"{line.score}%" if line.score is not None else "–", body),
                Paragraph(_esc(line.certificate_code or "–") + _validity_note(line), code),
            ])
        if not lines:
            data.append([Paragraph(_("No courses yet."), body)] + [""] * 6)
        table = Table(data, colWidths=[90 * mm, 18 * mm, 28 * mm, 30 * mm, 20 * mm, 16 * mm, 63 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEAL),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dde5e6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        story += [table, Spacer(1, 6 * mm)]
        if signatures:
            story += _signatures_table(signatures, body, small, title)
        story += [Paragraph(_("Each certificate can be verified at %(url)s followed by its code.", url=_esc(verify_url)), small)]
        doc.build(story)
    return buffer.getvalue()


def _signatures_table(signatures, body, small, title):
    """The manifest of each signature (§11.50): what was signed, meaning, printed name, the
    date and time in the reader's time zone and in UTC."""
    heading = ParagraphStyle("signatures-heading", parent=title, fontSize=12, leading=16)
    header = [_("Course"), _("Document or practice"), _("Meaning"), _("Signed by"), _("Date and time")]
    data = [[Paragraph(f"<b>{h}</b>", small) for h in header]]
    for entry in signatures:
        shown = entry.shown
        what = _esc(entry.lesson_title)
        if shown.document:
            what = f"{_esc(shown.document)}<br/><font size=7 color='#4a5b60'>{what}</font>"
        data.append([
            Paragraph(_esc(entry.course_title) + "<br/><font size=7 color='#4a5b60'>"
                      + _esc(_("Version %(number)s", number=entry.version_number)) + "</font>", body),
            Paragraph(what, body),
            Paragraph(_esc(shown.meaning), body),
            Paragraph(_esc(shown.printed_name), body),
            Paragraph(f"{_esc(shown.local_time)}<br/><font size=7 color='#4a5b60'>{_esc(shown.utc_time)}</font>", body),
        ])
    table = Table(data, colWidths=[70 * mm, 55 * mm, 50 * mm, 40 * mm, 50 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEAL),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dde5e6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return [Paragraph(_("Electronic signatures"), heading), Spacer(1, 2 * mm), table, Spacer(1, 6 * mm)]


def _language_note(line, locale):
    """After the organisation: the language the course was taken in."""
    if not line.course_language:
        return ""
    from lms.course_languages.learning import language_name

    return " · " + _esc(_("Course language: %(language)s", language=language_name(line.course_language, locale)))


def _validity_note(line):
    """Below the code: the certificate's validity status and its date, in the reader's locale."""
    if not line.certificate_code:
        return ""
    label = {
        "valid": _("Valid"), "expiring": _("Expiring soon"), "expired": _("Expired"),
        "superseded": _("Renewed (superseded)"), "revoked": _("Revoked"),
    }.get(line.certificate_validity, "")
    note = f"<br/><font size=7 color='#4a5b60'>{_esc(label)}"
    if line.valid_until and line.certificate_validity != "revoked":
        word = _("expired on %(date)s", date=format_date(line.valid_until, "medium")) \
            if line.certificate_validity == "expired" else _("valid until %(date)s", date=format_date(line.valid_until, "medium"))
        note += f" · {_esc(word)}"
    return note + "</font>"


def _esc(text):
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
