"""In a real browser: an author publishes a major version with a future effective date, and an
admin (then an organisation admin, for their own people) sees who will need retraining."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from lms.extensions import db
from lms.timeutil import utcnow
from tests.compliance.retraining_helpers import completed, require
from tests.e2e.axe import assert_accessible
from tests.e2e.test_author_journey import log_in
from tests.factories import create_course, create_org, create_user

pytestmark = pytest.mark.e2e


def test_a_major_version_waiting_for_its_date_shows_who_will_retrain(app, live_server, page: Page, browser: Browser):
    org = create_org(name="Nordic MedTech Association")
    org.timezone = "Europe/Oslo"
    other = create_org(name="Baltic Life Science Incubator", country="LT")
    course = create_course(org=org, title="Deviation handling", lessons=("text",))
    kari, ruta = create_user(name="Kari Nordmann", org=org), create_user(name="Rūta Kazlauskienė", org=other)
    for person in (kari, ruta):
        completed(person, course, course.versions[0])
    require(course, [kari], due_days=14)
    require(course, [ruta], due_days=21, org=other)
    author = create_user(role="author", org=org, name="Anders Author")
    admin = create_user(role="admin", name="Ingrid Admin")
    org_admin = create_user(role="org_admin", org=other, name="Baltic Admin")
    db.session.commit()
    day = (utcnow().astimezone(ZoneInfo("Europe/Oslo")) + timedelta(days=14)).date()

    log_in(page, live_server, author)
    page.goto(f"{live_server}/author/courses/{course.id}")
    page.get_by_role("button", name="Edit in a new draft (version 2)").click()
    page.get_by_label(re.compile("^Major")).check()
    page.get_by_label("Reason for the change").fill("SOP-12 revision C: new deviation classes")
    page.get_by_label(re.compile("^Effective date")).fill(day.isoformat())
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_role("status").filter(has_text="it becomes required on")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="2"))
    expect(row).to_contain_text("Major")
    expect(row).to_contain_text("SOP-12 revision C")
    expect(row).to_contain_text("waiting")
    assert_accessible(page)

    context = browser.new_context()
    admin_page = context.new_page()
    log_in(admin_page, live_server, admin)
    admin_page.goto(f"{live_server}/author/courses/{course.id}")
    admin_page.get_by_role("link", name="Who will need retraining").click()
    expect(admin_page.get_by_role("heading", level=1)).to_have_text("Who will need retraining on version 2")
    table = admin_page.get_by_role("table")
    expect(table.get_by_role("rowheader", name=re.compile("Kari Nordmann"))).to_be_visible()
    expect(table.get_by_role("rowheader", name=re.compile("Rūta Kazlauskienė"))).to_be_visible()
    expect(table).to_contain_text("Completed version 1")
    assert_accessible(admin_page)
    retraining_url = admin_page.url
    context.close()

    context = browser.new_context()
    own_page = context.new_page()
    log_in(own_page, live_server, org_admin)
    own_page.goto(retraining_url)
    table = own_page.get_by_role("table")
    expect(table.get_by_role("rowheader", name=re.compile("Rūta Kazlauskienė"))).to_be_visible()
    expect(table.get_by_role("rowheader")).to_have_count(1)
    assert_accessible(own_page)
    context.close()
