"""The demo's controlled document: SOP-QA-012, revision 4, a multi-page A4 PDF drawn with
ReportLab when the demo loads (lms.demo_signatures stores it as the SOP lesson's file).

The text is demo content, not interface: it is in English, like the demo courses. Rendering is
deterministic (``invariant``), so every demo database signs the same bytes (the same SHA-256).
"""
import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.certificates.pdf import BOLD, INK, MUTED, REGULAR, TEAL, register_fonts

NUMBER = "SOP-QA-012"
REVISION = "4"
TITLE = "Good documentation practice and line clearance"
EFFECTIVE = "2026-09-01"
OWNER = "Quality Assurance, Swedish Pharma Quality Network"

# (heading, [paragraphs]); a paragraph that is a list is a numbered procedure.
SECTIONS = [
    ("1 Purpose", [
        "This procedure states how GMP records are written, corrected, reviewed and kept, and how "
        "a packaging line is cleared before a new batch starts, so that every record is "
        "attributable, legible, contemporaneous, original and accurate (ALCOA+) and no material "
        "of a previous batch can reach the next one.",
    ]),
    ("2 Scope", [
        "All GMP records on paper and in computerised systems at the Uppsala site: batch records, "
        "logbooks, forms, labels and electronic records. Line clearance applies to every "
        "primary and secondary packaging line before each batch, after maintenance and after a "
        "change of product or strength.",
    ]),
    ("3 Responsibilities", [
        "<b>Operators</b> record what they do when they do it, and perform line clearance.",
        "<b>Supervisors</b> verify line clearance and sign off on-the-job training after "
        "observing the trainee perform the task correctly.",
        "<b>Quality Assurance</b> owns this procedure, reviews records before batch release and "
        "investigates documentation deviations (SOP-014).",
    ]),
    ("4 Definitions", [
        "<b>GMP record</b>: any record that shows a GMP activity was performed as required.",
        "<b>Line clearance</b>: the documented check that a line and its surroundings are free of "
        "materials, documents and labels of the previous batch.",
        "<b>Electronic signature</b>: a signature executed in a computerised system, bound to its "
        "record, showing the signer's printed name, the date and time and its meaning "
        "(21 CFR 11.50, EU GMP Annex 11 section 14).",
    ]),
    ("5 Writing GMP records", [
        ["Use indelible blue or black ink; never pencil, never correction fluid.",
         "Record each entry at the time the activity is done. Do not record in advance and do not "
         "copy from notes later.",
         "Write the date as YYYY-MM-DD and the time in 24-hour format, local time of the site.",
         "Sign or initial each entry with the signature registered in the site's signature list.",
         "Fill every field. Where a field does not apply, write \"N/A\", initial and date it.",
         "Do not leave blank lines or spaces that could later be filled in: strike them through."],
    ]),
    ("6 Correcting GMP records", [
        ["Strike the wrong entry through with a single line so that it stays legible.",
         "Write the correct entry beside it, with your initials, the date and the reason.",
         "In a computerised system, use the system's correction function: it keeps who changed "
         "the record, when, the old and the new value and the reason (EU GMP Annex 11 section 9).",
         "Never destroy, overwrite or re-write an original record."],
    ]),
    ("7 Line clearance", [
        ["Stop the line and remove all materials, printed components and documents of the "
         "previous batch.",
         "Inspect the line, conveyors, reject bins, tables and floor using the line clearance "
         "checklist (form F-QA-012-1); open guards where the checklist says so.",
         "Check that coders and printers are cleared of the previous batch's data.",
         "Record the clearance on the checklist, then ask the supervisor to verify it.",
         "The supervisor checks the line independently and signs the checklist. The next batch "
         "does not start before this second signature."],
        "A new operator performs line clearance under observation until a supervisor has signed "
        "\"Verified competent\" for them in the learning management system.",
    ]),
    ("8 Review and retention", [
        "Records are reviewed by the supervisor at the end of the shift and by Quality Assurance "
        "before batch release. Batch records are kept for at least one year after the batch's "
        "expiry date and at least five years after certification by the Qualified Person.",
    ]),
    ("9 Training", [
        "Everyone who writes or reviews GMP records reads this procedure and signs \"I have read "
        "and understood this document\" before working alone. Packaging operators also complete "
        "the observed-practice lesson \"Line clearance under observation\". A new revision of "
        "this procedure is trained before it becomes effective.",
    ]),
]

HISTORY = [
    ("1", "2019-03-15", "First issue."),
    ("2", "2021-06-01", "Electronic logbooks added to the scope."),
    ("3", "2023-02-20", "Correction of electronic records: reason now required."),
    ("4", EFFECTIVE, "Line clearance section added; verified by a second person; on-the-job "
                     "training signed off by a supervisor."),
]


def sop_pdf():
    """The bytes of SOP-QA-012 revision 4 (A4, several pages, page "n of N" on each)."""
    register_fonts()
    pages = _render(0)[1]  # a first pass counts the pages for "page n of N"
    return _render(pages)[0]


def _story():
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, textColor=INK, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=12, leading=16, textColor=TEAL,
                             spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=23, textColor=TEAL)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=MUTED)

    story = [
        Paragraph(f"{NUMBER} {TITLE}", title), Spacer(1, 4 * mm),
        _table([["Document number", NUMBER], ["Revision", REVISION], ["Effective date", EFFECTIVE],
                ["Owner", OWNER], ["Supersedes", f"{NUMBER} revision 3"]], body, [45 * mm, 120 * mm]),
        Spacer(1, 6 * mm),
    ]
    for name, paragraphs in SECTIONS:
        story.append(Paragraph(name, heading))
        for paragraph in paragraphs:
            if isinstance(paragraph, list):
                story += [Paragraph(f"{step}. {text}", body) for step, text in enumerate(paragraph, 1)]
            else:
                story.append(Paragraph(paragraph, body))
        if name.startswith("6 "):
            story.append(PageBreak())  # the line clearance procedure starts on a page of its own
    story += [Paragraph("10 Revision history", heading),
              _table([["Revision", "Effective", "Change"]] + [list(row) for row in HISTORY], small,
                     [22 * mm, 28 * mm, 115 * mm], header=True)]
    return story


def _table(rows, style, widths, header=False):
    table = Table([[Paragraph(cell, style) for cell in row] for row in rows], colWidths=widths)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b7c6c8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1 if header else 0, 0 if header else -1), colors.HexColor("#e8f0f1")),
    ]))
    return table


def _render(total):
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=24 * mm,
                            bottomMargin=20 * mm, title=f"{NUMBER} {TITLE}", author=OWNER, invariant=1)
    width, height = A4

    def frame(canvas, document):
        canvas.saveState()
        canvas.setFont(BOLD, 8.5)
        canvas.setFillColor(TEAL)
        canvas.drawString(20 * mm, height - 13 * mm, f"{NUMBER}  Revision {REVISION}")
        canvas.setFont(REGULAR, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(width - 20 * mm, height - 13 * mm, TITLE)
        canvas.line(20 * mm, height - 15 * mm, width - 20 * mm, height - 15 * mm)
        canvas.drawString(20 * mm, 11 * mm, f"Controlled copy. Effective {EFFECTIVE}.")
        canvas.drawRightString(width - 20 * mm, 11 * mm, f"Page {document.page} of {total or '?'}")
        canvas.restoreState()

    # A fresh story per pass: laying out splits and changes the flowables.
    doc.build(_story(), onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue(), doc.page
