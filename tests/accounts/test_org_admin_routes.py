"""Every route of the app, walked as an organisation admin of A with organisation B's ids in
its URL: each one touching B's people, records, reports, exports, bulk jobs, job profiles or
compliance figures answers 403 (or 404 where the thing does not exist), and each site-admin-only
route answers 403.

The routes come from ``app.url_map``, so a route added later is walked too:

- a route with URL arguments gets B's things for them and must answer 403/404, unless it is in
  ``NOT_ORGANISATION_DATA`` (public pages, a learner's own pages, links carrying a token); an
  argument the walker has no B thing for fails the test (add one to ``b_ids``);
- a route without arguments under /admin or /api must be classified: ``SITE_ADMIN_ONLY``
  (403), ``OWN_ORGANISATION`` (the allow-list: an org admin uses it on their own organisation;
  its pages must show none of B's people, also when asked for B's organisation in the query
  string); an unclassified one fails the test. An unclassified page elsewhere (a learner's
  own) must show none of B's people either.
"""
import io
import re
import zipfile

import pytest

from tests.accounts.test_org_admin import B_MARKERS, client_of, world  # noqa: F401  (fixture)

# Site-wide administration: an org admin is refused whatever the arguments.
SITE_ADMIN_ONLY = {
    "audit.events", "audit.export_csv", "audit.export_pdf",
    # re-checking every organisation's electronic signatures
    "signature_admin.overview", "signature_admin.verify_now",
    "admin_mail.inbox", "admin_mail.message", "admin_mail.message_html",
    "certificates.admin_list", "certificates.admin_detail", "certificates.reissue",
    "certificates.replace", "certificates.revoke",
    "reminder_admin.failed", "reminder_admin.resend_one", "reminder_admin.resend_all",
    # moving learners to a course's new version
    "authoring.learners",
    # authoring: for authors (an org admin is not one); with arguments they are walked below
    "authoring.dashboard", "authoring.new_course",
    # accrediting bodies' credit cycles
    "cpd_cycles.cycles", "cpd_cycles.edit_cycle", "cpd_cycles.delete_cycle",
    # CPD: accrediting bodies and the credits courses carry with them are site-wide
    "cpd_admin.bodies_list", "cpd_admin.body", "cpd_admin.set_credit", "cpd_admin.remove_credit",
}

# The allow-list: admin routes an org admin may use on their own organisation. Those with
# arguments are walked with B's ids (403/404) and with A's (allowed); those without must not
# show B's people.
OWN_ORGANISATION = {
    "admin.admin_dashboard", "user_admin.users", "user_admin.change_role", "user_admin.set_active",
    "records.user_record", "signatures.unlock_signing", "reports.completion", "reports.export_csv", "reports.export_xlsx",
    "bulk.upload", "bulk.apply", "bulk.job",
    "compliance_dashboard.overview", "compliance_dashboard.dashboard_csv",
    "compliance_dashboard.dashboard_xlsx", "compliance_dashboard.matrix_xlsx",
    # job profiles (lms.compliance.views): the list is their own organisation's
    "compliance.profiles",
    # a person's CPD cycles (their statements are walked with B's person: 403)
    "cpd_cycles.person_cycles",
    # CPD: the queue of their people's external activities; a person's ledger
    "cpd_admin.activities_queue", "cpd_admin.person",
    # a due date of one of their people's open enrolments (B's: 403)
    "due_dates.change",
}

# Routes that hold no organisation's people: public pages, the caller's own pages, and links
# whose token (not the caller's role) decides.
NOT_ORGANISATION_DATA = {
    "static", "health.healthz", "health.readyz",
    "courses.catalogue", "courses.course_page", "courses.continue_course", "courses.enrol",
    "progress.lesson", "progress.complete", "progress.lesson_file", "progress.submit_quiz",
    "progress.my_learning", "records.my_record", "authoring.media",
    "accounts.settings", "accounts.change_password", "accounts.end_sessions", "accounts.login",
    "accounts.logout", "accounts.signup", "accounts.forgot_password", "accounts.set_password",
    "accounts.reset_password", "accounts.verify_email",
    "certificates.verify", "certificates.verify_lookup",  # public verification by its code
    "reminders.unsubscribe", "reminders.one_click_unsubscribe",
    "api.course_list", "api.my_enrolments",
    "cpd_cycles.my_cycles", "cpd_cycles.my_statement",  # the caller's own CPD cycles
}

