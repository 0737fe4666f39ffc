"""Certificate PDFs: one A4 landscape page, drawn with ReportLab's canvas.

ReportLab (BSD, maintained since 2000, pure Python since 4.0) parses a TrueType font once per
process (``registerFont``) and subsets it per document with its own fast code, so a
certificate renders in about 15 ms. fpdf2, the other pure-Python candidate, re-parses and
re-subsets the TTF through fontTools for every document (about 250 ms each). The QR code
(segno, pure Python, its data mask chosen faster by lms.certificates.qr) is drawn as vector
rectangles, one per horizontal run of dark modules. rl_accel, ReportLab's C accelerator
(number formatting, font checksums, string escaping), is installed with it.

Rendering is deterministic (``invariant``: no timestamps or random ids in the file), so two
workers rendering the same certificate write identical bytes.
"""
import io
import threading
from pathlib import Path

from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lms.certificates.codes import display_code
from lms.certificates.qr import qr_matrix

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "LMS-DejaVuSans"
BOLD = "LMS-DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
TEAL = HexColor("#00626b")
INK = HexColor("#1b2a2e")
MUTED = HexColor("#4a5b60")

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts():
    """Parse the embedded TTFs once per process (the costly part of a first render)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
            # Binary (deflated) streams: ASCII85 only makes files bigger and slower to write.
            rl_config.useA85 = 0
            _fonts_ready = True


def qr_operators(matrix):
    """PDF path operators filling the dark modules of ``matrix``, one unit per module, rows
    running downwards from y=0; each horizontal run of dark modules is one rectangle."""
    ops = []
    for y, row in enumerate(matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                ops.append(f"{start} {-y - 1} {x - start} 1 re")
            else:
                x += 1
    ops.append("f")
    return "\n".join(ops)


def _fit(text, font, size, width, minimum=10):
    """The largest font size up to ``size`` at which ``text`` fits ``width`` on one line."""
    while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _centred_lines(canvas, text, font, size, y, width, leading):
    """Draw ``text`` centred, wrapped to ``width``; return the y below the last line."""
    for line in simpleSplit(text, font, size, width)[:3]:
        canvas.setFont(font, size)
        canvas.drawCentredString(PAGE_WIDTH / 2, y, line)
        y -= leading
    return y


def _frame(canvas):
    canvas.setStrokeColor(TEAL)
    canvas.setLineWidth(3)
    canvas.rect(10 * mm, 10 * mm, PAGE_WIDTH - 20 * mm, PAGE_HEIGHT - 20 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(13 * mm, 13 * mm, PAGE_WIDTH - 26 * mm, PAGE_HEIGHT - 26 * mm)


def _qr(canvas, url, x, y, size):
    """The QR code for ``url`` with its top-left corner at (x, y), ``size`` wide (quiet zone
    included)."""
    matrix = qr_matrix(url, error="m")
    modules = len(matrix) + 8  # 4 modules of quiet zone on each side
    unit = size / modules
    canvas.saveState()
    canvas.setFillColor(HexColor("#000000"))
    canvas.translate(x + 4 * unit, y - 4 * unit)
    canvas.scale(unit, unit)
    canvas.addLiteral(qr_operators(matrix))
    canvas.restoreState()


def render_certificate(cert, verify_url, locale="en"):
    """The certificate as PDF bytes.

    :param cert: a Certificate (its snapshot fields are what is printed)
    :param verify_url: absolute URL of the public verification page, for the QR code
    :param locale: language of the printed texts and dates
    """
    register_fonts()
    buffer = io.BytesIO()
    with force_locale(locale or "en"):
        canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1, invariant=1)
        canvas.setTitle(_("Certificate of completion") + " · " + cert.course_title)
        canvas.setAuthor(cert.organisation_name)
        canvas.setSubject(_("Verification code: %(code)s", code=display_code(cert.code)))
        canvas.setCreator(_("Nordic Life Science Academy"))
        _frame(canvas)
        width = PAGE_WIDTH - 60 * mm
        centre = PAGE_WIDTH / 2

        canvas.setFillColor(TEAL)
        canvas.setFont(BOLD, 13)
        canvas.drawCentredString(centre, PAGE_HEIGHT - 32 * mm, _("Nordic Life Science Academy").upper())
        canvas.setFillColor(INK)
        title = _("Certificate of completion")
        canvas.setFont(BOLD, _fit(title, BOLD, 32, width))
        canvas.drawCentredString(centre, PAGE_HEIGHT - 50 * mm, title)

        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 13)
        canvas.drawCentredString(centre, PAGE_HEIGHT - 65 * mm, _("This is to certify that"))
        canvas.setFillColor(INK)
        size = _fit(cert.learner_name, BOLD, 28, width, minimum=12)
        canvas.setFont(BOLD, size)
        canvas.drawCentredString(centre, PAGE_HEIGHT - 80 * mm, cert.learner_name)

        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 13)
        canvas.drawCentredString(centre, PAGE_HEIGHT - 93 * mm, _("has completed the course"))
        canvas.setFillColor(INK)
        y = _centred_lines(canvas, cert.course_title, BOLD, 19, PAGE_HEIGHT - 106 * mm, width, 8.5 * mm)

        facts = " · ".join([
            _("Version %(number)s", number=cert.version_number),
            _("%(hours)s CPD hours", hours=format_decimal(cert.cpd_hours)),
            _("Completed on %(date)s", date=format_date(cert.completed_at, "long")),
        ])
        canvas.setFont(REGULAR, 12)
        canvas.drawCentredString(centre, y - 2 * mm, facts)
        below = y - 9 * mm
        if cert.course_language:
            from lms.course_languages.learning import language_name

            canvas.drawCentredString(centre, below, _("Course taken in %(language)s",
                                                      language=language_name(cert.course_language, locale)))
            below -= 7 * mm
        if cert.expires_at is not None:
            canvas.drawCentredString(
                centre, below, _("Valid until %(date)s", date=format_date(cert.expires_at, "long"))
            )

        # Bottom left: who issues it. Bottom right: how to verify it.
        left = 24 * mm
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 10)
        canvas.drawString(left, 38 * mm, _("Issued by"))
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, _fit(cert.organisation_name, BOLD, 13, 150 * mm))
        canvas.drawString(left, 32 * mm, cert.organisation_name)
        canvas.setFont(REGULAR, 10)
        canvas.drawString(left, 26 * mm, _("on behalf of the Nordic Life Science Academy"))

        qr_size = 34 * mm
        qr_left = PAGE_WIDTH - 22 * mm - qr_size
        _qr(canvas, verify_url, qr_left, 20 * mm + qr_size, qr_size)
        text_right = qr_left - 2 * mm
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 9)
        canvas.drawRightString(text_right, 44 * mm, _("Verification code"))
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, 12)
        canvas.drawRightString(text_right, 38 * mm, display_code(cert.code))
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 8)
        canvas.drawRightString(text_right, 32 * mm, _("Scan the code or visit"))
        canvas.setFont(REGULAR, _fit(verify_url, REGULAR, 8, 110 * mm, minimum=5))
        canvas.drawRightString(text_right, 27.5 * mm, verify_url)
        canvas.linkURL(verify_url, (qr_left, 20 * mm, qr_left + qr_size, 20 * mm + qr_size), relative=0)

        canvas.showPage()
        canvas.save()
    return buffer.getvalue()
