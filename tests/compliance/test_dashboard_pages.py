"""The compliance dashboard through HTTP: counts and percentage, "as of" a past day from the
history, drill-down to the people of a cell and to one person's row, CSV/XLSX exports and the
colour-coded matrix, the query budget, refusals (403 for another organisation on every route,
4xx for bad input)."""
import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from lms.diagnostics import statements_run
from lms.extensions import db
from lms.timeutil import utcnow
from tests.factories import (
    add_requirement, assign_profile, create_course, create_org, create_profile, create_user,
    enrolment_row,
)
from tests.helpers import login, main_of, text_of

URL = "/admin/compliance/dashboard/"


@pytest.fixture
def matrix(app):
    """Pharma A: profile "QA" requires GMP (recurring, 30 days) and SOP (14 days), held by:
    Alice (GMP valid from 150 days ago until 40 days ago: compliant back then, expired now),
    Bob (nothing, assigned 100 days ago: overdue on both), Cara (assigned 10 days ago: pending,
    and not bound 60 days ago), Dan (GMP valid 10 more days: expiring; SOP done)."""
    now = utcnow()
    ago = lambda n: now - timedelta(days=n)  # noqa: E731
    org, other = create_org("Pharma A"), create_org("Pharma B")
    gmp, sop = create_course(org=org, title="GMP basics"), create_course(org=org, title="SOP reading")
    for course in (gmp, sop):
        course.versions[0].published_at = ago(400)
    qa = create_profile(org, "QA")
    r_gmp = add_requirement(qa, gmp, due_days=30, recurs=True, created_at=ago(300))
    r_sop = add_requirement(qa, sop, due_days=14, created_at=ago(300))
    people = {name: create_user(org=org, name=name, email=f"{name.lower()}@a.test")
              for name in ("Alice", "Bob", "Cara", "Dan")}
    assign_profile(people["Alice"], qa, assigned_at=ago(200))
    enrolment_row(people["Alice"], gmp, status="completed", enrolled_at=ago(190), completed_at=ago(150),
                  valid_until=ago(40))
    enrolment_row(people["Alice"], sop, status="completed", enrolled_at=ago(190), completed_at=ago(150))
    assign_profile(people["Bob"], qa, assigned_at=ago(100))
    assign_profile(people["Cara"], qa, assigned_at=ago(10))
    assign_profile(people["Dan"], qa, assigned_at=ago(200))
    enrolment_row(people["Dan"], gmp, status="completed", enrolled_at=ago(190), completed_at=ago(100),
                  valid_until=now + timedelta(days=10))
    enrolment_row(people["Dan"], sop, status="completed", enrolled_at=ago(190), completed_at=ago(100))
    # Another organisation's profile and person, for the 403s.
    b_course = create_course(org=other, title="B course")
    b_profile = create_profile(other, "B profile")
    b_requirement = add_requirement(b_profile, b_course, created_at=ago(300))
    b_person = create_user(org=other, name="Berit")
    assign_profile(b_person, b_profile, assigned_at=ago(50))
    admin = create_user(role="admin", org=org)
    org_admin = create_user(role="org_admin", org=org)
    db.session.commit()
    return dict(org=org, other=other, requirements=(r_gmp, r_sop), people=people, admin=admin,
                org_admin=org_admin, b_requirement=b_requirement, b_person=b_person, now=now)


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def by_course(rows):
    header = rows[1]
    return {row[2]: dict(zip(header, row)) for row in rows[2:]}


def test_dashboard_counts_and_percentage(client, matrix):
    login(client, matrix["org_admin"])
    page = text_of(client.get(URL))
    assert "Pharma A" in page and "QA" in page and "B profile" not in page
    response = client.get(URL)
    html = response.get_data(as_text=True)
    # GMP: Dan compliant (expiring); Alice expired, Bob overdue, Cara pending: 1 of 4 = 25%.
    assert 'aria-valuenow="25"' in html
    # SOP: Alice and Dan compliant, Bob overdue, Cara pending: 50%.
    assert 'aria-valuenow="50"' in html
    assert "style=" not in html and "<script>" not in html
    rows = by_course(csv_rows(client.get(URL + "dashboard.csv")))
    gmp = rows["GMP basics"]
    assert (gmp["Must have"], gmp["Compliant"], gmp["Compliant %"]) == ("4", "1", "25")
    assert (gmp["Expiring within 30 days"], gmp["Expired"], gmp["Overdue"], gmp["Pending"]) == ("1", "1", "1", "1")
    sop = rows["SOP reading"]
    assert (sop["Must have"], sop["Compliant"], sop["Overdue"], sop["Pending"], sop["Expired"]) == ("4", "2", "1", "1", "0")


