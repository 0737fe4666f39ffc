"""The site admin's credit cycles of each accrediting body (/admin/cpd/cycles): add, change and
delete, bad input refused with a message and nothing stored, an audit event for each change,
and nobody else allowed in."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.cpd.models import CreditCycle
from lms.extensions import db
from tests.cpd.cycle_rows import make_body, make_cycle
from tests.factories import create_org, create_user
from tests.helpers import login, main_of, post_form

URL = "/admin/cpd/cycles"


@pytest.fixture
def site_admin(app):
    client = app.test_client()
    login(client, create_user(role="admin"))
    return client


def cycle_count():
    return db.session.scalar(select(func.count()).select_from(CreditCycle))


def test_a_site_admin_adds_changes_and_deletes_a_bodys_cycle(app, site_admin):
    body = make_body("Latvijas Farmaceitu biedrība", unit_name="kredītpunkti", country="LV")
    assert "No cycles yet." in main_of(site_admin.get(URL))

    response = post_form(site_admin, URL, {"body": body.id, "starts_on": "2024-01-01", "years": "5", "required": "60,5"})
    assert response.status_code == 302, main_of(response)
    cycle = db.session.scalar(select(CreditCycle))
    assert (cycle.body_id, cycle.starts_on, cycle.years, cycle.required) == (body.id, date(2024, 1, 1), 5, Decimal("60.5"))
    page = main_of(site_admin.get(URL))
    assert "Latvijas Farmaceitu biedrība" in page and "Dec 31, 2028" in page and "60.5 kredītpunkti" in page

    edit = f"{URL}/{cycle.id}"
    assert 'value="2024-01-01"' in main_of(site_admin.get(edit))
    response = post_form(site_admin, edit, {"starts_on": "2025-01-01", "years": "3", "required": "40"})
    assert response.status_code == 302
    db.session.refresh(cycle)
    assert (cycle.starts_on, cycle.years, cycle.required) == (date(2025, 1, 1), 3, Decimal("40"))

    response = post_form(site_admin, f"{edit}/delete", page=edit)
    assert response.status_code == 302 and cycle_count() == 0

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("cpd_cycle.%")).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["cpd_cycle.created", "cpd_cycle.changed", "cpd_cycle.deleted"]
    assert events[1].data["old"] == {"starts_on": "2024-01-01", "years": 5, "required": "60.50"}
    assert events[1].data["new"] == {"starts_on": "2025-01-01", "years": 3, "required": "40.00"}
    assert events[2].data["old"]["starts_on"] == "2025-01-01" and events[2].actor_id is not None


@pytest.mark.parametrize("values, message", [
    ({"years": "0"}, "The number must be from 1 to 10."),
    ({"years": "11"}, "The number must be from 1 to 10."),
    ({"years": "five"}, "Not a valid integer value."),
    ({"required": "0"}, "The credits required must be more than 0 and at most 10000."),
    ({"required": "-3"}, "Not a valid decimal value."),
    ({"required": "10000.5"}, "The credits required must be more than 0 and at most 10000."),
    ({"required": ""}, "Give the credits required in the cycle."),
    ({"starts_on": "2024-02-30"}, "Not a valid date value."),
    ({"starts_on": ""}, "Give the day the cycle starts."),
    ({"body": "999999"}, "Not a valid choice."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(app, site_admin, values, message):
    body = make_body()
    data = {"body": body.id, "starts_on": "2024-01-01", "years": "5", "required": "20", **values}
    response = post_form(site_admin, URL, data)
    assert response.status_code == 422
    assert message in main_of(response)
    assert cycle_count() == 0


def test_a_second_cycle_starting_the_same_day_is_a_conflict(app, site_admin):
    body = make_body("Norsk farmasøytisk selskap")
    existing = make_cycle(body, starts_on=date(2024, 1, 1))
    other = make_cycle(body, starts_on=date(2029, 1, 1))
    response = post_form(site_admin, URL, {"body": body.id, "starts_on": "2024-01-01", "years": "5", "required": "20"})
    assert response.status_code == 409
    assert "Norsk farmasøytisk selskap already has a cycle starting on 2024-01-01." in main_of(response)
    response = post_form(site_admin, f"{URL}/{other.id}", {"starts_on": "2024-01-01", "years": "5", "required": "20"})
    assert response.status_code == 409 and cycle_count() == 2
    db.session.refresh(other)
    assert other.starts_on == date(2029, 1, 1) and existing.starts_on == date(2024, 1, 1)
    # the same start on another body is fine
    assert post_form(site_admin, URL, {"body": make_body().id, "starts_on": "2024-01-01", "years": "5",
                                       "required": "20"}).status_code == 302


def test_editing_with_bad_input_changes_nothing(app, site_admin):
    cycle = make_cycle(make_body(), starts_on=date(2024, 1, 1), years=5, required="20")
    response = post_form(site_admin, f"{URL}/{cycle.id}", {"starts_on": "2024-01-01", "years": "12", "required": "20"})
    assert response.status_code == 422
    db.session.refresh(cycle)
    assert cycle.years == 5
    assert site_admin.get(f"{URL}/999999").status_code == 404
    assert post_form(site_admin, f"{URL}/999999/delete", page=URL).status_code == 404


def test_a_delete_without_the_forms_token_is_refused(app, site_admin):
    cycle = make_cycle(make_body())
    assert site_admin.post(f"{URL}/{cycle.id}/delete").status_code == 400
    assert cycle_count() == 1


@pytest.mark.parametrize("role", ["org_admin", "learner", "author"])
def test_only_site_admins_manage_cycles(app, role):
    cycle = make_cycle(make_body())
    client = app.test_client()
    login(client, create_user(role=role, org=create_org()))
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"body": cycle.body_id, "starts_on": "2030-01-01", "years": "1", "required": "1"}).status_code in (400, 403)
    assert client.get(f"{URL}/{cycle.id}").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False  # past the token, the role still decides
    assert client.post(URL, data={"body": cycle.body_id, "starts_on": "2030-01-01", "years": "1", "required": "1"}).status_code == 403
    assert client.post(f"{URL}/{cycle.id}", data={"starts_on": "2030-01-01", "years": "1", "required": "1"}).status_code == 403
    assert client.post(f"{URL}/{cycle.id}/delete").status_code == 403
    assert cycle_count() == 1


def test_the_admin_start_page_links_to_the_cycles(app, site_admin):
    assert f'href="{URL}"' in main_of(site_admin.get("/admin/"))
