"""Every demo learner downloads their training record as CSV and PDF, whatever the letters
of their name (RFC 6266 filename* with an ASCII fallback)."""
import csv
import io
from urllib.parse import unquote

from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.models import User
from lms.demo import DEMO_PASSWORD, GXP, PEOPLE, PV
from lms.downloads import content_disposition
from tests.helpers import login, post_form

DEMO_LEARNERS = [(name, email) for name, email, role, _org, _locale in PEOPLE if role == "learner"]


def disposition_names(header):
    """(ASCII filename, decoded filename*) of a Content-Disposition value."""
    parts = dict(part.strip().split("=", 1) for part in header.split(";")[1:])
    ascii_name = parts["filename"].strip('"')
    extended = parts.get("filename*")
    assert ascii_name.isascii()
    if extended is None:
        return ascii_name, ascii_name
    charset, _language, quoted = extended.split("'", 2)
    assert charset == "UTF-8"
    return ascii_name, unquote(quoted)


def test_every_demo_learner_downloads_their_record_as_csv_and_pdf(app):
    seeded = app.test_cli_runner().invoke(args=["lms", "seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    assert any("ė" in name for name, _email in DEMO_LEARNERS)  # Rūta Kazlauskienė is among them
    for name, email in DEMO_LEARNERS:
        client = app.test_client()
        user = app.extensions["sqlalchemy"].session.scalar(select(User).where(User.email == email))
        login(client, user, password=DEMO_PASSWORD)
        for course in (GXP, PV):  # something on every record (enrolled already is fine)
            assert post_form(client, f"/courses/{course['slug']}/enrol", page=f"/courses/{course['slug']}").status_code in (302, 303)

        response = client.get("/my-learning/record.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv", (name, response.status_code)
        ascii_name, full_name = disposition_names(response.headers["Content-Disposition"])
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert full_name == "training-record-" + "-".join(name.lower().split()) + ".csv"
        assert ascii_name.startswith("training-record-") and ascii_name.endswith(".csv")
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert {row["learner"] for row in rows} == {name}
        assert {GXP["title"], PV["title"]} <= {row["course"] for row in rows}  # and what their job requires

        response = client.get("/my-learning/record.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", (name, response.status_code)
        ascii_name, full_name = disposition_names(response.headers["Content-Disposition"])
        assert full_name.endswith(".pdf") and ascii_name.endswith(".pdf")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        assert name in text and GXP["title"].split()[0] in text


def test_content_disposition_keeps_the_name_and_gives_an_ascii_fallback():
    assert content_disposition("report.csv") == 'attachment; filename="report.csv"'
    header = content_disposition("training-record-rūta-kazlauskienė.pdf")
    assert header == ('attachment; filename="training-record-ruta-kazlauskiene.pdf"; '
                      "filename*=UTF-8''training-record-r%C5%ABta-kazlauskien%C4%97.pdf")
    assert content_disposition('a "quoted"; name.csv', as_attachment=False) == 'inline; filename="a \\"quoted\\"; name.csv"'
    assert "\n" not in content_disposition("bad\r\nname.csv")
    assert disposition_names(content_disposition("Ελληνικά.csv"))[1] == "Ελληνικά.csv"
