"""The demo's supervisor (lms/demo_signatures.py) finds Oskar waiting on /supervise and signs
his observed practice off; Oskar's lesson page then shows the sign-off."""
import re

from sqlalchemy import select

from lms.demo import DEMO_PASSWORD
from lms.demo_signatures import OBSERVED_TITLE
from lms.extensions import db
from lms.signatures.models import Signature
from tests.helpers import CSRF_RE, login, main_of, text_of
from tests.test_demo_signatures import course_and_lessons, demo, enrolment_of, user  # noqa: F401  (fixture)

NONCE_RE = re.compile(r'<input[^>]*name="nonce"[^>]*value="([^"]*)"')


def test_the_demo_supervisor_signs_off_oskar(demo):
    course, lessons = course_and_lessons()
    observed = lessons["observed"]
    oskar = enrolment_of("oskar@demo.lms.test", course)
    client = demo.test_client()
    login(client, user("supervisor.se@demo.lms.test"), password=DEMO_PASSWORD)
    waiting = main_of(client.get("/supervise"))
    assert "Oskar Nilsson" in waiting and OBSERVED_TITLE in waiting
    assert "Birgitta Holm" not in waiting  # never themself
    url = f"/supervise/{oskar.id}/lessons/{observed.id}"
    body = text_of(client.get(url))
    response = client.post(url, data={"csrf_token": CSRF_RE.search(body).group(1),
                                      "nonce": NONCE_RE.search(body).group(1),
                                      "email": "supervisor.se@demo.lms.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    signature = db.session.scalar(select(Signature).where(Signature.lesson_id == observed.id))
    assert signature.subject_user_id == user("oskar@demo.lms.test").id and signature.printed_name == "Birgitta Holm"

    learner = demo.test_client()
    login(learner, user("oskar@demo.lms.test"), password=DEMO_PASSWORD)
    page = main_of(learner.get(f"/courses/{course.slug}/lessons/{observed.id}"))
    assert "Birgitta Holm" in page and "Verified competent" in page and "Waiting for sign-off" not in page
