"""Supervisor sign-off through HTTP: the waiting list, the sign-off page with re-authentication
(email and password at the first signing of a session, the password alone after), the
single-use nonce, wrong passwords and the lock, every role against the sign-off routes, and
the learner's observed-practice lesson page."""
import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.signatures.models import Signature, SigningNonce
from tests.factories import PASSWORD, create_user
from tests.helpers import CSRF_RE, login, main_of, post_form, text_of
from tests.signatures.observed_world import world  # noqa: F401  (fixture)

NONCE_RE = re.compile(r'<input[^>]*name="nonce"[^>]*value="([^"]*)"')


def page_url(enrolment, lesson):
    return f"/supervise/{enrolment.id}/lessons/{lesson.id}"


def form_of(client, url):
    """(csrf token, nonce) of the sign-off page at ``url``."""
    body = text_of(client.get(url))
    return CSRF_RE.search(body).group(1), NONCE_RE.search(body).group(1)


def sign(client, url, password=PASSWORD, email=None, nonce=None):
    csrf, fresh = form_of(client, url)
    data = {"csrf_token": csrf, "nonce": fresh if nonce is None else nonce, "password": password}
    if email is not None:
        data["email"] = email
    return client.post(url, data=data)


def signatures():
    return db.session.scalars(select(Signature)).all()


def count(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_a_supervisor_signs_off_a_learner_from_the_waiting_list(app, client, world):
    login(client, world.supervisor)
    assert 'href="/supervise"' in text_of(client.get("/my-learning"))  # the navigation links it
    waiting = client.get("/supervise")
    body = main_of(waiting)
    assert waiting.status_code == 200 and "Kari Nordmann" in body and "Per Peer" in body
    assert "Ola Outsider" not in body and "GMP on-the-job training" in body
    url = page_url(world.enrolment, world.lesson)
    assert f'href="{url}"' in body

    page = client.get(url)
    shown = main_of(page)
    assert page.status_code == 200
    for text in ("Kari Nordmann", "GMP on-the-job training", "Line clearance under observation",
                 "<strong>line clearance</strong>", "Verified competent", "Siri Supervisor"):
        assert text in shown, text
    assert 'name="email"' in shown and 'name="password"' in shown  # first signing of the session

    # The email is one of the two parts asked again: another one is refused like a wrong password.
    refused = sign(client, url, email="someone@example.test")
    assert refused.status_code == 422 and "The email or password is not correct." in text_of(refused)
    assert signatures() == [] and count("signature.failed") == 1

    signed = sign(client, url, email="SIRI@example.test")
    assert signed.status_code == 302 and signed.location.endswith("/supervise")
    [signature] = signatures()
    assert (signature.signer_id, signature.subject_user_id, signature.meaning) == (
        world.supervisor.id, world.learner.id, "verified_competent")
    assert db.session.get(User, world.supervisor.id).signing_failures == 0
    after = main_of(client.get("/supervise"))
    assert "for Kari Nordmann: verified competent." in after  # the flash
    assert f'data-enrolment="{world.enrolment.id}"' not in after
    assert f'data-enrolment="{world.peer_enrolment.id}"' in after
    # The signed page shows the manifest, and offers no form.
    done = main_of(client.get(url))
    assert 'data-testid="signature-manifest"' in done and 'name="password"' not in done
    assert "UTC" in done and "Siri Supervisor" in done

    # Later signings of the same login session ask for the password alone.
    peer_url = page_url(world.peer_enrolment, world.lesson)
    peer_page = main_of(client.get(peer_url))
    assert 'name="email"' not in peer_page and 'name="password"' in peer_page
    assert sign(client, peer_url).status_code == 302
    assert len(signatures()) == 2
    assert "Nobody is waiting for your sign-off." in main_of(client.get("/supervise"))


def test_the_learner_waits_then_sees_the_sign_off_on_their_lesson_page(app, client, world):
    login(client, world.learner)
    url = f"/courses/{world.course.slug}/lessons/{world.lesson.id}"
    page = main_of(client.get(url))
    assert "Waiting for sign-off by a supervisor" in page and "Siri Supervisor" in page
    assert "Otto Other" not in page and "Bo Foreign" not in page
    assert "<strong>line clearance</strong>" in page
    assert "Mark complete" not in page
    # The learner cannot complete it themself, nor sign it off.
    assert post_form(client, f"{url}/complete", page=url).status_code == 409
    assert client.get(page_url(world.enrolment, world.lesson)).status_code == 403
    assert "Sign-offs" not in text_of(client.get(url))  # no link: they supervise nobody

    supervisor = app.test_client()
    login(supervisor, world.supervisor)
    assert sign(supervisor, page_url(world.enrolment, world.lesson), email=world.supervisor.email).status_code == 302
    page = main_of(client.get(url))
    assert 'data-testid="signature-manifest"' in page and "Siri Supervisor" in page and "Verified competent" in page
    assert "You have completed this lesson." in page and "Waiting for sign-off" not in page


def test_a_learner_whose_profiles_have_no_supervisor_is_told_whom_to_ask(app, client, world):
    login(client, world.outsider)
    world.other_supervisor.is_active_account = False
    db.session.commit()
    page = main_of(client.get(f"/courses/{world.course.slug}/lessons/{world.lesson.id}"))
    assert "Nobody supervises your job profiles yet." in page


@pytest.mark.parametrize("who", ["learner", "peer", "other_supervisor", "foreign_supervisor", "org_admin",
                                 "site_admin", "author"])
def test_nobody_but_the_learners_supervisor_opens_or_posts_the_sign_off(app, client, world, who):
    user = create_user("author", org=world.org) if who == "author" else getattr(world, who)
    login(client, user)
    url = page_url(world.enrolment, world.lesson)
    assert client.get(url).status_code == 403
    csrf = CSRF_RE.search(text_of(client.get("/my-learning"))).group(1)
    # Even with a nonce issued to them for this record (the service would accept it).
    from lms.signatures import services

    with app.test_request_context():
        nonce = services.issue_nonce(user, world.enrolment, world.lesson)
        db.session.commit()
    response = client.post(url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD, "email": user.email})
    assert response.status_code == 403
    assert signatures() == [] and count("signature.failed") == 0
    if who == "learner":
        assert "Nobody signs off their own practice" in text_of(response)


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    url = page_url(world.enrolment, world.lesson)
    assert "/login" in client.get(url).location
    csrf = CSRF_RE.search(text_of(client.get("/login"))).group(1)
    response = client.post(url, data={"csrf_token": csrf, "nonce": "x", "password": PASSWORD})
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/supervise").status_code == 302
    assert signatures() == []


