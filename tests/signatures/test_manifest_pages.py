"""The signature manifestation (Part 11 §11.50) wherever a training record appears: My
learning, the training record page, its PDF and CSV, the admin's user record page, and the
public certificate verification page. Each shows the printed name, the meaning, the date and
time in the viewer's time zone and in UTC, and the document's number and revision."""
import csv
import io

import pytz
from babel.dates import format_datetime
from pypdf import PdfReader

from lms.certificates import services as certificates
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import login, main_of, text_of
from tests.signatures.signed_records import make_signed_record  # noqa: F401  (fixture)


def local_time(at, zone):
    """What the manifest says for ``at`` to a viewer in ``zone`` reading English."""
    return f"{format_datetime(at, 'medium', tzinfo=pytz.timezone(zone), locale='en')} ({zone})"


def utc_time(at):
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def org_in(zone):
    org = create_org()
    org.timezone = zone
    db.session.commit()
    return org


def oslo_record(make_signed_record, **kwargs):
    learner = create_user(name="Kari Nordmann", org=org_in("Europe/Oslo"))
    supervisor = create_user(name="Siri Supervisor", org=learner.organisation)
    return make_signed_record(learner=learner, supervisor=supervisor, title="GMP documentation", **kwargs)


def assert_manifest(text, record, zone):
    """Both signatures of ``record`` are shown in full, with times in ``zone`` and UTC (spaces
    compared as spaces: a PDF's text has no narrow no-break space)."""
    text = " ".join(text.split())
    read, verified = record.read, record.verified
    assert f"{read.document_number} rev. 1" in text
    assert "I have read and understood this document" in text and "Verified competent" in text
    assert "Kari Nordmann" in text and "Siri Supervisor" in text
    for signature in (read, verified):
        assert utc_time(signature.signed_at) in text
        assert " ".join(local_time(signature.signed_at, zone).split()) in text


def test_my_learning_shows_each_signature_of_a_course(app, client, make_signed_record):
    record = oslo_record(make_signed_record)
    enrol(record.learner, create_course(title="Unsigned course", org=record.learner.organisation))
    login(client, record.learner)
    page = main_of(client.get("/my-learning"))
    assert_manifest(page, record, "Europe/Oslo")
    assert record.observed.title in page and record.document.title in page
    # The signatures sit in their course's card, not in the unsigned course's.
    cards = page.split('<li class="card enrolment"')[1:]
    unsigned = next(card for card in cards if "Unsigned course" in card)
    signed = next(card for card in cards if "GMP documentation" in card)
    assert 'data-testid="signature-manifest"' not in unsigned
    assert signed.count('data-testid="signature-manifest"') == 2


