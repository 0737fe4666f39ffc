"""Real concurrent requests against a live server: double clicks and two tabs."""
import re
import threading
import time

import requests
from sqlalchemy import func, select

from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress.models import LessonProgress
from tests.factories import PASSWORD, create_course, create_user, enrol

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def browser_session(base, user):
    session = requests.Session()
    token = CSRF_RE.search(session.get(f"{base}/login").text).group(1)
    response = session.post(f"{base}/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 200 and "My learning" in response.text
    return session


def post_concurrently(sessions_and_urls):
    barrier = threading.Barrier(len(sessions_and_urls))
    results = [None] * len(sessions_and_urls)

    def worker(i, session, url, token):
        barrier.wait()
        results[i] = session.post(url, data={"csrf_token": token}, allow_redirects=False).status_code

    prepared = []
    for session, url in sessions_and_urls:
        page = session.get(url.rsplit("/", 1)[0])
        prepared.append((session, url, CSRF_RE.search(page.text).group(1)))
    threads = [threading.Thread(target=worker, args=(i, *p)) for i, p in enumerate(prepared)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_double_completion_records_one_progress_row(app, live_server):
    learner = create_user()
    course = create_course(lessons=("text", "text"))
    enrolment = enrol(learner, course)
    lesson = enrolment.version.lessons()[0]
    tab1, tab2 = browser_session(live_server, learner), browser_session(live_server, learner)
    target = f"{live_server}/courses/{course.slug}/lessons/{lesson.id}/complete"
    for _round in range(3):
        statuses = post_concurrently([(tab1, target), (tab2, target), (tab1, target)])
        assert statuses == [302, 302, 302]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1


def test_two_tabs_finishing_the_last_two_lessons_complete_the_course(app, live_server):
    learner = create_user()
    course = create_course(lessons=("text", "text"))
    enrolment = enrol(learner, course)
    first, second = enrolment.version.lessons()
    tab1, tab2 = browser_session(live_server, learner), browser_session(live_server, learner)
    base = f"{live_server}/courses/{course.slug}/lessons"
    statuses = post_concurrently([(tab1, f"{base}/{first.id}/complete"), (tab2, f"{base}/{second.id}/complete")])
    assert statuses == [302, 302]
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.status == "completed" and enrolment.completed_at is not None
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 2


def test_progress_writes_of_one_enrolment_are_serialised(app):
    """Deterministic version of the two-tabs race: B starts its write while A's transaction
    (which has already recorded A's lesson) is still open. B must wait for A and then see A's
    lesson, so the course completes. Without the enrolment lock neither sees the other."""
    learner = create_user()
    course = create_course(lessons=("text", "text"))
    enrolment_id = enrol(learner, course).id
    first_id, second_id = [lesson.id for lesson in course.published_version.lessons()]
    a_recorded, b_started = threading.Event(), threading.Event()
    errors = []

    def tab(lesson_id, before_commit):
        from lms.accounts.models import User
        from lms.courses.models import Lesson
        from lms.progress import services

        try:
            with app.app_context():
                enrolment = db.session.get(Enrolment, enrolment_id)
                services.complete_lesson(enrolment, db.session.get(Lesson, lesson_id), db.session.get(User, learner.id))
                before_commit()
                db.session.commit()
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    def a_waits_for_b():
        a_recorded.set()
        b_started.wait(10)
        time.sleep(0.5)  # B is now blocked on the lock (or, without it, racing ahead)

    thread_a = threading.Thread(target=tab, args=(first_id, a_waits_for_b))
    thread_b = threading.Thread(target=tab, args=(second_id, lambda: None))
    thread_a.start()
    assert a_recorded.wait(10)
    thread_b.start()
    b_started.set()
    thread_a.join(20)
    thread_b.join(20)
    assert errors == []
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment_id)
    assert enrolment.status == "completed"
