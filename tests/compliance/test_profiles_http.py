"""The job-profile pages through HTTP, as an organisation admin and a site admin: the journey,
bad input (4xx with a message, nothing written) and 403 on another organisation everywhere."""
import re

import pytest
from sqlalchemy import func, select

from lms.compliance import services
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.extensions import db
from tests.compliance.helpers import enrolments_of, org_admin, profile_with
from tests.factories import create_course, create_org, create_user
from tests.helpers import csrf_token, login, post_form, text_of


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_org_admin_builds_a_profile_and_assigns_it_through_the_pages(app, client):
    org = create_org(name="Oslo Pharma")
    admin = org_admin(org)
    course = create_course(org=create_org(), title="GxP essentials")
    person = create_user(org=org, name="Kari Nordmann", email="kari@example.test")
    login(client, admin)

    page = client.get("/admin/compliance/profiles")
    assert page.status_code == 200 and "Job profiles of Oslo Pharma" in text_of(page)
    created = post_form(client, "/admin/compliance/profiles", {"name": "QA specialist, Oslo site"})
    assert created.status_code == 302
    profile = db.session.scalar(select(JobProfile))
    url = f"/admin/compliance/profiles/{profile.id}"
    added = post_form(client, f"{url}/requirements", {"course": course.id, "due_days": "45", "recurs": "y"}, page=url)
    assert added.status_code == 302
    no_reason = post_form(client, f"{url}/people", {"email": "KARI@example.test", "reason": " "}, page=url)
    assert no_reason.status_code == 422 and "Give a reason: it is kept in the audit trail." in text_of(no_reason)
    assert enrolments_of(person) == []
    assigned = post_form(client, f"{url}/people", {"email": "KARI@example.test", "reason": "Joins QA"}, page=url)
    assert assigned.status_code == 302
    [enrolment] = enrolments_of(person)
    assert enrolment.source == "job_profile"
    detail = text_of(client.get(url))
    assert "GxP essentials" in detail and "Kari Nordmann" in detail
    assert re.search(r'<label for="course">Course</label>', detail)

    person_page = client.get(f"/admin/compliance/people/{person.id}")
    assert "QA specialist, Oslo site" in text_of(person_page)
    missing_reason = post_form(client, f"/admin/compliance/people/{person.id}/profiles/{profile.id}/remove",
                               {"reason": ""}, page=f"/admin/compliance/people/{person.id}")
    assert missing_reason.status_code == 422 and "reason" in text_of(missing_reason)
    removed = post_form(client, f"/admin/compliance/people/{person.id}/profiles/{profile.id}/remove",
                        {"reason": "Left the QA team"}, page=f"/admin/compliance/people/{person.id}")
    assert removed.status_code == 302
    assert [e.status for e in enrolments_of(person)] == ["no_longer_required"]
    unexplained = post_form(client, f"/admin/compliance/people/{person.id}/profiles", {"profile": profile.id},
                            page=f"/admin/compliance/people/{person.id}")
    assert unexplained.status_code == 422 and "Give a reason: it is kept in the audit trail." in text_of(unexplained)
    assert [e.status for e in enrolments_of(person)] == ["no_longer_required"]
    again = post_form(client, f"/admin/compliance/people/{person.id}/profiles", {"profile": profile.id, "reason": "Back in QA"},
                      page=f"/admin/compliance/people/{person.id}")
    assert again.status_code == 302
    assert [e.status for e in enrolments_of(person)] == ["no_longer_required", "active"]


@pytest.mark.parametrize("data, message", [
    ({"due_days": "0"}, "from 1 to 3650"),
    ({"due_days": "3651"}, "from 1 to 3650"),
    ({"due_days": "abc"}, "Not a valid integer"),
    ({"due_days": ""}, "days until due"),
    ({"course": "999999"}, "Not a valid choice"),
])
def test_bad_requirement_input_is_a_422_with_a_message_and_nothing_written(app, client, data, message):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [])
    login(client, admin)
    url = f"/admin/compliance/profiles/{profile.id}"
    response = post_form(client, f"{url}/requirements", {"course": course.id, "due_days": "30", **data}, page=url)
    assert response.status_code == 422
    assert message in text_of(response)
    assert count(Requirement) == 0