ADMIN_PREFIXES = ("/admin", "/api/")
ARG_RE = re.compile(r"<(?:[a-z]+:)?(\w+)>")
# Plausible form values, so a route that wrongly accepts an org admin gets past validation.
FORM = {"role": "learner", "active": "0", "name": "Anything", "due_days": "30", "reason": "x",
        "course": "1", "profile": "1", "confirm": "1"}


def b_cpd(world):
    """B's learner's CPD things: an accrediting body with a course credit, an external
    activity waiting for approval (made once per test)."""
    if "cpd" not in world:
        from tests.cpd.helpers import carry, make_activity, make_body

        body = make_body("Body of the walk")
        world["cpd"] = {"body": body, "credit": carry(world["b_course"], body, "2"),
                        "activity": make_activity(world["b_learner"], body, title="Bjorn Beta's congress")}
    return world["cpd"]


def b_ids(world):
    """B's thing for every URL argument name the app's routes use (and those the job
    profile, dashboard and API routes are expected to use)."""
    org_b, b_learner, b_course = world["org_b"], world["b_learner"], world["b_course"]
    quiz = world["quiz"]
    return {
        "user_id": b_learner.id, "person_id": b_learner.id, "learner_id": b_learner.id,
        "job_id": world["b_job"].id, "code": world["certs"]["b"].code, "log_id": world["log"].id,
        "course_id": b_course.id, "version_id": b_course.published_version.id,
        "lesson_id": quiz.id, "module_id": quiz.module.id, "question_id": quiz.questions[0].id,
        "file_id": world["lessons"][1].file_id or 1, "slug": b_course.slug,
        "profile_id": world["profile"].id, "job_profile_id": world["profile"].id,
        "requirement_id": world["requirement"].id, "assignment_id": world["assignment"].id,
        "organisation_id": org_b.id, "org_id": org_b.id, "enrolment_id": world["certs"]["b"].enrolment_id,
        "cycle_id": 1,  # cycles belong to no organisation: the person in the URL decides
        "body_id": b_cpd(world)["body"].id, "credit_id": b_cpd(world)["credit"].id,
        "activity_id": b_cpd(world)["activity"].id,
        "fmt": "csv", "name": "x.eml", "token": "not-a-token", "filename": "style.css",
        "language": "nb", "translation_id": b_translation(b_course).id,
        "exemption_id": b_exemption(world).id,
    }


def b_exemption(world):
    """B's learner exempted from B's course (the revoke route of exemptions)."""
    from datetime import timedelta

    from lms.compliance.models import RequirementExemption
    from lms.extensions import db
    from lms.timeutil import utcnow

    exemption = db.session.scalar(db.select(RequirementExemption).filter_by(user_id=world["b_learner"].id))
    if exemption is None:
        exemption = RequirementExemption(user_id=world["b_learner"].id, course_id=world["b_course"].id,
                                         reason="B's reason", expires_at=utcnow() + timedelta(days=30))
        db.session.add(exemption)
        db.session.commit()
    return exemption


def b_translation(course):
    """A translation of B's published version (the authoring routes of translations)."""
    from lms.course_languages.models import CourseTranslation
    from lms.extensions import db

    version = course.published_version
    translation = db.session.scalar(db.select(CourseTranslation).filter_by(version_id=version.id, language="nb"))
    if translation is None:
        translation = CourseTranslation(version_id=version.id, language="nb", title="B på norsk")
        db.session.add(translation)
        db.session.commit()
    return translation


def a_ids(world):
    """A's things, for the allow-listed routes: an org admin may use them on their own."""
    return {"user_id": world["a_learner"].id, "job_id": world["a_job"].id, "fmt": "csv"}


def url_of(rule, ids):
    missing = [name for name in rule.arguments if name not in ids]
    if missing:
        pytest.fail(f"{rule.rule}: the walker has no organisation B thing for {missing}; add it to b_ids()")
    return ARG_RE.sub(lambda m: str(ids[m.group(1)]), rule.rule)


