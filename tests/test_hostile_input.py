"""Every route of the app, as every role, with hostile values in its URL, query string and form
fields: nothing answers 5xx.

The routes come from ``app.url_map``, so a new route is covered without editing this file. URL
arguments get real ids (a seeded course, version, lesson, enrolment, certificate ...) and hostile
ones; form field names are those of the forms the app renders (gathered from every page) plus the
few read from ``request.form`` by hand. Values are sampled per request (a fixed seed, so a failure
is repeatable) instead of the full cross product, to keep the run short.
"""
import logging
import random
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import redis

from lms.accounts.invitations import set_password_token
from lms.certificates.models import Certificate
from lms.course_languages.models import CourseTranslation
from lms.extensions import db
from lms.reminders.models import ReminderLog
from lms.reminders.tokens import unsubscribe_token
from lms.timeutil import utcnow
from tests.conftest import limits_url
from tests.factories import PASSWORD, create_course, create_org, create_user, enrol, lessons_of

HUGE = "99999999999999999999"
# Query values are sent percent-encoded as they are; "%ff%fe" is invalid UTF-8 once decoded.
HOSTILE_QUERY = [HUGE, "-1", "0", quote("²"), quote("٣"), "0001-01-01", "9999-12-31",
                 "x" * 10_000, "%00", "a%00b", "%ff%fe", "1e999", "NaN", "", quote(" 1 ")]
HOSTILE_FORM = [HUGE, "-1", "0", "²", "٣", "0001-01-01", "9999-12-31", "x" * 10_000,
                "\x00", "a\x00b", "1e999", "NaN", "sNaN", "", " 1 ", "1_000"]
# Raw bytes for form bodies that are not valid UTF-8.
INVALID_UTF8_BODY = b"%ff%fe=%ff%fe&csrf_token=%ff"

# Query parameters the app reads: the pagers', filters' and search boxes' names.
QUERY_NAMES = ["page", "lpage", "q", "language", "status", "course", "organisation", "country",
               "role", "sort", "lsort", "enrolled_from", "enrolled_to", "completed_from",
               "completed_to", "date_from", "date_to", "action", "subject_type", "actor",
               "code", "next", "text", "enrolment", "token"]

NAME_RE = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"')


@pytest.fixture
def world(app):
    """A small but complete world: an organisation with an admin, an author who owns a course
    with a draft and a published version, a learner enrolled (with a quiz attempt possible), a
    completed enrolment with its certificate, and a failed reminder."""
    app.config["WTF_CSRF_ENABLED"] = False
    org = create_org()
    admin = create_user("admin", org=org)
    org_admin = create_user("org_admin", org=org)
    author = create_user("author", org=org)
    learner = create_user("learner", org=org)
    other = create_user("learner", org=org)
    course = create_course(org=org, owner=author)
    enrolment = enrol(learner, course)
    done = enrol(other, course)
    done.status, done.completed_at = "completed", utcnow() - timedelta(days=1)
    cert = Certificate(
        enrolment_id=done.id, code="ABCDEFGHJKLMNPQRSTUVWXYZ", status="issued", issued_at=utcnow(),
        learner_name=other.name, course_title=course.title, version_number=1, cpd_hours=1,
        completed_at=done.completed_at, organisation_name=org.name,
    )
    log = ReminderLog(enrolment_id=enrolment.id, kind="overdue", period_key="p", status="failed")
    # A translation of the published version, for the translation authoring routes.
    translation = CourseTranslation(version_id=course.published_version.id, language="nb", title="Kurs")
    db.session.add_all([cert, log, translation])
    db.session.commit()
    version = course.published_version
    lessons = lessons_of(course)
    quiz = next(lesson for lesson in lessons if lesson.kind == "quiz")
    ids = {
        "course_id": course.id, "version_id": version.id, "lesson_id": quiz.id,
        "module_id": quiz.module.id, "question_id": quiz.questions[0].id,
        "user_id": other.id, "log_id": log.id, "file_id": lessons[1].file_id or 1,
        "slug": course.slug, "code": cert.code, "fmt": "csv", "name": "x.eml",
        "token": unsubscribe_token(learner.id), "filename": "style.css",
        "translation_id": translation.id, "language": "nb",
    }
    tokens = {"set_password": set_password_token(other)}
    return {"users": {"learner": learner, "author": author, "admin": admin, "org_admin": org_admin}, "ids": ids,
            "tokens": tokens, "quiz": quiz}


