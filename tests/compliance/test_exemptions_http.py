"""Exemptions through the pages: an organisation admin exempts Bob from GMP with a reason and an
expiry date; bad input is a 422 with a message and writes nothing; the dashboard, its CSV and
XLSX, the matrix, the person's pages and the training record show the exemption (and a past
day's dashboard the one live then); revoking needs a reason; other organisations' admins,
learners and anonymous visitors are refused."""
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.compliance import exemptions
from lms.compliance.models import RequirementExemption
from lms.extensions import db
from lms.timeutil import utcnow
from tests.compliance.helpers import events
from tests.compliance.test_dashboard_pages import URL, by_course, csv_rows, matrix  # noqa: F401 (fixture)
from tests.helpers import login, main_of, post_form, text_of


def page_of(person):
    return f"/admin/compliance/people/{person.id}/exemptions"


def count():
    return db.session.scalar(select(func.count()).select_from(RequirementExemption))


def grant(client, person, page_person=None, **data):
    form = {"course": "", "reason": "Works in logistics, not on the line", "expires_on": "", **data}
    return post_form(client, page_of(person), form, page=page_of(page_person or person))


@pytest.mark.parametrize("data, message", [
    ({"reason": ""}, "Give a reason"),
    ({"reason": "   "}, "Give a reason"),
    ({"reason": "x" * 501}, "at most 500 characters"),
    ({"expires_on": ""}, "Give the date the exemption expires"),
    ({"expires_on": "2026-02-30"}, "Not a valid date"),
    ({"expires_on": "tomorrow"}, "Not a valid date"),
    ({"expires_on": "PAST"}, "must be in the future"),
    ({"expires_on": "TODAY"}, "must be in the future"),
    ({"expires_on": "SIX_YEARS"}, "at most 5 years"),
    ({"course": "999999"}, "Not a valid choice"),
    ({"course": "B"}, "Not a valid choice"),
])
def test_bad_input_is_a_422_with_a_message_and_nothing_changes(client, matrix, data, message):
    bob, gmp_requirement = matrix["people"]["Bob"], matrix["requirements"][0]
    today = utcnow().date()
    named = {"PAST": today - timedelta(days=1), "TODAY": today, "SIX_YEARS": today + timedelta(days=6 * 366)}
    data = {k: (named[v].isoformat() if v in named else v) for k, v in data.items()}
    if data.get("course") == "B":
        data["course"] = str(matrix["b_requirement"].course_id)  # not required of Bob
    login(client, matrix["org_admin"])
    response = grant(client, bob, **{"course": str(gmp_requirement.course_id),
                                     "expires_on": (today + timedelta(days=30)).isoformat(), **data})
    assert response.status_code == 422
    assert message in text_of(response)
    assert count() == 0 and not events("exemption.granted")


