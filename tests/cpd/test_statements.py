"""CPD statements per body and cycle, as PDF and CSV, in the learner's language: every credited
entry of the cycle with its evidence (the certificate's code and verification URL, or the
approved external activity and its provider); nothing void or outside the cycle; a learner
gets only their own, an org admin only their organisation's people's."""
import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from lms.certificates.services import verify_url
from tests.cpd.cycle_rows import certificate_entry, external_entry, make_body, make_cycle, register
from tests.factories import create_org, create_user
from tests.helpers import login


def pdf_text(response):
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)  # A4 portrait
    return "".join(page.extract_text() for page in reader.pages)


def csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.fixture
def ledger(app):
    """Rūta, registered with the Latvian pharmacists' society, with a certificate and an
    approved congress inside its 2022 cycle, and entries that must not appear."""
    org = create_org("Baltic Life Science Incubator", country="LT")
    learner = create_user(name="Rūta Kazlauskienė", email="ruta@example.test", org=org)
    body = make_body("Latvijas Farmaceitu biedrība", unit_name="kredītpunkti", country="LV")
    register(learner, body, "LV-12345")
    cycle = make_cycle(body, starts_on=date(2022, 3, 1), years=5, required="20")
    course = certificate_entry(learner, body, date(2022, 3, 1), "4.5", title="GxP pamati ir ąčęėįšųūž")
    congress = external_entry(learner, body, date(2027, 2, 28), "3", title="Baltic pharmacy congress",
                              provider="Latvijas Universitāte")
    certificate_entry(learner, body, date(2024, 6, 6), "10", title="Revoked course", status="void")
    certificate_entry(learner, body, date(2027, 3, 1), "7", title="Next cycle course")
    certificate_entry(learner, body, date(2022, 2, 28), "7", title="Earlier course")
    certificate_entry(learner, make_body("Other body"), date(2023, 1, 1), "9", title="Other body course")
    return {"org": org, "learner": learner, "body": body, "cycle": cycle, "course": course, "congress": congress}


def test_the_statement_pdf_lists_every_entry_of_the_cycle_with_its_evidence(app, client, ledger):
    login(client, ledger["learner"])
    response = client.get(f"/cpd/cycles/{ledger['cycle'].id}/statement.pdf")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]  # one person's credits
    text = pdf_text(response)
    flat = text.replace("\n", "")  # a URL wrapped in its cell
    spaced = " ".join(text.split())  # words wrapped in their cell
    assert "CPD statement" in text and "Rūta Kazlauskienė" in text and "Baltic Life Science Incubator" in text
    assert "Latvijas Farmaceitu biedrība" in text and "Registration number: LV-12345" in text
    assert "Cycle: March 1, 2022 – February 28, 2027" in text
    assert "Earned: 7.5 of 20 kredītpunkti" in text
    assert "GxP pamati ir ąčęėįšųūž" in text and "4.5" in text
    code = ledger["course"].certificate.code
    assert f"Certificate {code}" in flat and verify_url(code) in text  # on one line
    assert "Baltic pharmacy congress" in text and "External activity, provided by Latvijas Universitāte" in spaced
    assert "Approved on Feb 28, 2027" in text
    for absent in ("Revoked course", "Next cycle course", "Earlier course", "Other body course"):
        assert absent not in text


def test_the_statement_csv_has_one_row_per_entry_with_its_evidence(app, client, ledger):
    login(client, ledger["learner"])
    rows = csv_rows(client.get(f"/cpd/cycles/{ledger['cycle'].id}/statement.csv"))
    assert rows[0] == ["Learner", "Registration number", "Accrediting body", "Cycle starts", "Cycle ends", "Date",
                       "Activity", "Credits (kredītpunkti)", "Evidence", "Certificate code", "Verification URL",
                       "Provider"]
    code = ledger["course"].certificate.code
    assert rows[1:] == [
        ["Rūta Kazlauskienė", "LV-12345", "Latvijas Farmaceitu biedrība", "2022-03-01", "2027-02-28", "2022-03-01",
         "GxP pamati ir ąčęėįšųūž", "4.5", "Certificate", code, verify_url(code), ""],
        ["Rūta Kazlauskienė", "LV-12345", "Latvijas Farmaceitu biedrība", "2022-03-01", "2027-02-28", "2027-02-28",
         "Baltic pharmacy congress", "3", "External activity", "", "", "Latvijas Universitāte"],
    ]