def test_training_record_page_pdf_and_csv_show_the_manifest(app, client, make_signed_record):
    record = oslo_record(make_signed_record)
    login(client, record.learner)
    page = main_of(client.get("/my-learning/record"))
    assert "Electronic signatures" in page
    assert_manifest(page, record, "Europe/Oslo")

    response = client.get("/my-learning/record.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["entry"] for r in rows] == ["course", "signature", "signature"]
    read_row, verified_row = rows[1], rows[2]
    assert read_row["course"] == "GMP documentation" and read_row["version"] == "1"
    assert read_row["document_number"] == record.read.document_number and read_row["document_revision"] == "1"
    assert read_row["meaning"] == "I have read and understood this document"
    assert read_row["signed_by"] == "Kari Nordmann" and read_row["lesson"] == record.document.title
    assert read_row["signed_at_utc"] == utc_time(record.read.signed_at)
    assert read_row["signed_at_local"] == local_time(record.read.signed_at, "Europe/Oslo")
    assert verified_row["meaning"] == "Verified competent" and verified_row["signed_by"] == "Siri Supervisor"
    assert verified_row["document_number"] == "" and verified_row["lesson"] == record.observed.title
    assert rows[0]["status"] == "completed" and rows[0]["document_number"] == ""

    pdf = client.get("/my-learning/record.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    flat = " ".join(text.split())
    assert "Electronic signatures" in flat
    assert_manifest(flat, record, "Europe/Oslo")


def test_signatures_are_shown_in_the_viewers_time_zone(app, client, make_signed_record):
    """The admin's user record page (the same page as the learner's) shows the times in the
    admin's zone, and the PDF the admin downloads too."""
    record = oslo_record(make_signed_record)
    admin = create_user(role="admin", org=org_in("America/New_York"))
    login(client, admin)
    page = main_of(client.get(f"/admin/users/{record.learner.id}/record"))
    assert_manifest(page, record, "America/New_York")
    assert local_time(record.read.signed_at, "Europe/Oslo") not in page
    pdf = client.get(f"/admin/users/{record.learner.id}/record.pdf")
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert_manifest(flat, record, "America/New_York")


def test_a_record_without_signatures_shows_no_signature_section(app, client):
    learner = create_user()
    enrol(learner, create_course(lessons=("document", "observed")))
    login(client, learner)
    assert "Electronic signatures" not in main_of(client.get("/my-learning/record"))
    assert "signature-manifest" not in main_of(client.get("/my-learning"))
    rows = list(csv.DictReader(io.StringIO(client.get("/my-learning/record.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["entry"] for r in rows] == ["course"]


def certificate_code(enrolment):
    certificates.issue_certificate(enrolment.id)
    db.session.commit()
    return db.session.query(Certificate.code).filter_by(enrolment_id=enrolment.id).scalar()


def test_verification_page_lists_the_signed_documents_and_nothing_else_of_the_learner(
        app, client, make_signed_record):
    record = oslo_record(make_signed_record)
    # The learner's other signed course: neither it nor its document is on this certificate.
    other = make_signed_record(learner=record.learner, supervisor=record.supervisor, title="Another signed course")
    code = certificate_code(record.enrolment)
    response = client.get(f"/verify/{code}")  # anonymous: times in UTC
    assert response.status_code == 200
    page = main_of(response)
    assert "Signed documents and sign-offs" in page
    assert_manifest(page, record, "UTC")
    assert record.observed.title in page
    assert other.read.document_number not in page and "Another signed course" not in page
    assert record.learner.email not in page and "Unsigned" not in page


def test_verification_page_shows_only_the_certified_versions_signatures(app, client, make_signed_record):
    """A signature given after the enrolment moved to a newer version is not on the certificate
    of the older one."""
    from lms.signatures.models import Signature
    from tests.factories import add_version

    record = oslo_record(make_signed_record)
    code = certificate_code(record.enrolment)
    newer = add_version(record.course, lessons=("document", "observed"))
    # Written as the signing pages would after a move to the new version (same enrolment).
    from lms.signatures import services
    from lms.signatures.meanings import READ_UNDERSTOOD

    new_document = newer.lessons()[0]
    with app.test_request_context():
        moved = services.sign(record.learner, record.enrolment, new_document, READ_UNDERSTOOD,
                              file_sha256=new_document.file.sha256, course_version_id=newer.id)
        db.session.commit()
    assert db.session.get(Signature, moved.id).course_version_id == newer.id
    page = main_of(client.get(f"/verify/{code}"))
    assert record.read.document_number in page
    assert new_document.document_number not in page


def test_verification_page_of_an_unknown_code_shows_no_signatures(app, client):
    response = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404 and "signature-manifest" not in text_of(response)


def test_signature_rows_of_the_csv_are_formula_safe(app, client, make_signed_record):
    learner = create_user(name="=HYPERLINK(\"http://evil\")")
    record = make_signed_record(learner=learner, verify=False)
    login(client, learner)
    rows = list(csv.DictReader(io.StringIO(client.get("/my-learning/record.csv").get_data(as_text=True).lstrip("\ufeff"))))
    signed = [r for r in rows if r["entry"] == "signature"]
    assert len(signed) == 1 and signed[0]["document_number"] == record.read.document_number
    assert signed[0]["signed_by"] == "'=HYPERLINK(\"http://evil\")"


def test_a_lesson_is_named_as_the_learner_read_it(app, client, make_signed_record):
    """A learner reading the course in a published translation sees the signed lesson under its
    translated title (the title shown when signing); the document number stays the same."""
    from lms.course_languages.models import CourseTranslation, LessonTranslation
    from lms.timeutil import utcnow

    record = oslo_record(make_signed_record)
    translation = CourseTranslation(version_id=record.enrolment.version_id, language="nb",
                                    title="GMP-dokumentasjon", published_at=utcnow())
    db.session.add(translation)
    db.session.flush()
    db.session.add(LessonTranslation(translation_id=translation.id, lesson_id=record.observed.id,
                                     title="Linjeklarering under observasjon", source_digest=""))
    record.enrolment.language = "nb"
    db.session.commit()
    login(client, record.learner)
    page = main_of(client.get("/my-learning"))
    assert "Linjeklarering under observasjon" in page and f">{record.observed.title}<" not in page
    assert record.document.title in page  # not translated: its own title
    assert "Linjeklarering under observasjon" in main_of(client.get("/my-learning/record"))


def test_a_document_signed_on_its_page_shows_on_the_record_and_verifies(app, client):
    """Through the signing page (lms.signatures.document_views): the signature is on the
    lesson page, the record's PDF, and `signatures-verify` passes it."""
    from tests.signatures.helpers import lesson_url, sign

    learner = create_user(name="Kari Nordmann", org=org_in("Europe/Oslo"))
    course = create_course(title="GMP documentation", lessons=("document",), org=learner.organisation)
    enrol(learner, course)
    document = course.published_version.lessons()[0]
    login(client, learner)
    assert sign(client, course, document, email=learner.email).status_code == 302
    from lms.signatures.models import Signature

    signature = db.session.query(Signature).one()
    lesson_page = main_of(client.get(lesson_url(course, document)))
    assert utc_time(signature.signed_at) in lesson_page and "Kari Nordmann" in lesson_page
    pdf = client.get("/my-learning/record.pdf")
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert f"{document.document_number} rev. 1" in flat and utc_time(signature.signed_at) in flat
    assert " ".join(local_time(signature.signed_at, "Europe/Oslo").split()) in flat
    checked = app.test_cli_runner().invoke(args=["lms", "signatures-verify"])
    assert checked.exit_code == 0 and "All 1 signature(s) match" in checked.output
