"""Only administrators see reports and exports: every route, every role."""
import pytest

from lms.policy import Forbidden
from lms.reports import services
from lms.reports.services import ReportFilters
from tests.factories import create_user
from tests.helpers import login

ROUTES = [
    "/admin/reports/",
    "/admin/reports/?status=overdue",
    "/admin/reports/completion.csv",
    "/admin/reports/completion.xlsx",
]


@pytest.mark.parametrize("url", ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/login")


@pytest.mark.parametrize("role", ["learner", "author"])
@pytest.mark.parametrize("url", ROUTES)
def test_learners_and_authors_are_refused(app, url, role):
    client = app.test_client()
    login(client, create_user(role=role))
    response = client.get(url)
    assert response.status_code == 403
    assert b"Learner" not in response.data  # no report content, not even the export header


@pytest.mark.parametrize("url", ROUTES)
def test_admins_get_them(admin_client, url):
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["learner", "author"])
def test_the_services_refuse_too(app, role):
    user = create_user(role=role)
    with pytest.raises(Forbidden):
        services.completion_report(user, ReportFilters())
    with pytest.raises(Forbidden):
        services.export_rows(user, ReportFilters())


def test_the_admin_dashboard_links_to_the_report(admin_client):
    assert 'href="/admin/reports/"' in admin_client.get("/admin/").get_data(as_text=True)
