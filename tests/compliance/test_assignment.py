"""Job profiles, requirements and assignment, through the services (real database)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.compliance import rules, services
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.enrolments import services as enrolment_services
from lms.extensions import db
from lms.policy import Forbidden
from lms.timeutil import utcnow
from tests.compliance.helpers import complete, enrolments_of, events, org_admin, profile_with
from tests.factories import create_course, create_org, create_user


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_assigning_a_profile_enrols_at_once_in_every_requirement_not_yet_satisfied(app):
    org = create_org()
    admin = org_admin(org)
    gxp, pv, sop = create_course(org=org), create_course(org=org), create_course(org=org)
    profile = profile_with(admin, org, [gxp, pv], due_days=30)
    services.add_requirement(admin, profile, sop, 10, recurs=False)
    learner = create_user(org=org)
    done = complete(enrolment_services.enrol(learner, gxp)[0])  # satisfied already
    open_pv, _ = enrolment_services.enrol(learner, pv)  # an open enrolment counts too
    db.session.commit()

    assignment, created = services.assign(admin, learner, profile, "New duties")
    db.session.commit()

    assert created
    [sop_enrolment] = enrolments_of(learner, sop)
    assert sop_enrolment.source == "job_profile" and sop_enrolment.status == "active"
    assert sop_enrolment.due_at == assignment.assigned_at + timedelta(days=10)
    assert enrolments_of(learner, gxp) == [done] and enrolments_of(learner, pv) == [open_pv]
    [event] = events("job_profile.assigned")
    assert event.actor_id == admin.id and event.data["new"]["profile"] == "QA specialist"
    # Assigning again changes nothing.
    again, created_again = services.assign(admin, learner, profile, "New duties")
    db.session.commit()
    assert not created_again and again.id == assignment.id
    assert len(enrolments_of(learner)) == 3


def test_a_requirement_added_later_is_assigned_to_everyone_holding_the_profile(app):
    org = create_org()
    admin = org_admin(org)
    first, later = create_course(org=org), create_course(org=org)
    profile = profile_with(admin, org, [first])
    people = [create_user(org=org) for _ in range(3)]
    for person in people:
        services.assign(admin, person, profile, "New duties")
    db.session.commit()

    services.add_requirement(admin, profile, later, 14)
    db.session.commit()

    for person in people:
        [enrolment] = enrolments_of(person, later)
        assert enrolment.source == "job_profile"
    assert profile.revision == 2


def test_taking_a_profile_away_marks_open_assignments_no_longer_required_and_keeps_completions(app):
    org = create_org()
    admin = org_admin(org)
    kept, dropped, shared = create_course(org=org), create_course(org=org), create_course(org=org)
    qa = profile_with(admin, org, [kept, dropped, shared], name="QA")
    other = profile_with(admin, org, [shared], name="Production")
    learner = create_user(org=org)
    services.assign(admin, learner, qa, "New duties")
    services.assign(admin, learner, other, "New duties")
    db.session.commit()
    completed = complete(enrolments_of(learner, kept)[0])

    with pytest.raises(services.Invalid):
        services.unassign(admin, learner, qa, reason="  ")  # a reason is required
    services.unassign(admin, learner, qa, reason="Moved to sales")
    db.session.commit()

    assert [e.status for e in enrolments_of(learner, kept)] == ["completed"]
    assert enrolments_of(learner, kept) == [completed]
    assert [e.status for e in enrolments_of(learner, dropped)] == ["no_longer_required"]
    assert [e.status for e in enrolments_of(learner, shared)] == ["active"]  # Production requires it
    [event] = events("enrolment.no_longer_required")
    assert event.data["old"] == {"status": "active"} and event.data["reason"] == "Moved to sales"
    assert events("job_profile.unassigned")[0].data["reason"] == "Moved to sales"
    assert count(JobAssignment) == 2  # removed, never deleted


def test_removing_a_requirement_releases_it_but_not_self_chosen_enrolments(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course])
    by_profile, by_self = create_user(org=org), create_user(org=org)
    enrolment_services.enrol(by_self, course)
    services.assign(admin, by_profile, profile, "New duties")
    services.assign(admin, by_self, profile, "New duties")
    db.session.commit()
    [requirement] = profile.requirements

    services.remove_requirement(admin, requirement, reason="Procedure withdrawn")
    db.session.commit()

    assert requirement.removed_at is not None and count(Requirement) == 1
    assert [e.status for e in enrolments_of(by_profile, course)] == ["no_longer_required"]
    assert [(e.status, e.source) for e in enrolments_of(by_self, course)] == [("active", "self")]
    with pytest.raises(services.Invalid):
        services.remove_requirement(admin, requirement, reason="again")


def test_a_duplicate_requirement_is_refused_and_nothing_is_written(app):
    org = create_org()
    admin = org_admin(org)
    course = create_course(org=org)
    profile = profile_with(admin, org, [course])
    before = (count(Requirement), count(AuditEvent), profile.revision)
    with pytest.raises(services.Conflict) as refused:
        services.add_requirement(admin, profile, course, 60)
    db.session.commit()
    assert "already requires" in refused.value.message
    assert (count(Requirement), count(AuditEvent), profile.revision) == before


@pytest.mark.parametrize("due_days", [0, -1, 3651, 10**9, "30", 2.5, True, None])
def test_due_days_outside_1_to_3650_are_refused(app, due_days):
    org = create_org()
    admin = org_admin(org)
    profile = profile_with(admin, org, [])
    with pytest.raises(services.Invalid) as refused:
        services.add_requirement(admin, profile, create_course(org=org), due_days)
    assert "1 to 3650" in str(refused.value.message)
    db.session.commit()
    assert count(Requirement) == 0


@pytest.mark.parametrize("due_days", [1, 3650])
def test_due_days_at_the_bounds_are_taken(app, due_days):
    org = create_org()
    admin = org_admin(org)
    profile = profile_with(admin, org, [])
    assert services.add_requirement(admin, profile, create_course(org=org), due_days).due_days == due_days


def test_unpublished_and_archived_courses_cannot_be_required(app):
    org = create_org()
    admin = org_admin(org)
    profile = profile_with(admin, org, [])
    draft = create_course(org=org, published=False)
    archived = create_course(org=org)
    archived.versions[0].status = "archived"
    db.session.commit()
    with pytest.raises(services.Invalid) as not_published:
        services.add_requirement(admin, profile, draft, 30)
    with pytest.raises(services.Invalid) as is_archived:
        services.add_requirement(admin, profile, archived, 30)
    assert "not published" in str(not_published.value.message)
    assert "archived" in str(is_archived.value.message)
    db.session.commit()
    assert count(Requirement) == 0


def test_profiles_are_per_organisation_and_guarded_by_the_policy(app):
    oslo, riga = create_org(), create_org()
    oslo_admin, riga_admin = org_admin(oslo), org_admin(riga)
    site_admin = create_user(role="admin", org=oslo)
    course = create_course(org=oslo)
    profile = profile_with(oslo_admin, oslo, [course])
    riga_person = create_user(org=riga)

    with pytest.raises(services.Conflict):
        services.create_profile(oslo_admin, oslo, "qa SPECIALIST")  # unique per org, any case
    assert services.create_profile(riga_admin, riga, "QA specialist").organisation_id == riga.id
    with pytest.raises(Forbidden):
        services.create_profile(riga_admin, oslo, "Sales")
    with pytest.raises(Forbidden):
        services.assign(riga_admin, riga_person, profile, "New duties")
    with pytest.raises(Forbidden):
        services.add_requirement(riga_admin, profile, create_course(org=riga), 30)
    with pytest.raises(Forbidden):
        services.create_profile(create_user(org=oslo), oslo, "By a learner")
    with pytest.raises(services.Invalid) as wrong_org:
        services.assign(site_admin, riga_person, profile, "New duties")  # a person of another organisation
    assert "not in the organisation" in str(wrong_org.value.message)
    db.session.commit()
    assert count(JobAssignment) == 0 and enrolments_of(riga_person) == []
    assert db.session.scalar(select(func.count()).select_from(JobProfile)) == 2


def test_renaming_keeps_names_unique_and_records_old_and_new(app):
    org = create_org()
    admin = org_admin(org)
    qa = services.create_profile(admin, org, "QA")
    services.create_profile(admin, org, "Sales")
    with pytest.raises(services.Conflict):
        services.rename_profile(admin, qa, "sales")
    services.rename_profile(admin, qa, "QA specialist, Oslo site")
    db.session.commit()
    [event] = events("job_profile.renamed")
    assert event.data["old"]["name"] == "QA" and event.data["new"]["name"] == "QA specialist, Oslo site"


def test_every_binding_pair_is_satisfied_or_open_after_assignment(app):
    """The assignment agrees with rules.cell_status: whatever it leaves without an open
    enrolment is compliant or expiring by the rules."""
    org = create_org()
    admin = org_admin(org)
    courses = [create_course(org=org) for _ in range(3)]
    courses[2].validity_months = 12
    db.session.commit()
    profile = profile_with(admin, org, courses, recurs=True)
    learner = create_user(org=org)
    complete(enrolment_services.enrol(learner, courses[0])[0])
    complete(enrolment_services.enrol(learner, courses[2])[0], at=utcnow() - timedelta(days=400))  # lapsed
    services.assign(admin, learner, profile, "New duties")
    db.session.commit()
    now = utcnow()
    for course in courses:
        rows = enrolments_of(learner, course)
        completions = [(e.version.number, e.completed_at, e.valid_until) for e in rows if e.status == "completed"]
        status, _date = rules.cell_status(now, 1, True, None, completions)
        has_open = any(e.status == "active" for e in rows)
        assert has_open != (status in rules.COMPLIANT_STATUSES), (course.title, status)
    assert enrolments_of(learner, courses[2])[-1].source == "recertification"
