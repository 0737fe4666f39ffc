"""Several machines on one database and Redis: two web processes (gunicorn, different ports,
each in its own working directory) and two Celery workers (each in its own working directory)
share PostgreSQL, Redis and the upload and certificate directories. A learner goes back and
forth between the web processes; the certificate a worker makes downloads from either; a
course published through one is in the other's catalogue at once."""
import io
import re

import pytest
import redis
import requests
from pypdf import PdfReader
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.extensions import db
from tests.factories import PASSWORD, create_course, create_user, enrol
from tests.helpers import CSRF_RE, wait_until
from tests.support.fixtures import worker_env
from tests.support.servers import CeleryWorker, GunicornServer

pytestmark = [pytest.mark.postgresql, pytest.mark.worker]

# A Redis database of their own: no other worker of the test session takes their tasks.
BROKER_DB = 4


@pytest.fixture
def cluster(app, database_url, redis_url, upload_dir, certificate_dir, smtp_server, tmp_path):
    broker = redis_url.rsplit("/", 1)[0] + f"/{BROKER_DB}"
    redis.Redis.from_url(broker).flushdb()
    started = []

    def env_for(workdir):
        return worker_env(broker, database_url, upload_dir, certificate_dir, smtp_server.port, workdir / "instance")

    try:
        webs = []
        for name in ("web-a", "web-b"):
            workdir = tmp_path / name
            webs.append(GunicornServer(env_for(workdir), workdir, workers=1))
            started.append(webs[-1].start())
        workers = []
        for name in ("worker-a", "worker-b"):
            workdir = tmp_path / name
            workdir.mkdir()
            worker = CeleryWorker(broker, env_for(workdir), workdir / "worker.log", name=name, cwd=workdir)
            started.append(worker.start())
            workers.append(worker)
        yield webs, workers
    finally:
        for server in reversed(started):
            server.stop()


def token_from(session, url):
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post(session, url, page, data=None, expect=(302, 303)):
    """POST ``data`` with the CSRF token of ``page`` (which may be on the other process)."""
    data = {**(data or {}), "csrf_token": token_from(session, page)}
    response = session.post(url, data=data, allow_redirects=False, timeout=30)
    assert response.status_code in expect, (url, response.status_code, response.text[:500])
    return response


def log_in(session, email, page_on, post_to):
    post(session, f"{post_to}/login", f"{page_on}/login", {"email": email, "password": PASSWORD})



def test_a_learner_and_an_author_on_two_web_processes_and_two_workers(app, cluster, certificate_dir):
    (web_a, web_b), workers = cluster
    a, b = web_a.url, web_b.url
    assert web_a.workdir != web_b.workdir and workers[0].cwd != workers[1].cwd

    learner = create_user(name="Rūta Kazlauskienė", email="ruta.cluster@example.test")
    course = create_course(title="Cluster course", lessons=("text", "file", "quiz"))
    enrolment = enrol(learner, course)
    text_lesson, file_lesson, quiz = enrolment.version.lessons()
    single, multiple = quiz.questions

    # The learner's every step alternates between the two processes; the session cookie
    # of one is good on the other (same key, session in the cookie, user from the database).
    browser = requests.Session()
    log_in(browser, learner.email, page_on=a, post_to=b)
    assert "Cluster course" in browser.get(f"{a}/my-learning", timeout=30).text  # logged in on a too
    lessons = f"/courses/{course.slug}/lessons"
    post(browser, f"{b}{lessons}/{text_lesson.id}/complete", f"{a}{lessons}/{text_lesson.id}")
    file_page = browser.get(f"{b}{lessons}/{file_lesson.id}/file", timeout=30)  # the shared upload dir
    assert file_page.status_code == 200 and file_page.content.startswith(b"%PDF")
    post(browser, f"{a}{lessons}/{file_lesson.id}/complete", f"{b}{lessons}/{file_lesson.id}")
    result = post(browser, f"{b}{lessons}/{quiz.id}/quiz", f"{a}{lessons}/{quiz.id}",
                  {f"q{single.id}": "0", f"q{multiple.id}": ["0", "2"]}, expect=(200,))
    assert "You passed." in result.text

    def issued():
        cert = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
        return cert if cert is not None and cert.status == "issued" else None

    cert = wait_until(issued, 60, "the certificate", [web_a, web_b, *workers])
    assert (certificate_dir / f"{cert.code}.pdf").is_file()
    made = re.compile(r"issue_certificate\[[^\]]+\] succeeded")
    makers = wait_until(lambda: [w for w in workers if made.search(w.log_text())], 30,
                        "a worker's log of the certificate task", workers)
    assert len(makers) == 1, "exactly one worker ran the certificate task"

    # Made by a worker in its own directory; downloaded from the other web process (the last
    # step went to b) and from b as well: the same file.
    downloads = [browser.get(f"{base}/certificates/{cert.code}.pdf", timeout=30) for base in (a, b)]
    for response in downloads:
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Request-ID"]
    assert downloads[0].content == downloads[1].content
    assert "Cluster course" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(downloads[0].content)).pages)
    record = browser.get(f"{a}/my-learning/record.pdf", timeout=30)
    assert record.status_code == 200 and "filename*=UTF-8''training-record-r%C5%ABta" in record.headers["Content-Disposition"]

    # An author publishes through one process; the other's catalogue has the course at once.
    draft = create_course(title="Published on web A", published=False)
    author = create_user(role="author", org=draft.organisation)
    version = draft.versions[0]
    assert "Published on web A" not in browser.get(f"{b}/courses", timeout=30).text
    author_browser = requests.Session()
    log_in(author_browser, author.email, page_on=b, post_to=a)
    post(author_browser, f"{a}/author/versions/{version.id}/publish", f"{a}/author/courses/{draft.id}",
         {"revision": str(version.revision)})
    catalogue = browser.get(f"{b}/courses", timeout=30)
    assert catalogue.status_code == 200 and "Published on web A" in catalogue.text
    assert "Published on web A" in requests.get(f"{b}/courses", timeout=30).text  # anonymous too
    assert re.search(r"Published on web A", browser.get(f"{a}/courses", timeout=30).text)

    # Both processes are ready on the shared database and Redis.
    for base in (a, b):
        ready = requests.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok"}