def test_an_org_admin_exempts_and_every_view_shows_it(app, client, matrix):
    bob, gmp_requirement = matrix["people"]["Bob"], matrix["requirements"][0]
    until = utcnow().date() + timedelta(days=30)
    login(client, matrix["org_admin"])
    page = client.get(page_of(bob))
    assert page.status_code == 200 and "GMP basics" in main_of(page) and "SOP reading" in main_of(page)
    done = grant(client, bob, course=str(gmp_requirement.course_id), expires_on=until.isoformat())
    assert done.status_code == 302
    [exemption] = db.session.scalars(select(RequirementExemption)).all()
    assert exemption.created_by_id == matrix["org_admin"].id
    assert exemption.reason == "Works in logistics, not on the line"
    [event] = events("exemption.granted")
    assert event.data["reason"] == exemption.reason and event.data["new"]["expires_on"] == until.isoformat()

    shown = main_of(client.get(page_of(bob)))
    assert "Exempt until" in shown and "Works in logistics, not on the line" in shown
    # The dashboard: its own column, left out of the share (Dan 1 of the 3 not exempt: 33%).
    gmp = by_course(csv_rows(client.get(URL + "dashboard.csv")))["GMP basics"]
    assert (gmp["Must have"], gmp["Compliant"], gmp["Exempt"], gmp["Overdue"], gmp["Compliant %"]) == (
        "4", "1", "1", "0", "33")
    assert 'aria-valuenow="33"' in text_of(client.get(URL))
    exempt_people = main_of(client.get(URL + f"requirement/{gmp_requirement.id}?status=exempt"))
    assert "Bob" in exempt_people and "Alice" not in exempt_people
    row = main_of(client.get(URL + f"person/{bob.id}"))
    expires = exemption.expires_at.strftime("%Y-%m-%d")
    assert "Exempt" in row and expires in row and "Works in logistics" in row
    # The XLSX dashboard and the matrix.
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(URL + "dashboard.xlsx").get_data())).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[1][-1] == "Exempt" and next(r for r in values if r[2] == "GMP basics")[-1] == 1
    book = openpyxl.load_workbook(io.BytesIO(client.get(URL + "matrix.xlsx").get_data()))
    matrix_sheet = book["Matrix"]
    bob_row = next(r for r in range(4, matrix_sheet.max_row + 1) if matrix_sheet.cell(r, 1).value == "Bob")
    assert matrix_sheet.cell(bob_row, 4).value == f"Exempt {expires}"
    assert matrix_sheet.cell(bob_row, 4).fill.fgColor.rgb[-6:].upper() == "DDEBF7"
    assert "Exempt" in [book["Legend"].cell(r, 1).value for r in range(2, 10)]
    # The person page and the training record (the admin's view and Bob's own).
    person_page = main_of(client.get(f"/admin/compliance/people/{bob.id}"))
    assert "Exempt until" in person_page and "Works in logistics" in person_page
    record = main_of(client.get(f"/admin/users/{bob.id}/record"))
    assert "Exempt until" in record and "GMP basics" in record and "Works in logistics" in record
    own = app.test_client()
    login(own, bob)
    mine = main_of(own.get("/my-learning/record"))
    assert "Exempt until" in mine and "Works in logistics" in mine
    assert "/exemptions" not in mine  # no admin link on the learner's own record

    # Twice: 409, nothing more written.
    again = grant(client, bob, course=str(gmp_requirement.course_id), expires_on=until.isoformat())
    assert again.status_code == 409 and "already exempt" in text_of(again)
    assert count() == 1


def test_revoking_needs_a_reason_and_ends_it(client, matrix):
    bob, gmp_requirement = matrix["people"]["Bob"], matrix["requirements"][0]
    exemption = exemptions.grant(matrix["org_admin"], bob, gmp_requirement.course, "Long-term sick leave",
                                 utcnow().date() + timedelta(days=60))
    db.session.commit()
    login(client, matrix["org_admin"])
    url = f"/admin/compliance/exemptions/{exemption.id}/revoke"
    refused = post_form(client, url, {"reason": " "}, page=page_of(bob))
    assert refused.status_code == 422 and "Give a reason" in text_of(refused)
    db.session.expire_all()
    assert exemption.revoked_at is None and not events("exemption.revoked")
    done = post_form(client, url, {"reason": "Returned to work"}, page=page_of(bob))
    assert done.status_code == 302
    db.session.expire_all()
    assert exemption.revoke_reason == "Returned to work" and exemption.revoked_by_id == matrix["org_admin"].id
    [event] = events("exemption.revoked")
    assert event.data["reason"] == "Returned to work" and event.data["old"]["exempt"] is True
    shown = main_of(client.get(page_of(bob)))
    assert "ended early" in shown and "Returned to work" in shown
    gmp = by_course(csv_rows(client.get(URL + "dashboard.csv")))["GMP basics"]
    assert (gmp["Exempt"], gmp["Overdue"]) == ("0", "1")
    twice = post_form(client, url, {"reason": "again"}, page=page_of(bob))
    assert twice.status_code == 409


