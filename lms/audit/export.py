"""The filtered audit trail as CSV (streamed) and as a printable A4 PDF an inspector can file:
the filter on the first page, page numbers on every page, and the hash chain's verification
result at the end."""
import csv
import io
from datetime import datetime, timezone

from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_babel import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.audit.trail import view_of
from lms.certificates.pdf import BOLD, INK, MUTED, REGULAR, TEAL, register_fonts
from lms.reports.export import neutralise

ROWS_PER_CHUNK = 500


def utc_text(at):
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def local_text(at):
    """``at`` in the viewer's time zone (Flask-Babel's), with the zone's name."""
    return f"{format_datetime(at, 'medium')} ({get_timezone().zone})" if at else ""


def who(name, email, system=None):
    """``Name <email>``, or the system's name for events nobody caused."""
    if email:
        return f"{name} <{email}>"
    return system if system is not None else _("System")


def subject_text(event):
    """The record an event is about: its kind and id, the person and the course."""
    parts = [f"{event.subject_type} {event.subject_id or ''}".strip()]
    if event.person_email:
        parts.append(f"{event.person_name} <{event.person_email}>")
    if event.course_title:
        parts.append(event.course_title)
    return " · ".join(parts)


def headers():
    return [_("Sequence"), _("When (UTC)"), _("When (%(zone)s)", zone=get_timezone().zone), _("Actor"),
            _("Action"), pgettext("audit trail", "Subject"), _("Person"), _("Course"), _("Old value"), _("New value"),
            _("Reason"), _("Details"), _("Hash")]


def _cells(row, zone, system):
    event = view_of(row)
    return [
        event.seq or "", utc_text(event.at), event.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if event.at else "",
        who(event.actor_name, event.actor_email, system), event.action,
        f"{event.subject_type} {event.subject_id or ''}".strip(),
        who(event.person_name, event.person_email) if event.person_email else "",
        event.course_title or "", event.old, event.new, event.reason, event.details, event.hash or "",
    ]


def csv_chunks(rows, filter_lines):
    """The CSV (UTF-8 with a byte-order mark) as strings of ``ROWS_PER_CHUNK`` rows: a line
    stating the filter, the headers, then one row per event. Every text cell is neutralised
    against formulas (lms.reports.export.neutralise)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(_("Filter")), neutralise("; ".join(filter_lines))])
    writer.writerow([neutralise(str(header)) for header in headers()])
    # Once, not per row: Babel's lookups would cost more than the row.
    zone, system = get_timezone(), _("System")
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(value) if isinstance(value, str) else value for value in _cells(row, zone, system)])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def trail_pdf(rows, filter_lines, chain_result):
    """The PDF's bytes (A4 landscape).

    :param rows: the filtered events (lms.audit.trail.all_events)
    :param filter_lines: the filter, one "Label: value" per line
    :param chain_result: ``(checked, problem)`` from lms.audit.chain.verify_chain
    """
    register_fonts()
    buffer = io.BytesIO()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=7.5, leading=9.5, textColor=INK)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9, textColor=MUTED)
    heading = ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=10, leading=13)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=22, textColor=TEAL)
    now = datetime.now(timezone.utc)
    generated = utc_text(now) + " · " + local_text(now)
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=14 * mm,
        bottomMargin=16 * mm, title=_("Audit trail"), author=_("Nordic Life Science Academy"), invariant=1,
    )
    story = [
        Paragraph(_esc(_("Audit trail")), title),
        Spacer(1, 2 * mm),
        Paragraph(_esc(_("Generated on %(when)s", when=generated)), small),
        Spacer(1, 3 * mm),
        Paragraph(_esc(_("Filter")), heading),
    ]
    story += [Paragraph(_esc(line), body) for line in filter_lines]
    story.append(Spacer(1, 4 * mm))
    header = [_("Sequence"), _("When"), _("Actor"), _("Action"), pgettext("audit trail", "Subject"), _("Old value"),
              _("New value"), _("Reason"), _("Details")]
    data = [[Paragraph(f"<b>{_esc(h)}</b>", small) for h in header]]
    count = 0
    for row in rows:
        event = view_of(row)
        data.append([
            Paragraph(str(event.seq or ""), body),
            Paragraph(_esc(utc_text(event.at)) + "<br/>" + _esc(local_text(event.at)), body),
            Paragraph(_esc(who(event.actor_name, event.actor_email)), body),
            Paragraph(_esc(event.action), body),
            Paragraph(_esc(subject_text(event)), body),
            Paragraph(_esc(event.old), body),
            Paragraph(_esc(event.new), body),
            Paragraph(_esc(event.reason), body),
            Paragraph(_esc(event.details), small),
        ])
        count += 1
    if not count:
        data.append([Paragraph(_esc(_("No events match.")), body)] + [""] * 8)
    table = Table(data, colWidths=[13 * mm, 34 * mm, 36 * mm, 30 * mm, 40 * mm, 28 * mm, 28 * mm, 28 * mm, 36 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEAL),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dde5e6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    checked, problem = chain_result
    verdict = (_("Audit chain intact. Events verified: %(count)s.", count=checked) if problem is None
               else _("Audit chain BROKEN. Events verified before the break: %(count)s. %(problem)s",
                      count=checked, problem=problem))
    story += [
        Paragraph(_esc(_("Events matching this filter: %(count)s", count=count)), body),
        Spacer(1, 2 * mm), table, Spacer(1, 5 * mm),
        Paragraph(_esc(_("Chain verification")), heading),
        Paragraph(_esc(verdict), body),
    ]

    def number_page(canvas, document):
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(12 * mm, 8 * mm, _("Audit trail") + " · " + utc_text(now) + " · "
                          + _("Page %(page)s", page=document.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=number_page, onLaterPages=number_page)
    return buffer.getvalue()


def _esc(text):
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