def test_a_post_without_the_csrf_token_is_refused(app, client, world):
    login(client, world.supervisor)
    url = page_url(world.enrolment, world.lesson)
    _csrf, nonce = form_of(client, url)
    response = client.post(url, data={"nonce": nonce, "password": PASSWORD, "email": world.supervisor.email})
    assert response.status_code == 400 and signatures() == []


def test_a_replayed_or_foreign_nonce_is_refused(app, client, world):
    login(client, world.supervisor)
    url = page_url(world.enrolment, world.lesson)
    csrf, nonce = form_of(client, url)
    peer_url = page_url(world.peer_enrolment, world.lesson)
    _csrf, peer_nonce = form_of(client, peer_url)
    # The peer's page's nonce does not sign Kari's record.
    carried = client.post(url, data={"csrf_token": csrf, "nonce": peer_nonce, "password": PASSWORD,
                                     "email": world.supervisor.email})
    assert carried.status_code == 409 and "Nothing was signed" in text_of(carried)
    assert signatures() == []
    assert client.post(url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD,
                                  "email": world.supervisor.email}).status_code == 302
    replayed = client.post(peer_url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD})
    assert replayed.status_code == 409 and len(signatures()) == 1
    # Signing the same record again is refused, and shows who signed.
    again = client.post(url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD})
    assert again.status_code == 409 and "signed off already" in text_of(again)
    assert len(signatures()) == 1


def test_a_second_supervisor_finds_the_practice_signed_off(app, client, world):
    """Two supervisors of the profile with the page open: the first signs, the second's post
    is refused (409) and nothing else is written."""
    from tests.signatures.observed_world import supervise

    second = create_user(org=world.org, name="Sara Second")
    supervise(second, world.profile)
    login(client, world.supervisor)
    other = app.test_client()
    login(other, second)
    url = page_url(world.enrolment, world.lesson)
    csrf, nonce = form_of(other, url)
    assert sign(client, url, email=world.supervisor.email).status_code == 302
    late = other.post(url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD, "email": second.email})
    assert late.status_code == 409 and len(signatures()) == 1