def test_dashboard_page_runs_at_most_ten_queries(client, matrix):
    login(client, matrix["admin"])
    client.get(URL)  # warm-up
    with statements_run(db.engine) as statements:
        assert client.get(URL + f"?org={matrix['org'].id}").status_code == 200
    assert len(statements) <= 10, statements


def test_as_of_a_past_day_reads_the_history(client, matrix):
    """60 days ago Alice was compliant (she lapsed 40 days ago) and Cara, assigned 10 days ago,
    was not counted at all."""
    login(client, matrix["admin"])
    day = (matrix["now"] - timedelta(days=60)).date().isoformat()
    rows = csv_rows(client.get(URL + f"dashboard.csv?org={matrix['org'].id}&as_of={day}"))
    assert rows[0] == ["Compliance as of", day]
    gmp = by_course(rows)["GMP basics"]
    assert (gmp["Must have"], gmp["Compliant"], gmp["Expired"], gmp["Overdue"]) == ("3", "2", "0", "1")
    r_gmp = matrix["requirements"][0]
    compliant = main_of(client.get(URL + f"requirement/{r_gmp.id}?status=compliant&as_of={day}"))
    assert "Alice" in compliant and "Dan" in compliant and "Bob" not in compliant
    everyone = main_of(client.get(URL + f"requirement/{r_gmp.id}?as_of={day}"))
    assert "Cara" not in everyone and "Bob" in everyone
    now_expired = main_of(client.get(URL + f"requirement/{r_gmp.id}?status=expired"))
    assert "Alice" in now_expired and "Dan" not in now_expired


def test_drill_down_and_person_row(client, matrix):
    login(client, matrix["org_admin"])
    r_gmp, r_sop = matrix["requirements"]
    overdue = text_of(client.get(URL + f"requirement/{r_sop.id}?status=overdue"))
    assert "Bob" in overdue and "Alice" not in overdue and "1 person" in overdue
    bob = matrix["people"]["Bob"]
    row = text_of(client.get(URL + f"person/{bob.id}"))
    due_gmp = (matrix["now"] - timedelta(days=70)).strftime("%Y-%m-%d")
    assert "GMP basics" in row and "SOP reading" in row and "Overdue" in row and due_gmp in row
    dan = text_of(client.get(URL + f"person/{matrix['people']['Dan'].id}"))
    assert "Expiring" in dan and (matrix["now"] + timedelta(days=10)).strftime("%Y-%m-%d") in dan


