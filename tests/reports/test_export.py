"""CSV and XLSX exports: the filtered rows, streamed, with formulas neutralised."""
import csv
import io

import openpyxl

from lms.reports import export
from tests.factories import create_course, create_user
from tests.reports.conftest import make_enrolment

CSV_URL = "/admin/reports/completion.csv"
XLSX_URL = "/admin/reports/completion.xlsx"
EVIL = "=cmd|' /C calc'!A0"


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def xlsx_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    header, rows = values[0], values[1:]
    return [dict(zip(header, row)) for row in rows]


def test_csv_export_has_the_filtered_rows(dataset, admin_client):
    lund = dataset["orgs"]["lund"]
    response = admin_client.get(f"{CSV_URL}?organisation={lund.id}&status=overdue")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="completion-report-')
    assert response.headers["Cache-Control"] == "no-store"
    assert response.is_streamed
    rows = csv_rows(response)
    assert sorted((r["Learner"], r["Course"], r["Status"]) for r in rows) == [
        ("Dag", "GxP essentials", "Overdue"), ("Eva", "Pharmacovigilance", "Overdue"),
    ]
    dag = next(r for r in rows if r["Learner"] == "Dag")
    assert dag["Organisation"] == "Lund Devices" and dag["Country"] == "SE" and dag["Progress %"] == "50"
    assert dag["Due (UTC)"] and dag["Completed (UTC)"] == ""


def test_csv_export_of_everything_with_certificates(dataset, admin_client):
    rows = csv_rows(admin_client.get(CSV_URL))
    assert len(rows) == 9
    astrid = next(r for r in rows if r["Learner"] == "Astrid" and r["Course"] == "GxP essentials")
    assert astrid["Certificate"] == "CERT-ASTRID-1" and astrid["Status"] == "Completed"
    assert astrid["Progress %"] == "100" and astrid["Completed (UTC)"][:4].isdigit()


def test_xlsx_export_has_the_filtered_rows_with_real_dates(dataset, admin_client):
    gxp = dataset["courses"]["gxp"]
    response = admin_client.get(f"{XLSX_URL}?course={gxp.id}&status=completed")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = xlsx_rows(response)
    assert sorted(r["Learner"] for r in rows) == ["Astrid", "Bjørn", "Cecilie"]
    assert all(r["Progress %"] == 100 and r["Completed (UTC)"].year >= 2000 for r in rows)


def test_exports_neutralise_formulas(app, admin_client):
    course = create_course(title="+Danger course")
    make_enrolment(create_user(name=EVIL), course, "active", due_in=3)
    make_enrolment(create_user(name="@SUM(A1)"), course, "active")
    make_enrolment(create_user(name="-2+3"), course, "active")
    make_enrolment(create_user(name="\tTabby"), course, "active")
    names = {r["Learner"] for r in csv_rows(admin_client.get(CSV_URL))}
    assert names == {"'" + EVIL, "'@SUM(A1)", "'-2+3", "'\tTabby"}
    assert {r["Course"] for r in csv_rows(admin_client.get(CSV_URL))} == {"'+Danger course"}
    rows = xlsx_rows(admin_client.get(XLSX_URL))
    assert {r["Learner"] for r in rows} == {"'" + EVIL, "'@SUM(A1)", "'-2+3", "'\tTabby"}
    # No cell of the workbook holds a formula.
    response = admin_client.get(XLSX_URL)
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert not any(cell.data_type == "f" for row in workbook.active.iter_rows() for cell in row)


def test_neutralise_leaves_plain_values_alone():
    assert export.neutralise("Anne-Marie") == "Anne-Marie"
    assert export.neutralise(42) == 42 and export.neutralise(-3) == -3
    assert export.neutralise("\rX") == "'\rX" and export.neutralise("") == ""


def test_an_empty_export_still_has_its_header(app, admin_client):
    text = admin_client.get(CSV_URL).get_data().decode("utf-8-sig")
    assert text.startswith("Learner,Email,Organisation,Country,Course,Status,Progress %")
    assert xlsx_rows(admin_client.get(XLSX_URL)) == []


def test_export_reads_in_batches(dataset, admin_client, monkeypatch):
    from lms.reports import services

    monkeypatch.setattr(services, "EXPORT_BATCH_SIZE", 2)
    rows = csv_rows(admin_client.get(CSV_URL))
    assert len(rows) == 9 and len({(r["Learner"], r["Course"]) for r in rows}) == 9