def readable(response):
    """The response's text; for a spreadsheet (a zip), the text of its XML parts."""
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return " ".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    return data.decode("utf-8", errors="replace")


def methods(rule):
    return sorted(m for m in rule.methods if m in ("GET", "POST", "PUT", "PATCH", "DELETE"))


def call(client, method, url, query=""):
    if method == "GET":
        response = client.get(url + query)
    else:
        response = client.open(url, method=method, data=FORM)
    response.close()  # a streamed export ends here, inside its context
    return response


@pytest.fixture
def walker(app, world):
    client = client_of(app, world["a_admin"])
    app.config["WTF_CSRF_ENABLED"] = False  # the walker posts without reading forms first
    return client


def rules_of(app):
    return sorted((r for r in app.url_map.iter_rules()), key=lambda r: ("logout" in r.rule, r.rule))


def test_every_route_refuses_an_org_admin_organisation_bs_things(app, world, walker):
    ids = b_ids(world)
    org_query = "?organisation={0}&organisation_id={0}&org={0}".format(world["org_b"].id)
    failures, walked = [], 0
    for rule in rules_of(app):
        endpoint = rule.endpoint
        is_admin = rule.rule.startswith(ADMIN_PREFIXES)
        if endpoint in NOT_ORGANISATION_DATA:
            assert not (is_admin and endpoint not in ("api.course_list", "api.my_enrolments")), endpoint
            continue
        if endpoint in SITE_ADMIN_ONLY:
            for method in methods(rule):
                walked += 1
                status = call(walker, method, url_of(rule, ids)).status_code
                if status != 403:
                    failures.append(f"{method} {rule.rule} (site admin only) -> {status}")
            continue
        if rule.arguments:
            # B's things in the URL: refused (or not found), whatever the route.
            for method in methods(rule):
                walked += 1
                response = call(walker, method, url_of(rule, ids))
                if response.status_code not in (403, 404):
                    failures.append(f"{method} {rule.rule} with B's ids -> {response.status_code}")
            continue
        if endpoint not in OWN_ORGANISATION and is_admin:
            failures.append(f"{rule.rule} ({endpoint}) is not classified: add it to SITE_ADMIN_ONLY, "
                            "OWN_ORGANISATION or NOT_ORGANISATION_DATA in this test")
            continue
        # An allow-listed admin page without arguments (or a new page elsewhere, e.g. the
        # caller's own): their organisation's people only, even when asked for B's in the
        # query string (refused, or answered with A's rows).
        if "GET" in rule.methods:
            for query in ("", org_query):
                walked += 1
                response = walker.get(rule.rule + query)
                body = readable(response)
                response.close()
                if response.status_code not in (200, 403, 422):
                    failures.append(f"GET {rule.rule}{query} -> {response.status_code}")
                leaked = [m for m in B_MARKERS if m in body]
                if leaked:
                    failures.append(f"GET {rule.rule}{query} shows B's {leaked}")
    assert walked > 40
    assert not failures, "\n".join(failures)


def test_the_allow_listed_routes_do_serve_an_org_admin_on_their_own_organisation(app, world, walker):
    """The other side of the walk: the refusals above are not a blanket 403."""
    ids = a_ids(world)
    for rule in rules_of(app):
        if rule.endpoint not in OWN_ORGANISATION or "GET" not in rule.methods:
            continue
        response = walker.get(url_of(rule, ids))
        response.close()
        assert response.status_code == 200, rule.rule
    a_learner = world["a_learner"]
    assert walker.post(f"/admin/users/{a_learner.id}/role", data={"role": "author", "reason": "Duties changed"}).status_code == 302
    assert walker.post(f"/admin/users/{a_learner.id}/active", data={"active": "0", "reason": "Left the company"}).status_code == 302


@pytest.mark.parametrize("url", ["/admin/audit/", "/admin/certificates", "/admin/reminders/failed", "/admin/mail"])
def test_the_site_admin_still_uses_what_org_admins_are_refused(app, world, url):
    client = client_of(app, world["site_admin"])
    response = client.get(url)
    # The mail catcher page exists only when it is configured.
    assert response.status_code in ((200, 404) if url == "/admin/mail" else (200,)), url