def url_for_rule(rule, ids, hostile=None):
    """The rule's URL with real ids, or with ``hostile`` put into every argument."""
    url = rule.rule
    for name in rule.arguments:
        value = hostile if hostile is not None else str(ids.get(name, "1"))
        if rule.endpoint == "accounts.set_password" and hostile is None:
            value = ids["set_password"]
        url = re.sub(r"<(?:[a-z]+:)?%s>" % name, value, url)
    return url


def where(exc):
    """The exception and the last line of our code it passed through."""
    tb, ours = exc.__traceback__, None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if "/lms/" in filename:
            ours = f"{filename.rsplit('/lms/', 1)[1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return f"{type(exc).__name__}: {str(exc)[:120]} at lms/{ours}"


def test_no_route_answers_5xx_to_hostile_input(app, world, redis_url, request):
    rng = random.Random(11)
    limits = redis.Redis.from_url(limits_url(redis_url))
    ids = {**world["ids"], "set_password": world["tokens"]["set_password"]}
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                   # Deleting and logging out last, so the other routes still find their rows.
                   key=lambda r: ("delete" in r.rule or "logout" in r.rule, r.rule))
    quiz_fields = [f"q{q.id}" for q in world["quiz"].questions]
    field_names = {"enrolment", "action", "List-Unsubscribe", *quiz_fields}
    failures = []
    counts = {}
    raised = []  # the exception behind a 500 (logged by lms.errors), for the failure message

    class Keep(logging.Handler):
        def emit(self, record):
            if record.exc_info:
                raised.append(record.exc_info[1])

    keep, errors_log = Keep(), logging.getLogger("lms.errors")
    errors_log.disabled = False  # Alembic's logging set-up (migrations/env.py) turns it off
    errors_log.addHandler(keep)
    request.addfinalizer(lambda: errors_log.removeHandler(keep))

    def run(client, role):
        # The field names of every form this role is shown.
        for rule in rules:
            if "GET" in rule.methods:
                try:
                    response = client.get(url_for_rule(rule, ids))
                except Exception as exc:
                    failures.append(f"{role} GET {rule.rule} -> {where(exc)}")
                    continue
                response.close()
                if response.status_code >= 500:
                    failures.append(f"{role} GET {rule.rule} -> {response.status_code}")
                if response.mimetype == "text/html":
                    field_names.update(NAME_RE.findall(response.get_data(as_text=True)))
        names = sorted(field_names - {"csrf_token"})
        for rule in rules:
            base = url_for_rule(rule, ids)
            requests = []
            for hostile in (HUGE, quote("²"), "%ff%fe", "%00", "x" * 2000):
                requests.append(("GET", url_for_rule(rule, ids, hostile), None))
            if "GET" in rule.methods:
                for value in rng.sample(HOSTILE_QUERY, 4):
                    query = "&".join(f"{name}={value}" for name in rng.sample(QUERY_NAMES, 8))
                    requests.append(("GET", f"{base}?{query}", None))
                for name in rng.sample(QUERY_NAMES, 6):
                    requests.append(("GET", f"{base}?{name}={rng.choice(HOSTILE_QUERY)}", None))
            if "POST" in rule.methods:
                for value in rng.sample(HOSTILE_FORM, 5):
                    requests.append(("POST", base, {name: value for name in names}))
                # Each field hostile on its own, the others plausible (so validation gets past
                # the first error to the field under test).
                for name in rng.sample(names, min(len(names), 8)):
                    data = {other: "1" for other in names}
                    data[name] = rng.choice(HOSTILE_FORM)
                    requests.append(("POST", base, data))
                requests.append(("POST", base, INVALID_UTF8_BODY))
            counts[role] = counts.get(role, 0) + len(requests)
            for method, url, data in requests:
                if "/login" in url or "/signup" in url or "/verify" in url:
                    limits.flushdb()  # hostile values, not the rate limit, are under test
                shown = f"{role} {method} " + (url if len(url) < 200 else url[:200] + "...")
                if isinstance(data, dict):  # the hostile values only
                    shown += " " + str({k: v[:20] for k, v in data.items() if v != "1"})[:300]
                try:
                    if method == "GET":
                        response = client.get(url)
                    elif isinstance(data, bytes):
                        response = client.post(url, data=data,
                                               content_type="application/x-www-form-urlencoded")
                    else:
                        response = client.post(url, data=data)
                except Exception as exc:  # the test app propagates a view's exception
                    failures.append(f"{shown} -> {where(exc)}")
                    continue
                response.close()  # a streamed export ends here, inside its context
                if response.status_code >= 500:
                    cause = where(raised[-1]) if raised else ""
                    failures.append(f"{shown} -> {response.status_code} {cause}")
                raised.clear()

    run(app.test_client(), "anonymous")
    for role, user in world["users"].items():
        client = app.test_client()
        limits.flushdb()
        # CSRF is off in this test's app, so the login form carries no token.
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        run(client, role)
    print(counts)
    assert not failures, f"{len(failures)} 5xx answers:\n" + "\n".join(dict.fromkeys(failures))