def test_a_missing_password_or_email_is_a_422_and_nothing_is_counted(app, client, world):
    login(client, world.supervisor)
    url = page_url(world.enrolment, world.lesson)
    response = sign(client, url, password="", email=world.supervisor.email)
    assert response.status_code == 422 and "Give your password to sign." in text_of(response)
    no_email = sign(client, url, email="  ")
    assert no_email.status_code == 422 and "Give your email too" in text_of(no_email)
    assert signatures() == [] and db.session.get(User, world.supervisor.id).signing_failures == 0
    assert count("signature.failed") == 0


def test_three_wrong_passwords_lock_signing_and_login(app, client, world):
    login(client, world.supervisor)
    url = page_url(world.enrolment, world.lesson)
    first = sign(client, url, password="wrong", email=world.supervisor.email)
    assert first.status_code == 422
    assert "The email or password is not correct. The sign-off was not recorded." in text_of(first)
    assert "After 2 more wrong passwords" in text_of(first)
    second = sign(client, url, password="wrong", email=world.supervisor.email)
    assert second.status_code == 422 and "After 1 more wrong password," in text_of(second)
    third = sign(client, url, password="wrong", email=world.supervisor.email)
    assert third.status_code == 403 and "now locked" in text_of(third)
    supervisor = db.session.get(User, world.supervisor.id)
    assert supervisor.signing_locked_at is not None and supervisor.signing_failures == 3
    assert count("signature.failed") == 3 and count("signature.locked") == 1 and signatures() == []
    # The organisation's administrators are emailed: the work is promised in the same commit.
    from lms.outbox.models import EMAIL_SIGNING_LOCKED, Outbox

    assert db.session.scalars(select(Outbox.subject_id).where(Outbox.kind == EMAIL_SIGNING_LOCKED)).all() == [
        world.supervisor.id]
    # The session ended: the next request is a visitor's.
    assert "/login" in client.get(url).location


def test_a_locked_account_cannot_sign_even_with_the_right_password(app, client, world):
    from lms.timeutil import utcnow

    login(client, world.supervisor)
    url = page_url(world.enrolment, world.lesson)
    csrf, nonce = form_of(client, url)
    world.supervisor.signing_locked_at = utcnow()  # locked meanwhile (e.g. in another tab)
    db.session.commit()
    response = client.post(url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD,
                                      "email": world.supervisor.email})
    assert response.status_code == 403 and "locked" in text_of(response) and signatures() == []


def test_wrong_lesson_kind_unknown_ids_and_closed_enrolments(app, client, world):
    login(client, world.supervisor)
    assert client.get(page_url(world.enrolment, world.text_lesson)).status_code == 409
    assert client.get(f"/supervise/{world.enrolment.id}/lessons/999999").status_code == 404
    assert client.get(f"/supervise/999999/lessons/{world.lesson.id}").status_code == 404
    url = page_url(world.enrolment, world.lesson)
    csrf, nonce = form_of(client, url)
    world.enrolment.status = "withdrawn"
    db.session.commit()
    assert client.get(url).status_code == 409
    response = client.post(url, data={"csrf_token": csrf, "nonce": nonce, "password": PASSWORD,
                                      "email": world.supervisor.email})
    assert response.status_code == 409 and "no longer open" in text_of(response) and signatures() == []


def test_signing_posts_are_rate_limited(app, client, world):
    app.config["RATELIMIT_SIGNING"] = "2 per minute"
    login(client, world.supervisor)
    url = page_url(world.enrolment, world.lesson)
    csrf, _nonce = form_of(client, url)
    statuses = [client.post(url, data={"csrf_token": csrf, "nonce": "x", "password": ""}).status_code
                for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_the_sign_off_page_writes_only_its_nonce(app, client, world):
    login(client, world.supervisor)
    client.get(page_url(world.enrolment, world.lesson))
    [nonce] = db.session.scalars(select(SigningNonce)).all()
    assert (nonce.signer_id, nonce.enrolment_id, nonce.lesson_id, nonce.used_at) == (
        world.supervisor.id, world.enrolment.id, world.lesson.id, None)
