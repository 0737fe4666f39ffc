"""The job-profile pages in a real browser, checked by axe-core: an organisation admin creates
a profile, requires two courses, gives it to a person and takes it away again with a reason."""
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.e2e.axe import assert_accessible
from tests.factories import PASSWORD, create_course, create_org, create_user

pytestmark = pytest.mark.e2e


def test_an_org_admin_sets_up_a_profile_in_the_browser(app, live_server, page: Page):
    org = create_org(name="Oslo Pharma")
    admin = create_user(role="org_admin", org=org, email="orgadmin.browser@example.test")
    create_course(org=org, title="GxP essentials")
    create_course(org=org, title="SOP-014 deviation handling")
    person = create_user(org=org, name="Kari Nordmann", email="kari.browser@example.test")
    db.session.commit()

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/admin/compliance/profiles")
    expect(page.get_by_role("heading", name="Job profiles of Oslo Pharma")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Name", exact=True).fill("QA specialist, Oslo site")
    page.get_by_role("button", name="Create job profile").click()
    expect(page.get_by_role("heading", name="QA specialist, Oslo site", level=1)).to_be_visible()
    for title, days in (("GxP essentials", "30"), ("SOP-014 deviation handling", "14")):
        page.get_by_label("Course", exact=True).select_option(label=title)
        page.get_by_label("Days until due").fill(days)
        page.get_by_label("Recurs").check()
        page.get_by_role("button", name="Add requirement").click()
        expect(page.get_by_role("row", name=title)).to_be_visible()
    page.get_by_label("Email of the person").fill(person.email)
    page.get_by_label("Reason for the change").fill("Joins the QA team")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("link", name="Kari Nordmann")).to_be_visible()
    assert_accessible(page)

    db.session.rollback()
    sources = db.session.scalars(select(Enrolment.source).where(Enrolment.user_id == person.id)).all()
    assert sources == ["job_profile", "job_profile"]

    page.get_by_role("link", name="Kari Nordmann").click()
    expect(page.get_by_role("heading", name="Job profiles of Kari Nordmann")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reason – QA specialist, Oslo site").fill("Moved to production")
    page.get_by_role("button", name="Take away QA specialist, Oslo site").click()
    expect(page.get_by_text("No job profiles.")).to_be_visible()
    db.session.rollback()
    statuses = db.session.scalars(select(Enrolment.status).where(Enrolment.user_id == person.id)).all()
    assert statuses == ["no_longer_required", "no_longer_required"]
