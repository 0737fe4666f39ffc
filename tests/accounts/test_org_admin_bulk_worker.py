"""An org admin's bulk enrolment applied by the real Celery worker: their organisation's rows
are applied; when a row has come to name another organisation's person since the preview, the
job fails and writes nothing."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.enrolments.models import Enrolment
from lms.extensions import db
from tests.accounts.test_org_admin import client_of, world  # noqa: F401  (fixture)
from tests.enrolments.test_bulk import FUTURE, HEADER, apply_from, upload
from tests.enrolments.test_bulk_jobs import wait_for_job
from tests.factories import create_user
from tests.helpers import text_of

pytestmark = pytest.mark.worker


def test_an_org_admins_job_enrols_their_people(app, world, celery_worker):
    client = client_of(app, world["a_admin"])
    preview = upload(client, HEADER + (
        f"new.alpha@example.com,New Alpha,Alpha Pharma,NO,GxP essentials,{FUTURE}\n"
        "anna.alpha@example.com,Anna Alpha,Alpha Pharma,NO,Device vigilance,\n"
    ))
    assert "All 2 rows are valid" in text_of(preview), text_of(preview)
    path = urlsplit(apply_from(client, preview).location).path
    status, body = wait_for_job(client, path, celery_worker)
    assert status == "done", body
    new = db.session.scalar(select(User).where(User.email == "new.alpha@example.com"))
    assert new.organisation_id == world["org_a"].id and new.role == "learner"
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == world["a_learner"].id,
                                                     Enrolment.course_id == world["b_course"].id)) is not None


def test_a_row_that_became_another_organisations_person_fails_the_job(app, world, celery_worker):
    client = client_of(app, world["a_admin"])
    preview = upload(client, HEADER + (
        f"new.alpha@example.com,New Alpha,Alpha Pharma,NO,GxP essentials,{FUTURE}\n"
        "moved@example.com,Moved Person,Alpha Pharma,NO,GxP essentials,\n"
    ))
    assert "All 2 rows are valid" in text_of(preview)
    # Between the preview and the apply, B's admin creates that person in B.
    create_user("learner", org=world["org_b"], email="moved@example.com")
    path = urlsplit(apply_from(client, preview).location).path
    status, body = wait_for_job(client, path, celery_worker)
    assert status == "failed"
    assert "moved@example.com belongs to another organisation." in body
    assert db.session.scalar(select(User).where(User.email == "new.alpha@example.com")) is None
