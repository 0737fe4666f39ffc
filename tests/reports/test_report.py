"""The completion report: figures, filters, sorting, paging, charts and its query budget."""
import re
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.diagnostics import statements_run
from lms.reports import services
from lms.reports.services import ReportFilters
from lms.timeutil import utcnow
from tests.factories import create_course, create_user
from tests.helpers import text_of
from tests.reports.conftest import make_enrolment

URL = "/admin/reports/"


def report(filters=None, **kwargs):
    admin = create_user(role="admin")
    return services.completion_report(admin, filters or ReportFilters(), **kwargs)


def by_title(result):
    return {row.title: row for row in result.courses.items}


def learner_names(result):
    return [(row.name, row.course_title) for row in result.learners.items]


def test_per_course_counts_rate_and_median(dataset):
    result = report()
    gxp, pv = by_title(result)["GxP essentials"], by_title(result)["Pharmacovigilance"]
    assert (gxp.enrolled, gxp.in_progress, gxp.completed, gxp.overdue, gxp.withdrawn) == (6, 2, 3, 1, 1)
    assert gxp.rate == pytest.approx(0.5)
    assert gxp.median_days == pytest.approx(4.0, abs=0.01)  # 2, 4, 9
    assert (pv.enrolled, pv.in_progress, pv.completed, pv.overdue) == (3, 1, 2, 1)
    assert pv.median_days == pytest.approx(2.0, abs=0.01)  # 1 and 3: the mean of the middle two
    totals = result.totals
    assert (totals.enrolled, totals.in_progress, totals.completed, totals.overdue, totals.withdrawn) == (9, 3, 5, 2, 1)
    assert totals.rate == pytest.approx(5 / 9)
    assert result.courses.total == 2


def test_learner_rows_carry_progress_due_date_and_certificate(dataset):
    result = report(ReportFilters(course_id=dataset["courses"]["gxp"].id))
    rows = {row.name: row for row in result.learners.items}
    assert rows["Astrid"].progress == 100 and rows["Astrid"].certificate_code == "CERT-ASTRID-1"
    assert rows["Eva"].progress == 25 and rows["Eva"].status_key == "active"
    assert rows["Dag"].progress == 50 and rows["Dag"].status_key == "overdue"
    assert rows["Frida"].status_key == "withdrawn" and rows["Frida"].progress == 0
    assert rows["Eva"].due_at.date() == (utcnow() + timedelta(days=10)).date()


