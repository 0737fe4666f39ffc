"""The audit trail's exports hold exactly what the page's filter shows: a streamed CSV (BOM,
formula-safe cells) and an A4 PDF with the filter on its first page, page numbers and the
hash chain's verification result at the end."""
import csv
import io
from datetime import datetime, timezone

from pypdf import PdfReader
from sqlalchemy import text

from lms.audit.services import record_event
from lms.extensions import db
from tests.audit.test_audit_filters import admin_client, event_at, trail  # noqa: F401  (fixture)
from tests.helpers import text_of


def csv_rows(response):
    assert response.status_code == 200, text_of(response)[:1000]
    assert response.is_streamed
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def pdf_pages(response):
    assert response.status_code == 200, text_of(response)[:1000]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert sorted((round(float(box.width)), round(float(box.height)))) == [595, 842]  # A4
    return [page.extract_text() for page in reader.pages]


def page_sequences(client, query):
    """The sequence numbers the page lists for ``query`` (one page of up to 50)."""
    body = text_of(client.get("/admin/audit/?" + query)).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [cell.split("<td>", 1)[1].split("</td>", 1)[0] for cell in body.split("<tr>")[1:]]


def test_csv_holds_exactly_the_filtered_events_in_the_pages_order(app, trail):
    client = admin_client(app, trail)
    query = "person=alice@example.test"
    rows = csv_rows(client.get("/admin/audit/events.csv?" + query))
    assert rows[0][0] == "Filter" and "Alice Aalto <alice@example.test>" in rows[0][1]
    header, events = rows[1], rows[2:]
    assert header[:6] == ["Sequence", "When (UTC)", "When (Europe/Helsinki)", "Actor", "Action", "Subject"]
    assert [row[0] for row in events] == page_sequences(client, query)
    assert {row[4] for row in events} == {"test.due_changed", "test.account", "enrolment.created"}
    due = next(row for row in events if row[4] == "test.due_changed")
    assert due[1] == "2026-03-01 23:30:00 UTC" and due[2] == "2026-03-02 01:30:00"
    assert due[3] == "Ada Admin <inspector-admin@example.test>"
    assert due[6] == "Alice Aalto <alice@example.test>" and due[7] == "GMP Basics"
    assert due[8:11] == ["2026-04-01", "2026-05-01", "Sick leave"]
    assert len(due[12]) == 64  # the event's hash


def test_csv_cells_cannot_run_as_formulas(app, trail):
    record_event("test.formula", trail["alice"], actor=trail["admin"], reason="=HYPERLINK(\"http://x\")",
                 old="+1", new="-1", note="@SUM(A1)")
    db.session.commit()
    rows = csv_rows(admin_client(app, trail).get("/admin/audit/events.csv?action=test.formula"))
    event = rows[2]
    assert event[8:11] == ["'+1", "'-1", "'=HYPERLINK(\"http://x\")"]
    assert event[11] == '{"note": "@SUM(A1)"}'  # JSON text: starts with "{", so harmless
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_streams_a_long_trail_in_chunks(app, trail):
    for n in range(1200):
        record_event("test.bulk", trail["bob"], actor=trail["admin"], n=n)
    db.session.commit()
    response = admin_client(app, trail).get("/admin/audit/events.csv?action=test.bulk")
    chunks = list(response.response)
    assert len(chunks) >= 3  # 500 rows a chunk
    rows = list(csv.reader(io.StringIO(b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
                                        .decode("utf-8-sig"))))
    assert len(rows) == 2 + 1200 and rows[2][11] == '{"n": 1199}' and rows[-1][11] == '{"n": 0}'


def test_pdf_states_the_filter_numbers_its_pages_and_ends_with_the_chain_result(app, trail):
    for n in range(80):
        event_at("test.bulk", trail["alice"], trail["admin"], datetime(2026, 4, 1, 9, n % 60, tzinfo=timezone.utc),
                 old=f"old {n}", new=f"new {n}", reason=f"reason {n}")
    client = admin_client(app, trail)
    pages = pdf_pages(client.get(f"/admin/audit/events.pdf?person=alice@example.test&course=&action=test.bulk"
                                 "&date_from=2026-04-01"))
    assert len(pages) >= 2
    first = pages[0]
    assert "Audit trail" in first and "Filter" in first
    assert "Person (email): Alice Aalto <alice@example.test>" in first
    assert "Action: test.bulk" in first and "From: 2026-04-01" in first
    assert "Dates are days in the time zone Europe/Helsinki." in first
    assert "Events matching this filter: 80" in first
    for number, page in enumerate(pages, start=1):
        assert f"Page {number}" in page
    everything = "\n".join(pages)
    assert "reason 0" in everything and "reason 79" in everything and "old 42" in everything and "new 42" in everything
    assert "2026-04-01 09:" in everything and "Europe/Helsinki" in everything
    assert "test.due_changed" not in everything
    assert "Audit chain intact. Events verified:" in pages[-1]


def test_pdf_of_the_whole_trail_says_so_and_reports_a_broken_chain(app, trail):
    client = admin_client(app, trail)
    first = pdf_pages(client.get("/admin/audit/events.pdf"))[0]
    assert "None: every event in the trail." in first and "test.due_changed" in first
    db.session.execute(text("UPDATE audit_event SET action = 'test.forged' WHERE action = 'test.note'"))
    db.session.commit()
    pages = pdf_pages(client.get("/admin/audit/events.pdf"))
    assert "Audit chain BROKEN." in pages[-1] and "was altered" in pages[-1]


def test_a_pdf_too_long_to_print_is_refused_with_a_message(app, trail):
    app.config["AUDIT_PDF_MAX_EVENTS"] = 2
    response = admin_client(app, trail).get("/admin/audit/events.pdf")
    assert response.status_code == 422
    assert "The PDF holds at most 2 events" in text_of(response)
    assert admin_client(app, trail).get("/admin/audit/events.pdf?action=test.note").status_code == 200