def test_a_statement_without_entries_says_so_and_a_formula_is_never_run(app, client):
    learner = create_user(name="=cmd|' /C calc'!A0")
    body = make_body()
    empty = make_cycle(body, starts_on=date(2010, 1, 1), years=1)
    cycle = make_cycle(body, starts_on=date(2020, 1, 1), years=10)
    certificate_entry(learner, body, date(2021, 1, 1), "2", title="=HYPERLINK(\"http://evil\")")
    login(client, learner)
    assert "No credits in this cycle." in pdf_text(client.get(f"/cpd/cycles/{empty.id}/statement.pdf"))
    assert len(csv_rows(client.get(f"/cpd/cycles/{empty.id}/statement.csv"))) == 1
    row = csv_rows(client.get(f"/cpd/cycles/{cycle.id}/statement.csv"))[1]
    assert row[0].startswith("'=") and row[6] == "'=HYPERLINK(\"http://evil\")"


def test_the_statement_is_in_the_learners_language_whoever_downloads_it(app, client, ledger):
    learner = ledger["learner"]
    learner.locale = "lt"
    from lms.extensions import db

    db.session.commit()
    url = f"/cpd/cycles/{ledger['cycle'].id}/statement"
    login(client, learner)
    text = pdf_text(client.get(url + ".pdf"))
    assert "CPD išrašas" in text and "Sugeneruota" in text and "Registracijos numeris: LV-12345" in text
    assert "CPD statement" not in text and "Registration number" not in text
    assert "4,5" in text  # Lithuanian decimal comma
    header = csv_rows(client.get(url + ".csv"))[0]
    assert header[0] == "Besimokantysis" and "Learner" not in header

    admin = app.test_client()
    login(admin, create_user(role="org_admin", org=ledger["org"]))  # speaks English
    text = pdf_text(admin.get(f"/admin/cpd/people/{learner.id}/cycles/{ledger['cycle'].id}/statement.pdf"))
    assert "CPD išrašas" in text and "Rūta Kazlauskienė" in text


def test_org_admins_download_their_own_peoples_statements_only(app, ledger):
    learner, cycle = ledger["learner"], ledger["cycle"]
    url = f"/admin/cpd/people/{learner.id}/cycles/{cycle.id}/statement"
    own = app.test_client()
    login(own, create_user(role="org_admin", org=ledger["org"]))
    assert "GxP pamati" in pdf_text(own.get(url + ".pdf"))
    assert len(csv_rows(own.get(url + ".csv"))) == 3

    other = app.test_client()
    login(other, create_user(role="org_admin", org=create_org()))
    assert other.get(url + ".pdf").status_code == 403 and other.get(url + ".csv").status_code == 403
    # their own statement route never shows someone else's entries
    assert "GxP pamati" not in pdf_text(other.get(f"/cpd/cycles/{cycle.id}/statement.pdf"))

    site = app.test_client()
    login(site, create_user(role="admin"))
    assert "GxP pamati" in pdf_text(site.get(url + ".pdf"))
    assert site.get(url + ".xml").status_code == 404
    assert site.get(f"/admin/cpd/people/{learner.id}/cycles/999999/statement.pdf").status_code == 404
    assert site.get(f"/admin/cpd/people/999999/cycles/{cycle.id}/statement.pdf").status_code == 404


def test_a_learner_gets_only_their_own_statement(app, client, ledger):
    colleague = create_user(org=ledger["org"])
    login(client, colleague)
    url = f"/admin/cpd/people/{ledger['learner'].id}/cycles/{ledger['cycle'].id}/statement.pdf"
    assert client.get(url).status_code == 403
    text = pdf_text(client.get(f"/cpd/cycles/{ledger['cycle'].id}/statement.pdf"))
    assert colleague.name in text and "Rūta" not in text and "GxP pamati" not in text
    assert "No registration number given." in text
    assert client.get(f"/cpd/cycles/{ledger['cycle'].id}/statement.txt").status_code == 404
    assert client.get("/cpd/cycles/999999/statement.pdf").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/cpd/cycles/{ledger['cycle'].id}/statement.pdf").status_code == 302


def test_a_long_statement_runs_over_pages_each_naming_whose_it_is(app, client):
    learner = create_user(name="Aino Virtanen")
    body = make_body("Suomen Farmasialiitto", unit_name="opintopisteet", country="FI")
    cycle = make_cycle(body, starts_on=date(2020, 1, 1), years=5, required="100")
    for n in range(70):
        external_entry(learner, body, date(2020, 1, 1 + n % 28), "1", title=f"Webinar {n:02d}")
    login(client, learner)
    reader = PdfReader(io.BytesIO(client.get(f"/cpd/cycles/{cycle.id}/statement.pdf").data))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"CPD statement of Aino Virtanen · Suomen Farmasialiitto · Page {number}" in text
        assert "Date" in text and "Evidence" in text  # the header row repeats
    text = "".join(page.extract_text() for page in reader.pages)
    assert all(f"Webinar {n:02d}" in text for n in range(70)) and "Earned: 70 of 100 opintopisteet" in text
