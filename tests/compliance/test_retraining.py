"""Retraining when a course changes (issue 12, item 3): publishing asks major or minor, a
reason and an optional effective date; a major version in effect moves active learners to it
(with their progress) and enrols again, once, everyone who must have the course and completed
an older version; a minor version retrains nobody; before the effective date nothing changes."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from lms.audit.models import AuditEvent
from lms.compliance import retraining, rules
from lms.courses.models import CourseVersion
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.progress import services as progress
from lms.reminders.models import ReminderLog
from lms.timeutil import utcnow
from tests.compliance.retraining_helpers import completed, enrolments_of, open_draft, publish, require
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import login, text_of

ZONE = "Europe/Oslo"


def today_there():
    return utcnow().astimezone(ZoneInfo(ZONE)).date()


def effective(course, at=None):
    versions = [(v.number, v.status, v.change_kind, v.published_at, v.effective_at) for v in course.versions]
    return rules.effective_number(versions, at or utcnow())


@pytest.fixture
def org(app):
    org = create_org(name="Nordic MedTech")
    org.timezone = ZONE
    db.session.commit()
    return org


@pytest.fixture
def author(app, org):
    client = app.test_client()
    login(client, create_user(role="author", org=org))
    return client


@pytest.fixture
def world(app, org):
    """Course v1 (two text lessons): ``done`` completed v1 (required twice: 30 and 10 days),
    ``midway`` is on v1 with one lesson done (required), ``fresh`` is required and never
    enrolled, ``outsider`` completed v1 but no job requires it, ``browsing`` is on v1 unrequired."""
    course = create_course(org=org, lessons=("text", "text"))
    v1 = course.versions[0]
    people = {name: create_user(name=name.title(), org=org) for name in ("done", "midway", "fresh", "outsider", "browsing")}
    old_done = completed(people["done"], course, v1)
    completed(people["outsider"], course, v1)
    midway = enrol(people["midway"], course)
    progress.complete_lesson(midway, v1.lessons()[0], actor=people["midway"])
    browsing = enrol(people["browsing"], course)
    db.session.commit()
    require(course, [people["done"], people["midway"], people["fresh"]], due_days=30)
    require(course, [people["done"]], due_days=10, name="Second profile")
    return dict(course=course, v1=v1, old_done=old_done, e_midway=midway, e_browsing=browsing, **people)


def retraining_enrolments():
    db.session.expire_all()
    return db.session.scalars(select(Enrolment).where(Enrolment.source == "retraining")).all()


def confirmations_for(enrolment):
    return db.session.scalar(select(func.count()).select_from(ReminderLog).where(
        ReminderLog.enrolment_id == enrolment.id, ReminderLog.kind == "enrolment_confirmation"))


def test_a_major_version_effective_today_moves_learners_and_opens_retraining_once(app, author, world):
    course, v1 = world["course"], world["v1"]
    v2 = open_draft(author, course)
    response = publish(author, v2, change_kind="major", change_reason="SOP-12 rev C: new deviation classes",
                       effective_on=today_there().isoformat())
    assert response.status_code == 302, text_of(response)[:2000]
    page = text_of(author.get(response.location))
    assert "required from now on" in page
    db.session.expire_all()
    assert (v2.status, v2.change_kind, v2.change_reason) == ("published", "major", "SOP-12 rev C: new deviation classes")
    assert v2.effective_at == v2.published_at and v2.retraining_applied_at is not None
    assert effective(course) == 2

    # (a) active learners move, with their progress, required or not.
    midway, browsing = world["e_midway"], world["e_browsing"]
    assert midway.version_id == v2.id and browsing.version_id == v2.id
    assert progress.summary(midway)["percent"] == 50
    # (b) the required person who completed v1 is enrolled again; the old completion stays.
    [old, new] = enrolments_of(world["done"], course)
    assert (old.id, old.status, old.version_id) == (world["old_done"].id, "completed", v1.id)
    assert (new.status, new.version_id, new.source) == ("active", v2.id, "retraining")
    assert abs(new.due_at - (v2.published_at + timedelta(days=10))) < timedelta(seconds=5)  # the smaller due_days
    assert confirmations_for(new) == 1
    # Nobody else: not the unrequired one who completed v1, not the one who never trained.
    assert [e.user_id for e in retraining_enrolments()] == [world["done"].id]
    assert enrolments_of(world["fresh"], course) == []
    assert len(enrolments_of(world["outsider"], course)) == 1
    # The matrix says "superseded" for the old completion against the new effective version.
    status, _ = rules.cell_status(utcnow(), effective(course), False, None,
                                  [(1, old.completed_at, old.valid_until)])
    assert status == rules.SUPERSEDED

    # Applying again (the beat) changes nothing.
    assert v2.id not in retraining.due_versions()
    assert retraining.apply_version(v2.id) is None
    db.session.commit()
    assert len(retraining_enrolments()) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "course.version_applied")) == 1


def test_a_major_version_with_a_future_date_changes_nothing_until_then(app, author, world, org):
    course, v1 = world["course"], world["v1"]
    v2 = open_draft(author, course)
    day = today_there() + timedelta(days=3)
    response = publish(author, v2, change_kind="major", change_reason="New CAPA procedure",
                       effective_on=day.isoformat())
    assert response.status_code == 302, text_of(response)[:2000]
    db.session.expire_all()
    # Midnight of that day in the organisation's timezone, stored in UTC.
    assert v2.effective_at == datetime.combine(day, time(0), tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)
    assert v2.retraining_applied_at is None
    assert effective(course) == 1  # the previous major version stays the effective one
    assert effective(course, v2.effective_at + timedelta(seconds=1)) == 2
    assert world["e_midway"].version_id == v1.id and world["e_browsing"].version_id == v1.id
    assert retraining_enrolments() == [] and v2.id not in retraining.due_versions()
    # New enrolments meanwhile get the newest published version (as for every publication).
    newcomer = create_user(org=org)
    assert enrol(newcomer, course).version_id == v2.id

    # The version history says what changed, and when it becomes required.
    admin = app.test_client()
    login(admin, create_user(role="admin"))
    history = text_of(admin.get(f"/author/courses/{course.id}"))
    assert "Major" in history and "New CAPA procedure" in history and "waiting" in history
    assert f"/author/versions/{v2.id}/retraining" in history
    assert "waiting" in text_of(author.get(f"/author/courses/{course.id}"))
    page = text_of(admin.get(f"/author/versions/{v2.id}/retraining"))
    assert "Done" in page and "Completed version 1" in page
    assert "Midway" in page and "Enrolled on version 1 (will be moved)" in page
    assert "Fresh" not in page and "Outsider" not in page and "Browsing" not in page

    # The effective date comes (the row is set to the past, as a day later would): the beat's
    # sweep applies it once.
    db.session.execute(update(CourseVersion).where(CourseVersion.id == v2.id)
                       .values(effective_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert v2.id in retraining.due_versions()
    assert retraining.apply_version(v2.id) == {"moved": 2, "retraining": 1}
    db.session.commit()
    assert retraining.apply_version(v2.id) is None
    db.session.commit()
    assert world["e_midway"].version_id == v2.id and world["e_browsing"].version_id == v2.id
    [retrain] = retraining_enrolments()
    assert retrain.user_id == world["done"].id and retrain.version_id == v2.id
    assert enrolments_of(world["done"], course)[0].status == "completed"
    assert confirmations_for(retrain) == 1
    gone = admin.get(f"/author/versions/{v2.id}/retraining")
    assert gone.status_code == 404 and "not a major version waiting" in text_of(gone)
    assert admin.get(f"/author/versions/{v1.id}/retraining").status_code == 404


def test_organisation_admins_see_only_their_people_and_others_get_403(app, author, world):
    course = world["course"]
    other_org = create_org(name="Baltic Incubator")
    stranger = create_user(name="Stranger Baltic", org=other_org)
    completed(stranger, course, world["v1"])
    require(course, [stranger], org=other_org)
    v2 = open_draft(author, course)
    publish(author, v2, change_kind="major", change_reason="Rewrite",
            effective_on=(today_there() + timedelta(days=10)).isoformat())
    url = f"/author/versions/{v2.id}/retraining"

    admin = app.test_client()
    login(admin, create_user(role="admin"))
    assert "Stranger Baltic" in text_of(admin.get(url)) and "Done" in text_of(admin.get(url))
    own = app.test_client()
    login(own, create_user(role="org_admin", org=other_org))
    page = text_of(own.get(url))
    assert "Stranger Baltic" in page and "Done" not in page and "Midway" not in page
    # The list of waiting versions counts each viewer's own people.
    assert course.title in text_of(own.get("/author/retraining")) and "1 person" in text_of(own.get("/author/retraining"))
    assert "3 people" in text_of(admin.get("/author/retraining"))
    for role in ("learner", "author"):
        client = app.test_client()
        login(client, create_user(role=role, org=world["course"].organisation))
        assert client.get(url).status_code == 403


def test_a_minor_version_retrains_nobody_and_learners_keep_their_version(app, author, world):
    course, v1 = world["course"], world["v1"]
    v2 = open_draft(author, course)
    response = publish(author, v2, change_kind="minor", change_reason="Typos in lesson 2")
    assert response.status_code == 302, text_of(response)[:2000]
    db.session.expire_all()
    assert (v2.change_kind, v2.change_reason, v2.effective_at) == ("minor", "Typos in lesson 2", None)
    assert v2.retraining_applied_at is not None and v2.id not in retraining.due_versions()
    # As before this change: learners keep their version until an administrator moves them.
    assert world["e_midway"].version_id == v1.id and world["e_browsing"].version_id == v1.id
    assert retraining_enrolments() == []
    assert effective(course) == 1  # a minor version never becomes the effective one
    history = text_of(author.get(f"/author/courses/{course.id}"))
    assert "Minor" in history and "Typos in lesson 2" in history


@pytest.mark.parametrize("data,message", [
    ({"change_reason": "Why"}, "Choose whether this is a major change"),
    ({"change_kind": "huge", "change_reason": "Why"}, "Choose whether this is a major change"),
    ({"change_kind": "major"}, "Give the reason for the change"),
    ({"change_kind": "major", "change_reason": "   "}, "Give the reason for the change"),
    ({"change_kind": "major", "change_reason": "x" * 2001}, "The reason is too long"),
    ({"change_kind": "major", "change_reason": "Why", "effective_on": "past"}, "is in the past"),
    ({"change_kind": "minor", "change_reason": "Why", "effective_on": "future"}, "A minor change has no effective date"),
    ({"change_kind": "major", "change_reason": "Why", "effective_on": "2026-02-30"}, "Not a valid date value"),
])
def test_a_publication_without_kind_or_reason_or_with_a_bad_date_is_refused(app, author, world, data, message):
    course = world["course"]
    v2 = open_draft(author, course)
    days = {"past": -1, "future": 5}
    if data.get("effective_on") in days:
        data = {**data, "effective_on": (today_there() + timedelta(days=days[data["effective_on"]])).isoformat()}
    response = publish(author, v2, **data)
    assert response.status_code == 422
    assert message in text_of(response)
    db.session.expire_all()
    assert v2.status == "draft" and world["v1"].status == "published"
    assert retraining_enrolments() == []


def test_the_first_version_needs_no_kind_and_takes_no_effective_date(app, author, org):
    course = create_course(org=org, published=False)
    v1 = course.versions[0]
    refused = publish(author, v1, effective_on=(today_there() + timedelta(days=2)).isoformat())
    assert refused.status_code == 422 and "The first version of a course" in text_of(refused)
    assert publish(author, v1).status_code == 302
    db.session.expire_all()
    assert v1.status == "published" and v1.change_kind is None and v1.retraining_applied_at is not None
    assert effective(course) == 1


def test_two_sweeps_at_the_same_moment_apply_a_version_once(app, author, world):
    """Two beats' sweeps racing (two threads, each its own session and connection): the
    conditional claim lets one apply the version; the other finds it applied."""
    import threading

    from lms.compliance.retraining_tasks import retraining_sweep

    course = world["course"]
    v2 = open_draft(author, course)
    publish(author, v2, change_kind="major", change_reason="Rewrite",
            effective_on=(today_there() + timedelta(days=1)).isoformat())
    db.session.execute(update(CourseVersion).where(CourseVersion.id == v2.id)
                       .values(effective_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    barrier = threading.Barrier(3)
    results = []

    def sweep():
        barrier.wait()
        results.append(retraining_sweep())  # the task's body, in this thread's app context

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # Versions 1 (made by the factory, not marked: nothing to do) and 2, each applied once.
    assert sum(r["applied"] for r in results) == 2 and sum(r["retraining"] for r in results) == 1
    assert [e.user_id for e in retraining_enrolments()] == [world["done"].id]
    db.session.expire_all()
    assert world["e_midway"].version_id == v2.id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "course.version_applied", AuditEvent.subject_id == v2.id)) == 1


def test_the_demo_major_version_lists_who_will_retrain_and_the_sweep_leaves_it_waiting(app, client):
    from lms.accounts.models import User
    from lms.courses.models import Course

    assert app.test_cli_runner().invoke(args=["lms", "seed-demo"]).exit_code == 0
    course = db.session.scalar(select(Course).where(Course.slug == "sop-014-deviation-handling"))
    waiting = course.versions[-1]
    assert retraining.is_pending(waiting)
    # The sweep applies nothing early (the demo's first versions are only marked).
    while (version_id := next(iter(retraining.due_versions()), None)) is not None:
        retraining.apply_version(version_id)
        db.session.commit()
    db.session.expire_all()
    assert waiting.retraining_applied_at is None and retraining_enrolments() == []
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.lms.test"))
    login(client, admin, password="demo-password-2026")
    page = text_of(client.get(f"/author/versions/{waiting.id}/retraining"))
    assert "Kari Nordmann" in page and "Liv Berg" in page
    assert "Nils Hansen" in page and "Enrolled on version 1 (will be moved)" in page