def test_dashboard_xlsx_export(client, matrix):
    login(client, matrix["admin"])
    response = client.get(URL + f"dashboard.xlsx?org={matrix['org'].id}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["Organisation", "Job profile", "Course"]
    gmp = next(row for row in values if row[2] == "GMP basics")
    assert gmp[5:8] == [4, 1, 25]


def test_matrix_xlsx_has_status_date_and_colours(client, matrix):
    login(client, matrix["org_admin"])
    response = client.get(URL + "matrix.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet, legend = workbook["Matrix"], workbook["Legend"]
    assert [sheet.cell(3, c).value for c in (1, 4, 5)] == ["Name", "GMP basics", "SOP reading"]
    rows = {sheet.cell(r, 1).value: r for r in range(4, sheet.max_row + 1)}
    assert set(rows) == {"Alice", "Bob", "Cara", "Dan"}

    def cell(name, column):
        c = sheet.cell(rows[name], column)
        return c.value, c.fill.fgColor.rgb[-6:].upper()

    assert cell("Alice", 4) == (f"Expired {(matrix['now'] - timedelta(days=40)):%Y-%m-%d}", "FF8F8F")
    assert cell("Dan", 4) == (f"Expiring {(matrix['now'] + timedelta(days=10)):%Y-%m-%d}", "FFEB9C")
    assert cell("Dan", 5) == ("Compliant", "C6EFCE")
    assert cell("Bob", 5)[0].startswith("Overdue") and cell("Bob", 5)[1] == "FFC7CE"
    assert cell("Cara", 5)[0].startswith("Pending") and cell("Cara", 5)[1] == "D9D9D9"
    legend_rows = {legend.cell(r, 1).value: legend.cell(r, 1).fill.fgColor.rgb[-6:] for r in range(2, 8)}
    assert legend_rows["Superseded version"] == "E1D5F0" and legend_rows["Compliant"] == "C6EFCE"


def test_org_admin_of_another_organisation_gets_403_everywhere(app, client, matrix):
    login(client, matrix["org_admin"])
    b = matrix["other"].id
    for url in (
        URL + f"?org={b}", URL + f"dashboard.csv?org={b}", URL + f"dashboard.xlsx?org={b}",
        URL + f"matrix.xlsx?org={b}", URL + f"requirement/{matrix['b_requirement'].id}",
        URL + f"requirement/{matrix['b_requirement'].id}?status=overdue",
        URL + f"person/{matrix['b_person'].id}",
    ):
        assert client.get(url).status_code == 403, url
    # "All organisations" is for site admins only.
    site_admin = app.test_client()
    login(site_admin, matrix["admin"])
    assert site_admin.get(URL).status_code == 200
    assert "Berit" in text_of(site_admin.get(URL + f"requirement/{matrix['b_requirement'].id}"))


def test_learners_and_anonymous_are_refused(client, matrix):
    assert client.get(URL).status_code in (302, 401)
    login(client, matrix["people"]["Bob"])
    for url in (URL, URL + "dashboard.csv", URL + "matrix.xlsx", URL + f"person/{matrix['people']['Bob'].id}"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("query, status", [
    ("as_of=2026-02-30", 400), ("as_of=yesterday", 400), ("as_of=01/03/2026", 400),
    ("as_of=2199-01-01", 422), ("org=abc", 400), ("org=999999", 404),
])
def test_bad_input_is_a_clear_4xx(client, matrix, query, status):
    login(client, matrix["admin"])
    for path in ("", "dashboard.csv", "matrix.xlsx"):
        response = client.get(URL + path + "?" + query)
        assert response.status_code == status, (path, query)
    assert client.get(URL + f"requirement/{matrix['requirements'][0].id}?status=bogus").status_code == 400
    assert client.get(URL + f"requirement/{matrix['requirements'][0].id}?as_of=bad").status_code == 400
    assert client.get(URL + "person/999999").status_code == 404


def test_as_of_day_ends_in_the_organisations_time_zone(app, client):
    """Completed at 05:00 UTC on 2 March = 21:00 on 1 March in Los Angeles: "as of 1 March"
    counts it for an organisation there, not for one on UTC."""
    from datetime import datetime, timezone

    utc = lambda *a: datetime(*a, tzinfo=timezone.utc)  # noqa: E731
    results = {}
    admin = None
    for zone in ("America/Los_Angeles", None):
        org = create_org(f"Org {zone}")
        org.timezone = zone
        course = create_course(org=org, title="GMP basics")
        course.versions[0].published_at = utc(2025, 1, 1)
        profile = create_profile(org, "QA")
        add_requirement(profile, course, due_days=30, created_at=utc(2025, 1, 1))
        person = create_user(org=org)
        assign_profile(person, profile, assigned_at=utc(2026, 2, 1))
        enrolment_row(person, course, status="completed", enrolled_at=utc(2026, 2, 1),
                      completed_at=utc(2026, 3, 2, 5, 0))
        admin = admin or create_user(role="admin", org=org)
        results[zone] = org.id
    login(client, admin)
    counted = {}
    for zone, org_id in results.items():
        rows = by_course(csv_rows(client.get(URL + f"dashboard.csv?org={org_id}&as_of=2026-03-01")))
        counted[zone] = rows["GMP basics"]["Compliant"]
    assert counted == {"America/Los_Angeles": "1", None: "0"}