def test_the_page_shows_the_figures(dataset, admin_client):
    page = admin_client.get(URL)
    assert page.status_code == 200
    body = text_of(page)
    row = re.search(r"GxP essentials</a></th>(.*?)</tr>", body, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["6", "2", "3", "1", "50.0%", "4.0 days"]
    assert 'href="/verify/CERT-ASTRID-1"' in body
    assert "Bjørn" in body and "Oslo Pharma" in body


def test_filters_by_organisation_country_status_and_dates(dataset):
    oslo, lund = dataset["orgs"]["oslo"], dataset["orgs"]["lund"]
    gxp = dataset["courses"]["gxp"]
    overdue_lund = report(ReportFilters(organisation_id=lund.id, status="overdue"))
    assert sorted(learner_names(overdue_lund)) == [("Dag", "GxP essentials"), ("Eva", "Pharmacovigilance")]
    assert overdue_lund.totals.overdue == 2
    sweden = report(ReportFilters(country="SE"))
    assert sweden.totals.enrolled == 5 and {r.name for r in sweden.learners.items} == {"Dag", "Eva", "Frida"}
    assert report(ReportFilters(organisation_id=oslo.id, status="completed")).totals.completed == 4
    assert report(ReportFilters(status="withdrawn")).totals.enrolled == 1
    assert report(ReportFilters(status="in_progress")).totals.enrolled == 3
    today = utcnow().date()
    recent = report(ReportFilters(enrolled_from=today - timedelta(days=25), enrolled_to=today))
    assert sorted(learner_names(recent)) == [
        ("Astrid", "Pharmacovigilance"), ("Cecilie", "GxP essentials"), ("Dag", "Pharmacovigilance"),
        ("Eva", "GxP essentials"),
    ]
    # Completed: Astrid (GxP) 38 days ago, Bjørn 26, Cecilie 11, Astrid (PV) 9, Dag (PV) 9.
    completed = report(ReportFilters(completed_from=today - timedelta(days=30), completed_to=today - timedelta(days=10)))
    assert sorted(learner_names(completed)) == [("Bjørn", "GxP essentials"), ("Cecilie", "GxP essentials")]
    one_course = report(ReportFilters(course_id=gxp.id))
    assert [row.title for row in one_course.courses.items] == ["GxP essentials"]
    assert one_course.totals.enrolled == 6


def test_filters_through_http_keep_their_values(dataset, admin_client):
    lund = dataset["orgs"]["lund"]
    body = text_of(admin_client.get(f"{URL}?organisation={lund.id}&status=overdue"))
    assert "2 enrolments matching the filters" in body
    assert f'<option selected value="{lund.id}">Lund Devices</option>' in body
    assert "Astrid" not in body
    # The export links carry the filters.
    assert f"/admin/reports/completion.csv?organisation={lund.id}&amp;status=overdue" in body


def test_sorting_both_tables(dataset, admin_client):
    result = report(course_sort="enrolled", course_desc=False)
    assert [r.title for r in result.courses.items] == ["Pharmacovigilance", "GxP essentials"]
    result = report(course_sort="median_days", course_desc=True)
    assert [r.title for r in result.courses.items] == ["GxP essentials", "Pharmacovigilance"]
    result = report(learner_sort="due", learner_desc=False)
    dues = [r.due_at for r in result.learners.items if r.due_at]
    assert dues == sorted(dues) and result.learners.items[-1].due_at is None  # no due date last
    body = text_of(admin_client.get(f"{URL}?sort=-rate"))
    assert body.index("Pharmacovigilance</a>") < body.index("GxP essentials</a>")  # 67% before 50%
    assert 'aria-sort="descending"' in body
    body = text_of(admin_client.get(f"{URL}?lsort=-name"))
    assert body.index(">Frida<") < body.index(">Astrid<")


def test_pagination_of_courses_and_learners(dataset, admin_client, monkeypatch):
    monkeypatch.setattr(services, "COURSES_PER_PAGE", 1)
    monkeypatch.setattr(services, "LEARNERS_PER_PAGE", 4)
    first, second = report(course_page=1), report(course_page=2)
    assert [r.title for r in first.courses.items] == ["GxP essentials"]
    assert [r.title for r in second.courses.items] == ["Pharmacovigilance"]
    assert first.courses.pages == 2 and first.totals.enrolled == second.totals.enrolled == 9
    pages = [report(learner_page=n).learners for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [4, 4, 1] and pages[0].pages == 3
    seen = [row.enrolment_id for p in pages for row in p.items]
    assert len(set(seen)) == 9
    # Past the end: the last page of learners, the first of courses.
    assert report(learner_page=99).learners.page == 3
    assert report(course_page=99).courses.page == 1
    body = text_of(admin_client.get(f"{URL}?lpage=2&status=completed"))
    assert "Page 2 of 2" in body and 'href="/admin/reports/?status=completed&amp;lpage=1"' in body


def test_charts_are_accessible_svg_with_their_numbers(dataset, admin_client):
    gxp = dataset["courses"]["gxp"]
    body = text_of(admin_client.get(f"{URL}?course={gxp.id}"))
    svgs = re.findall(r'<svg class="chart[^>]*>', body)  # (the progress bars are SVGs too, aria-hidden)
    assert len(svgs) == 2 and all('role="img"' in s and "aria-labelledby" in s for s in svgs)
    assert "<title id=\"weekly-chart-title\">Completions per week</title>" in body
    assert "<title id=\"funnel-chart-title\">Module completion funnel</title>" in body
    assert "Of 6 enrolled learners, 4 completed the first module and 3 the last (module 2)." in body
    # No script, and nothing loaded from another host (a random CSRF token may spell "cdn").
    assert "<script" not in body and not re.search(r'(src|href)="(https?:)?//', body)


def test_funnel_and_weekly_figures(dataset):
    gxp = dataset["courses"]["gxp"]
    result = report(ReportFilters(course_id=gxp.id))
    # Dag did both lessons of module 1, Eva one; the completers did everything.
    assert [(s.position, s.title, s.completed) for s in result.funnel] == [(0, "Module 1", 4), (1, "Module 2", 3)]
    assert len(result.weekly) == services.DEFAULT_WEEKS
    assert sum(n for _week, n in result.weekly) == 3  # completions in the last 12 weeks
    assert all(week.weekday() == 0 for week, _n in result.weekly)
    assert report().funnel is None


def _add_learners(course, n, start=0):
    for i in range(start, start + n):
        status = ("completed", "active", "withdrawn")[i % 3]
        make_enrolment(create_user(name=f"Learner {i:03d}"), course, status, 20 + i % 7,
                       completed_after=1 + i % 5, due_in=-3 if i % 2 else 5, lessons_done=i % 3)


def test_the_page_runs_a_constant_number_of_statements(app, admin_client):
    course = create_course(title="Scale", lessons=("text", "text"), modules=2)
    urls = [URL, f"{URL}?course={course.id}", f"{URL}?status=overdue&lsort=-due&sort=-median_days&lpage=2"]
    _add_learners(course, 5)
    admin_client.get(URL)  # warm: first-request work is not the report's
    few = {}
    for url in urls:
        with statements_run(db.engine) as few[url]:
            assert admin_client.get(url).status_code == 200
    _add_learners(course, 45, start=5)
    for url in urls:
        with statements_run(db.engine) as many:
            assert admin_client.get(url).status_code == 200
        assert len(few[url]) == len(many) <= 10, (url, many)


@pytest.mark.parametrize("query", [
    "course=abc", "course=999999", "organisation=x", "country=ZZ", "status=sleeping",
    "enrolled_from=yesterday", "completed_to=2024-13-45", "enrolled_from=2024-05-02&enrolled_to=2024-05-01",
    "sort=password", "lsort=-secret", "page=0", "page=abc", "lpage=-1", "page=99999999999999999999",
])
def test_bad_filter_input_is_a_clear_422(admin_client, query):
    for path in ("", "completion.csv", "completion.xlsx"):
        response = admin_client.get(f"{URL}{path}?{query}")
        assert response.status_code == 422, (path, query, response.status_code)
    assert "correct the filters" in text_of(admin_client.get(f"{URL}?{query}"))
