"""The account pages in a real browser, checked by axe-core: forgot password (the same answer
for any address), a reset link, the account page's password change and "log out everywhere
else", which ends the session of a second browser."""
import pytest
from playwright.sync_api import Browser, Page, expect

from lms.accounts import tokens
from lms.extensions import db
from tests.e2e.axe import assert_accessible
from tests.factories import PASSWORD, create_user

pytestmark = pytest.mark.e2e

NEW = "a brand new passphrase"


def log_in(page: Page, base, email, password):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_forgot_password_reset_change_and_log_out_everywhere(app, live_server, page: Page, browser: Browser):
    user = create_user(email="aino.browser@example.test", name="Aino Virtanen")
    db.session.commit()

    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    assert_accessible(page)

    # The emailed link (made here as the worker makes it).
    page.goto(f"{live_server}/reset-password/{tokens.password_reset_token(user)}")
    assert_accessible(page)
    page.get_by_label("New password").fill(NEW)
    page.get_by_label("Repeat password").fill(NEW)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    other = browser.new_context().new_page()
    log_in(other, live_server, user.email, NEW)

    page.goto(f"{live_server}/account")
    assert_accessible(page)
    page.get_by_label("Current password").fill(NEW)
    page.get_by_label("New password", exact=True).fill(PASSWORD + " again")
    page.get_by_label("Repeat new password").fill(PASSWORD + " again")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    page.get_by_role("button", name="Log out everywhere else").click()
    expect(page.get_by_text("You are logged out on every other device")).to_be_visible()
    assert_accessible(page)

    other.goto(f"{live_server}/my-learning")
    expect(other.get_by_role("heading", level=1, name="Log in")).to_be_visible()