# The 500s an outside probe found, each answered now with a clear 4xx.
KNOWN = [
    ("admin", "/admin/users/?page=" + HUGE, 400),
    ("admin", "/admin/audit/?page=" + HUGE, 400),
    ("admin", "/admin/certificates?page=" + HUGE, 400),
    ("admin", "/admin/reminders/failed?page=" + HUGE, 400),
    ("admin", "/admin/reports/?page=" + HUGE, 422),
    ("admin", "/admin/reports/?lpage=" + HUGE, 422),
    ("admin", "/admin/reports/?enrolled_from=0001-01-01", 422),
    ("admin", "/admin/reports/?completed_to=9999-12-31", 422),
    ("admin", "/admin/reports/completion.csv?enrolled_to=9999-12-31", 422),
    ("admin", "/admin/audit/?date_to=9999-12-31", 422),
    ("admin", "/author/courses/" + HUGE, 404),
    (None, "/courses?page=" + HUGE, 400),
    (None, "/courses?page=" + quote("²"), 400),
    (None, "/courses?page=" + quote("٣"), 400),
    (None, "/api/v1/courses?page=" + HUGE, 400),
    (None, "/courses?q=a%00b", 400),  # PostgreSQL refuses NUL in any text parameter
    (None, "/courses/%00", 400),
]


@pytest.mark.parametrize("role, url, status", KNOWN)
def test_known_hostile_values_get_a_clear_4xx(app, world, role, url, status):
    client = app.test_client()
    if role:
        user = world["users"][role]
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.get(url)
    assert response.status_code == status, url
    if status in (400, 422) and response.mimetype == "text/html":
        text = response.get_data(as_text=True)
        assert any(reason in text for reason in (
            "whole number", "between 1900-01-01", "Not a valid", "NUL character")), text[-2000:]
    elif response.is_json:
        assert "whole number" in response.get_json()["error"]["message"]


def test_a_non_ascii_quiz_answer_or_enrolment_id_is_refused(app, world):
    client = app.test_client()
    ids, quiz = world["ids"], world["quiz"]
    learner = world["users"]["learner"]
    assert client.post("/login", data={"email": learner.email, "password": PASSWORD}).status_code == 302
    answers = {f"q{q.id}": "²" for q in quiz.questions}
    response = client.post(f"/courses/{ids['slug']}/lessons/{quiz.id}/quiz", data=answers)
    assert response.status_code == 422
    assert "do not match the questions" in response.get_data(as_text=True)
    admin = app.test_client()
    user = world["users"]["admin"]
    assert admin.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = admin.post(f"/author/courses/{ids['course_id']}/learners", data={"enrolment": ["1", "²"]})
    assert response.status_code == 400
    assert "list of enrolments" in response.get_data(as_text=True)
