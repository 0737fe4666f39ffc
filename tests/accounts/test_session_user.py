"""current_user is a read-only record of the account row, read afresh on every request;
current_user_model() is the ORM User for code that changes it."""
import flask_login.utils
import pytest
from flask_login import current_user
from sqlalchemy import update
from sqlalchemy.orm import Session

from lms.accounts.auth import current_user_model, session_identifier
from lms.accounts.models import User
from lms.accounts.session_user import SessionUser
from lms.extensions import db, login_manager
from tests.factories import create_org, create_user
from tests.helpers import login, post_form, text_of


@pytest.fixture
def seen(app):
    """A page that keeps what ``current_user`` was, and the ORM User the helper gives."""
    kept = []

    def whoami():
        kept.append((current_user._get_current_object(), current_user_model(), current_user_model()))
        return "ok"

    app.add_url_rule("/_test/whoami", "test_whoami", whoami)
    return kept


def change_in_another_session(user_id, **values):
    """Change the account row as another process would (its own connection and commit)."""
    with Session(db.engine) as other, other.begin():
        other.execute(update(User).where(User.id == user_id).values(**values))


def test_current_user_is_a_read_only_record_of_the_row(app, client, seen):
    org = create_org(name="Bergen Apotek", country="NO")
    user = create_user(role="author", org=org, locale="nb", name="Kari Nordmann")
    login(client, user)
    client.get("/_test/whoami")
    record, model, again = seen[-1]
    assert type(record) is SessionUser
    assert (record.id, record.email, record.name, record.role, record.organisation_id, record.country,
            record.locale, record.reminders_opt_out, record.is_active_account, record.created_at) == (
        user.id, user.email, "Kari Nordmann", "author", org.id, "NO", "nb", False, True, user.created_at)
    assert not hasattr(record, "password_hash")
    assert record.is_authenticated and record.is_active and not record.is_anonymous
    assert record.get_id() == str(user.id)
    assert record.is_author and not record.is_admin
    assert repr(record) == f"<SessionUser {user.id} author>"
    # The ORM User comes from the helper, the same object however often it is asked for.
    assert isinstance(model, User) and model.id == user.id and again is model
    # Its organisation is read through the session; other relationships are not on the record.
    assert record.organisation.name == "Bergen Apotek"
    with pytest.raises(AttributeError, match="current_user_model"):
        record.enrolments


def test_assigning_to_the_record_raises(app, client, seen):
    user = create_user(name="Kari Nordmann")
    login(client, user)
    client.get("/_test/whoami")
    record = seen[-1][0]
    for name, value in (("name", "Someone Else"), ("role", "admin"), ("anything", 1)):
        with pytest.raises(AttributeError, match="read-only"):
            setattr(record, name, value)
    with pytest.raises(AttributeError, match="read-only"):
        del record.name
    assert (record.name, record.role) == ("Kari Nordmann", "learner")


def test_records_of_the_same_account_are_equal(app, client, seen):
    user, other = create_user(), create_user()
    login(client, user)
    client.get("/_test/whoami")
    client.get("/_test/whoami")
    other_client = app.test_client()
    login(other_client, other)
    other_client.get("/_test/whoami")
    first, second, third = (kept[0] for kept in seen)
    assert first is not second and first == second and hash(first) == hash(second)
    assert first != third and not first == third
    assert len({first, second, third}) == 2


def test_each_request_reads_the_row_as_it_is_now(app, client, seen):
    user = create_user(role="learner", locale="en")
    login(client, user)
    assert client.get("/author/").status_code == 403
    assert '<html lang="en">' in text_of(client.get("/"))
    change_in_another_session(user.id, role="author", locale="sv", name="Renamed")
    assert client.get("/author/").status_code == 200
    assert '<html lang="sv">' in text_of(client.get("/"))
    client.get("/_test/whoami")
    record = seen[-1][0]
    assert (record.role, record.locale, record.name) == ("author", "sv", "Renamed")


def test_a_deactivated_account_is_logged_out_at_its_next_request(app, client, seen):
    user = create_user()
    login(client, user)
    assert client.get("/my-learning").status_code == 200
    change_in_another_session(user.id, is_active_account=False)
    response = client.get("/my-learning")
    assert response.status_code == 302 and response.location.startswith("/login")
    client.get("/_test/whoami")
    assert seen[-1][0].is_anonymous and seen[-1][1] is None


def test_the_settings_page_changes_the_account(app, client):
    user = create_user(name="Kari Nordmann", locale="en")
    login(client, user)
    body = text_of(client.get("/account"))
    assert 'value="Kari Nordmann"' in body and user.organisation.name in body
    response = post_form(client, "/account", {"name": "  Kari   Hansen ", "locale": "sv"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale, user.reminders_opt_out) == ("Kari Hansen", "sv", True)
    assert 'value="Kari Hansen"' in text_of(client.get("/account"))
    post_form(client, "/account", {"name": "Kari Hansen", "locale": "en", "reminders": "y"})
    db.session.refresh(user)
    assert (user.locale, user.reminders_opt_out) == ("en", False)


def test_the_memoised_session_identifier_is_flask_logins(app):
    assert login_manager._session_identifier_generator is session_identifier
    cases = [
        ({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}, "10.0.0.1"),
        ({"User-Agent": "Mozilla/5.0", "X-Forwarded-For": "203.0.113.7, 10.0.0.2"}, "10.0.0.1"),
        ({"User-Agent": "Navigateur spécial ü"}, "2001:db8::1"),
        ({}, "127.0.0.1"),
        ({"User-Agent": "Mozilla/5.0"}, None),
        ({"User-Agent": "Long/1.0 " + "x" * 2000}, "10.0.0.1"),  # computed each time, not kept
    ]
    for headers, address in cases:
        for _ in range(2):  # computed, then remembered
            environ = {"REMOTE_ADDR": address} if address else {}
            with app.test_request_context("/", headers=headers, environ_base=environ):
                assert session_identifier() == flask_login.utils._create_identifier(), (headers, address)


def test_strong_session_protection_still_ends_a_session_used_by_another_browser(app, client):
    login(client, create_user())
    assert client.get("/my-learning").status_code == 200
    response = client.get("/my-learning", headers={"User-Agent": "Another browser/1.0"})
    assert response.status_code == 302 and response.location.startswith("/login")
