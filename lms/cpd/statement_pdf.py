"""A learner's CPD statement for one accrediting body and cycle as an A4 PDF, in the
learner's language: who, which body and registration number, the period, earned against
required, and every credited entry with its evidence (the certificate's code and the URL that
verifies it, or the approved external activity and its provider)."""
import io
from datetime import date

from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.certificates.pdf import BOLD, INK, MUTED, REGULAR, TEAL, register_fonts
from lms.certificates.services import verify_url
from lms.cpd.cycles import evidence_of


def statement_pdf(person, standing, entries, today=None):
    """The statement's PDF bytes.

    :param person: the learner (their name, email, organisation and locale are used)
    :param standing: their :class:`lms.cpd.cycles.CycleStanding` in the cycle
    :param entries: the cycle's credited entries (:func:`lms.cpd.cycles.statement_entries`)
    """
    register_fonts()
    buffer = io.BytesIO()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12, textColor=INK)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=MUTED)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=22, textColor=TEAL)
    accrediting = standing.body
    with force_locale(person.locale or "en"):
        doc = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
            title=_("CPD statement of %(name)s", name=person.name), author=_("Nordic Life Science Academy"),
            invariant=1,
        )
        who = f"<b>{_esc(person.name)}</b> · {_esc(person.email)}"
        if person.organisation:
            who += f" · {_esc(person.organisation.name)}"
        period = _("Cycle: %(start)s – %(end)s", start=format_date(standing.starts_on, "long"),
                   end=format_date(standing.last_day, "long"))
        story = [
            Paragraph(_("CPD statement"), title),
            Spacer(1, 3 * mm),
            Paragraph(f"<b>{_esc(accrediting.name)}</b> ({_esc(accrediting.country)})", body),
            Paragraph(who, body),
            Paragraph(_esc(_("Registration number: %(number)s", number=standing.registration))
                      if standing.registration else _esc(_("No registration number given.")), body),
            Paragraph(_esc(period), body),
            Paragraph("<b>" + _esc(_("Earned: %(earned)s of %(required)s %(unit)s",
                                     earned=format_decimal(standing.earned),
                                     required=format_decimal(standing.required),
                                     unit=accrediting.unit_name)) + "</b>", body),
            Paragraph(_esc(_("Generated on %(date)s", date=format_date(today or date.today(), "long"))), small),
            Spacer(1, 5 * mm),
        ]
        header = [_("Date"), _("Activity"), accrediting.unit_name, _("Evidence")]
        data = [[Paragraph(f"<b>{_esc(h)}</b>", small) for h in header]]
        for entry in entries:
            data.append([
                Paragraph(format_date(entry.earned_on, "medium"), body),
                Paragraph(_esc(entry.title), body),
                Paragraph(format_decimal(entry.amount), body),
                Paragraph(_evidence(entry), small),
            ])
        if not entries:
            data.append([Paragraph(_esc(_("No credits in this cycle.")), body), "", "", ""])
        table = Table(data, colWidths=[24 * mm, 56 * mm, 16 * mm, 82 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            *([("SPAN", (0, 1), (-1, 1))] if not entries else []),  # "no credits" across the table
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEAL),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dde5e6")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        story.append(table)
        footer = _("CPD statement of %(name)s", name=person.name) + f" · {accrediting.name} · "

        def number_page(canvas, document):
            # Every page names whose statement it is, so loose pages cannot be mixed up.
            canvas.saveState()
            canvas.setFont(REGULAR, 7)
            canvas.setFillColor(MUTED)
            canvas.drawString(16 * mm, 9 * mm, footer + _("Page %(page)s", page=document.page))
            canvas.restoreState()

        doc.build(story, onFirstPage=number_page, onLaterPages=number_page)
    return buffer.getvalue()


def _evidence(entry):
    """The evidence cell: the certificate's code and the URL that verifies it, or the external
    activity, its provider and the day it was approved."""
    evidence = evidence_of(entry)
    if evidence.kind == "certificate":
        return (_esc(_("Certificate %(code)s", code=evidence.code))
                + f"<br/><font size=7>{_esc(verify_url(evidence.code))}</font>")
    if evidence.kind == "external":
        text = _esc(_("External activity, provided by %(provider)s", provider=evidence.provider))
        if evidence.approved_on:
            text += "<br/>" + _esc(_("Approved on %(date)s", date=format_date(evidence.approved_on, "medium")))
        return text
    return "–"


def _esc(text):
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