def test_duplicate_unpublished_and_duplicate_name_are_refused_with_messages(app, client):
    org = create_org()
    admin = org_admin(org)
    course, draft = create_course(org=org, title="SOP training"), create_course(org=org, published=False)
    profile = profile_with(admin, org, [course])
    login(client, admin)
    url = f"/admin/compliance/profiles/{profile.id}"
    duplicate = post_form(client, f"{url}/requirements", {"course": course.id, "due_days": "30"}, page=url)
    assert duplicate.status_code == 409 and "already requires" in text_of(duplicate)
    unpublished = post_form(client, f"{url}/requirements", {"course": draft.id, "due_days": "30"}, page=url)
    assert unpublished.status_code == 422  # not offered: only published courses are
    same_name = post_form(client, "/admin/compliance/profiles", {"name": "qa specialist"})
    assert same_name.status_code == 409 and "already has a job profile" in text_of(same_name)
    no_csrf = client.post(f"{url}/requirements", data={"course": course.id, "due_days": "30"})
    assert no_csrf.status_code == 400
    assert count(Requirement) == 1 and count(JobProfile) == 1


def test_a_learner_and_an_author_get_403(app):
    org = create_org()
    for role in ("learner", "author"):
        client = app.test_client()
        login(client, create_user(role=role, org=org))
        assert client.get("/admin/compliance/profiles").status_code == 403


def test_an_org_admin_gets_403_on_every_route_of_another_organisation(app, client):
    mine, theirs = create_org(name="Mine"), create_org(name="Theirs")
    me = org_admin(mine)
    their_admin = org_admin(theirs)
    course = create_course(org=theirs)
    their_profile = profile_with(their_admin, theirs, [course])
    their_person = create_user(org=theirs)
    services.assign(their_admin, their_person, their_profile, "New duties")
    db.session.commit()
    [requirement] = their_profile.requirements
    my_profile = profile_with(me, mine, [], name="Mine")
    my_person = create_user(org=mine)
    login(client, me)
    token = csrf_token(client, "/admin/compliance/profiles")
    p, u, r = their_profile.id, their_person.id, requirement.id
    gets = [
        f"/admin/compliance/profiles?organisation={theirs.id}",
        f"/admin/compliance/profiles/{p}",
        f"/admin/compliance/people/{u}",
    ]
    posts = [
        (f"/admin/compliance/profiles?organisation={theirs.id}", {"name": "Sneaky"}),
        (f"/admin/compliance/profiles/{p}/rename", {"name": "Renamed"}),
        (f"/admin/compliance/profiles/{p}/requirements", {"course": course.id, "due_days": "5"}),
        (f"/admin/compliance/profiles/{p}/requirements/{r}/remove", {"reason": "x"}),
        (f"/admin/compliance/profiles/{p}/people", {"email": their_person.email, "reason": "x"}),
        (f"/admin/compliance/profiles/{p}/people/{u}/remove", {"reason": "x"}),
        (f"/admin/compliance/people/{u}/profiles", {"profile": p, "reason": "x"}),
        (f"/admin/compliance/people/{u}/profiles/{p}/remove", {"reason": "x"}),
        # mixing my things with theirs
        (f"/admin/compliance/people/{my_person.id}/profiles", {"profile": p, "reason": "x"}),
        (f"/admin/compliance/people/{u}/profiles", {"profile": my_profile.id, "reason": "x"}),
        (f"/admin/compliance/profiles/{my_profile.id}/people/{u}/remove", {"reason": "x"}),
        (f"/api/v1/users/{u}/job-profiles", None),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url, data in posts:
        if data is None:
            response = client.post(url, json={"profile_id": p, "reason": "x"}, headers={"X-CSRFToken": token})
        else:
            response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, url
    assert client.get(f"/api/v1/users/{u}/job-profiles").status_code == 403
    assert client.delete(f"/api/v1/users/{u}/job-profiles/{p}", headers={"X-CSRFToken": token}).status_code == 403
    # Nothing of theirs changed.
    assert their_profile.name == "QA specialist" and requirement.removed_at is None
    assert [a.user_id for a in db.session.scalars(select(JobAssignment).where(JobAssignment.removed_at.is_(None)))] == [u]
    assert count(JobProfile) == 2
    # Their own things work.
    assert client.get(f"/admin/compliance/profiles/{my_profile.id}").status_code == 200
    assert client.get(f"/admin/compliance/people/{my_person.id}").status_code == 200


def test_a_site_admin_chooses_the_organisation(app, client):
    oslo, riga = create_org(name="Alpha Oslo"), create_org(name="Beta Riga")
    site_admin = create_user(role="admin", org=oslo)
    profile_with(site_admin, riga, [], name="Field sales, Baltics")
    login(client, site_admin)
    first = text_of(client.get("/admin/compliance/profiles"))
    assert "Job profiles of Alpha Oslo" in first
    chosen = text_of(client.get(f"/admin/compliance/profiles?organisation={riga.id}"))
    assert "Field sales, Baltics" in chosen
    assert client.get("/admin/compliance/profiles?organisation=abc").status_code == 400
