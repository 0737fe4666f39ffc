"""Job profiles of a person through the JSON API: the same services and policy as the pages."""
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.compliance.helpers import enrolments_of, org_admin, profile_with
from tests.factories import create_course, create_org, create_user
from tests.helpers import csrf_token, login


def test_assign_list_and_take_away_a_profile_through_the_api(app, client):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course])
    person = create_user(org=org)
    url = f"/api/v1/users/{person.id}/job-profiles"
    assert client.get(url).status_code == 401
    login(client, admin)
    headers = {"X-CSRFToken": csrf_token(client, "/admin/compliance/profiles")}

    # Without a reason: 422, nothing assigned and nothing in the audit trail.
    for body in ({"profile_id": profile.id}, {"profile_id": profile.id, "reason": "  "},
                 {"profile_id": profile.id, "reason": 7}, {"profile_id": profile.id, "reason": "x" * 501}):
        refused = client.post(url, json=body, headers=headers)
        assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["message"]
    assert client.get(url).get_json()["job_profiles"] == [] and enrolments_of(person) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "job_profile.assigned")) == 0
    assigned = client.post(url, json={"profile_id": profile.id, "reason": "Joins QA"}, headers=headers)
    assert assigned.status_code == 201, assigned.get_json()
    assert assigned.get_json()["job_profile"]["name"] == "QA specialist"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job_profile.assigned"))
    assert event.data["reason"] == "Joins QA" and event.data["old"] is None
    assert event.data["new"]["profile"] == "QA specialist"
    assert client.post(url, json={"profile_id": str(profile.id), "reason": "Joins QA"}, headers=headers).status_code == 200
    assert [e.source for e in enrolments_of(person)] == ["job_profile"]
    listed = client.get(url).get_json()
    assert [p["profile_id"] for p in listed["job_profiles"]] == [profile.id]

    for body in ({}, {"profile_id": "x"}, {"profile_id": True}, {"profile_id": 10**12}, ["profile_id"]):
        refused = client.post(url, json=body, headers=headers)
        assert refused.status_code == 422 and "profile_id" in refused.get_json()["error"]["message"]
    assert client.post(url, json={"profile_id": 999999}, headers=headers).status_code == 404
    no_reason = client.delete(f"{url}/{profile.id}", json={}, headers=headers)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["message"]
    removed = client.delete(f"{url}/{profile.id}", json={"reason": "Changed jobs"}, headers=headers)
    assert removed.status_code == 200
    assert client.get(url).get_json()["job_profiles"] == []
    db.session.expire_all()
    assert [e.status for e in enrolments_of(person)] == ["no_longer_required"]
    not_held = client.delete(f"{url}/{profile.id}", json={"reason": "again"}, headers=headers)
    assert not_held.status_code == 422 and "does not hold" in not_held.get_json()["error"]["message"]


def test_a_site_admin_cannot_give_a_profile_to_a_person_of_another_organisation(app, client):
    oslo, riga = create_org(), create_org()
    site_admin = create_user(role="admin", org=oslo)
    profile = profile_with(site_admin, oslo, [create_course(org=oslo)])
    stranger = create_user(org=riga)
    login(client, site_admin)
    headers = {"X-CSRFToken": csrf_token(client, "/admin/compliance/profiles")}
    refused = client.post(f"/api/v1/users/{stranger.id}/job-profiles", json={"profile_id": profile.id, "reason": "Joins QA"},
                          headers=headers)
    assert refused.status_code == 422 and "not in the organisation" in refused.get_json()["error"]["message"]
    assert enrolments_of(stranger) == []
    learner = create_user(org=oslo)
    learner_client = app.test_client()
    login(learner_client, learner)
    assert learner_client.get(f"/api/v1/users/{learner.id}/job-profiles").status_code == 403
