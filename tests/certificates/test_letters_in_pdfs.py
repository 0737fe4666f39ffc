"""Certificates and training-record PDFs render every letter of the region's languages, in
every interface language: the text extracted from the PDF holds the learner's name and the
course title exactly (DejaVu Sans is embedded, so nothing falls back to a font without them)."""
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.certificates import services
from tests.certificates.helpers import completed_enrolment, pdf_text
from tests.factories import create_course, create_org
from tests.helpers import login

LETTERS = "õäöüšžāčēģīķļņūąęėįųøåæ"
# Real words of the eight languages, between them every letter above (and some capitals).
LEARNER = "Jūratė Ąžuolaitytė-Jõeäär"
COURSE = "Årsmøde: Lægemiddelovervågning, Läkemedelsövervakning; ravimiohutuse ülevaade, ziņošana, ģenērisko zāļu ķīmija, šķīdība, čaulas; Įvadas į tęstinį vaistų mokymą"
ORGANISATION = "Øresund Farmaceutforening ÆØÅ"
LANGUAGES = ["en", "nb", "sv", "da", "fi", "et", "lv", "lt"]


def squeezed(text):
    """The extracted text with line breaks and runs of spaces as one space: a long title
    wraps onto two lines on the certificate and in the record's table cell."""
    return re.sub(r"\s+", " ", text)


def test_the_names_hold_every_letter():
    assert set(LETTERS) <= set(LEARNER.lower() + COURSE.lower())


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_certificate_and_the_record_show_every_letter(app, client, cert_dir, locale):
    course = create_course(title=COURSE, org=create_org(name=ORGANISATION))
    enrolment = completed_enrolment(course=course, name=LEARNER, locale=locale)
    cert = services.issue_certificate(enrolment.id)
    learner = enrolment.user
    with force_locale(locale):
        certificate_title, record_title = _("Certificate of completion"), _("Training record")
    login(client, learner)

    response = client.get(f"/certificates/{cert.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _reader, text = pdf_text(response.data)
    text = squeezed(text)
    assert LEARNER in text and COURSE in text and ORGANISATION in text, text
    assert certificate_title in text, (locale, text)
    assert set(LETTERS) <= set(text), set(LETTERS) - set(text)

    response = client.get("/my-learning/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _reader, text = pdf_text(response.data)
    text = squeezed(text)
    assert LEARNER in text and record_title in text, (locale, text)
    # The course title wraps inside its table cell, maybe in the middle of a word.
    assert squeezed(COURSE).replace(" ", "") in text.replace(" ", ""), text
    assert set(LETTERS) <= set(text), set(LETTERS) - set(text)
