"""The certificate of a course taken in a translation: the course title in the language taken,
and that language named on the PDF, the verification page and the training record (page, PDF,
CSV)."""
import csv
import io
from datetime import datetime, timezone

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from lms.certificates import services as certificates
from lms.extensions import db
from tests.certificates.helpers import pdf_text
from tests.course_languages.learner_factories import WORDS, translate
from tests.factories import create_course, create_user, enrol
from tests.helpers import login, main_of, text_of


@pytest.fixture
def cert_dir(app, tmp_path):
    """This test's own certificate directory (the session one is shared with the worker)."""
    path = tmp_path / "certificates"
    app.config["CERTIFICATE_DIR"] = str(path)
    return path


def completed_in(language, learner_locale="en", name="Rūta Kazlauskienė"):
    course = create_course(title="Cleanroom basics")
    translate(course.published_version, "lt")
    learner = create_user(locale=learner_locale, name=name)
    enrolment = enrol(learner, course)
    enrolment.language = language
    enrolment.status = "completed"
    enrolment.completed_at = datetime.now(timezone.utc)
    db.session.commit()
    return learner, course, enrolment


def test_the_certificate_states_the_title_in_the_language_taken_and_names_it(app, cert_dir):
    _learner, _course, enrolment = completed_in("lt")
    cert = certificates.issue_certificate(enrolment.id)
    assert cert.course_title == WORDS["lt"]["course"] and cert.course_language == "lt"
    _reader, text = pdf_text((cert_dir / f"{cert.code}.pdf").read_bytes())
    assert WORDS["lt"]["course"] in text and "Course taken in Lithuanian" in text
    assert "Rūta Kazlauskienė" in text


def test_a_lithuanian_learners_certificate_speaks_lithuanian(app, cert_dir):
    _learner, _course, enrolment = completed_in("lt", learner_locale="lt")
    cert = certificates.issue_certificate(enrolment.id)
    _reader, text = pdf_text((cert_dir / f"{cert.code}.pdf").read_bytes())
    with force_locale("lt"):  # the sentence as the Lithuanian catalogue has it
        expected = gettext("Course taken in %(language)s", language="lietuvių")
    assert WORDS["lt"]["course"] in text and expected in text and "Lithuanian" not in text


def test_a_course_taken_in_its_own_language_keeps_its_title(app, cert_dir):
    _learner, course, enrolment = completed_in("en")
    cert = certificates.issue_certificate(enrolment.id)
    assert cert.course_title == course.title and cert.course_language == "en"
    _reader, text = pdf_text((cert_dir / f"{cert.code}.pdf").read_bytes())
    assert "Course taken in English" in text


def test_the_verification_page_names_the_language(app, client, cert_dir):
    _learner, _course, enrolment = completed_in("lt")
    cert = certificates.issue_certificate(enrolment.id)
    page = main_of(client.get(f"/verify/{cert.code}"))
    assert f'<dd lang="lt">{WORDS["lt"]["course"]}</dd>' in page
    assert '<dd class="course-language" data-language="lt">Lithuanian</dd>' in page


def test_the_training_record_names_the_language_on_the_page_pdf_and_csv(app, client, cert_dir):
    learner, course, enrolment = completed_in("lt")
    certificates.issue_certificate(enrolment.id)
    other = create_course(title="Deviation handling")
    translate(other.published_version, "lt")
    enrol(learner, other)  # in progress, in English (the learner's language)
    login(client, learner)
    page = main_of(client.get("/my-learning/record"))
    assert WORDS["lt"]["course"] in page and "Course language: Lithuanian" in page and "Course language: English" in page
    rows = list(csv.DictReader(io.StringIO(text_of(client.get("/my-learning/record.csv")).lstrip("\ufeff"))))
    assert {(row["course"], row["course_language"]) for row in rows} == {
        (WORDS["lt"]["course"], "lt"), ("Deviation handling", "en")}
    pdf = client.get("/my-learning/record.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert WORDS["lt"]["course"] in text and "Course language: Lithuanian" in text