def test_a_past_days_dashboard_shows_the_exemption_live_that_day(client, matrix):
    """Exempt from 20 days ago, revoked 5 days ago: "as of" 10 days ago Bob was exempt from
    GMP; 30 days ago and today he is overdue."""
    bob, gmp_requirement, now = matrix["people"]["Bob"], matrix["requirements"][0], matrix["now"]
    exemption = exemptions.grant(matrix["org_admin"], bob, gmp_requirement.course, "Project abroad",
                                 (now + timedelta(days=40)).date(), now=now - timedelta(days=20))
    exemptions.revoke(matrix["org_admin"], exemption, "Project cancelled", now=now - timedelta(days=5))
    db.session.commit()
    login(client, matrix["admin"])
    org = matrix["org"].id
    seen = {}
    for days in (30, 10, 0):
        day = (now - timedelta(days=days)).date().isoformat()
        gmp = by_course(csv_rows(client.get(URL + f"dashboard.csv?org={org}&as_of={day}")))["GMP basics"]
        seen[days] = (gmp["Exempt"], gmp["Overdue"])
    assert seen == {30: ("0", "1"), 10: ("1", "0"), 0: ("0", "1")}
    day = (now - timedelta(days=10)).date().isoformat()
    row = main_of(client.get(URL + f"person/{bob.id}?as_of={day}"))
    assert "Project abroad" in row  # the exemption live that day, with its reason
    assert "Project abroad" not in main_of(client.get(URL + f"person/{bob.id}"))


def test_other_organisations_learners_and_anonymous_are_refused(app, client, matrix):
    bob, b_person, gmp_requirement = matrix["people"]["Bob"], matrix["b_person"], matrix["requirements"][0]
    exemption = exemptions.grant(matrix["org_admin"], bob, gmp_requirement.course, "reason",
                                 utcnow().date() + timedelta(days=60))
    db.session.commit()
    revoke = f"/admin/compliance/exemptions/{exemption.id}/revoke"
    assert client.get(page_of(bob)).status_code in (302, 401)
    form = {"course": str(gmp_requirement.course_id), "reason": "r",
            "expires_on": (utcnow().date() + timedelta(days=9)).isoformat()}
    from tests.factories import create_org, create_user

    outsiders = []
    for user in (create_user(role="org_admin", org=matrix["other"]), bob, create_user(role="author", org=matrix["org"])):
        outsiders.append(app.test_client())
        login(outsiders[-1], user)
    mine = app.test_client()
    login(mine, matrix["org_admin"])
    app.config["WTF_CSRF_ENABLED"] = False  # the refusal, not the missing token, is tested
    for other in outsiders:
        assert other.get(page_of(bob)).status_code == 403
        assert other.post(page_of(bob), data=form).status_code == 403
        assert other.post(revoke, data={"reason": "r"}).status_code == 403
    assert mine.get(page_of(b_person)).status_code == 403
    assert mine.get("/admin/compliance/people/999999/exemptions").status_code == 404
    assert mine.post("/admin/compliance/exemptions/999999/revoke", data={"reason": "r"}).status_code == 404
    db.session.expire_all()
    assert exemption.revoked_at is None and count() == 1
    app.config["WTF_CSRF_ENABLED"] = True
    site = app.test_client()
    login(site, create_user(role="admin", org=create_org()))
    assert site.get(page_of(b_person)).status_code == 200


def test_the_audit_trail_and_its_pdf_list_the_exemption_with_its_reason(app, client, matrix):
    from pypdf import PdfReader

    bob, gmp_requirement = matrix["people"]["Bob"], matrix["requirements"][0]
    login(client, matrix["org_admin"])
    until = utcnow().date() + timedelta(days=30)
    assert grant(client, bob, course=str(gmp_requirement.course_id), expires_on=until.isoformat()).status_code == 302
    site = app.test_client()
    login(site, matrix["admin"])
    page = main_of(site.get("/admin/audit/?action=exemption.granted"))
    assert "Works in logistics, not on the line" in page and until.isoformat() in page
    pdf = site.get("/admin/audit/events.pdf?action=exemption.granted")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "exemption.granted" in text and "Works in logistics" in " ".join(text.split())
