"""The dashboard's SQL agrees with lms.compliance.rules: a mixed matrix (superseded, future and
minor versions, an unpublished course, recurring and lapsed completions, removed assignments
and requirements, a deactivated account, another organisation, exemptions live, expired and
revoked early) is evaluated cell by cell in Python with rules.cell_status and compared with the
SQL, now and at moments in the past."""
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.compliance import dashboard, rules
from lms.compliance.models import JobAssignment, Requirement, RequirementExemption
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.timeutil import utcnow
from tests.factories import (
    add_requirement, add_version, assign_profile, create_course, create_org, create_profile,
    create_user, enrolment_row,
)


def _set_versions(course, *specs):
    """Make the course's versions (number order) match specs (status, kind, published, effective)."""
    while len(course.versions) < len(specs):
        add_version(course, lessons=("text",))
    for version, (status, kind, published_at, effective_at) in zip(course.versions, specs):
        version.status, version.change_kind = status, kind
        version.published_at, version.effective_at = published_at, effective_at
    db.session.commit()


def build_matrix(seed=12):
    rnd = random.Random(seed)
    now = utcnow()
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    org, other = create_org("Pharma A"), create_org("Pharma B")
    c1 = create_course(org=org, lessons=("text",))     # a major v2 in effect for 100 days
    _set_versions(c1, ("archived", None, days(400), None), ("published", "major", days(100), None))
    c2 = create_course(org=org, lessons=("text",))     # a major v2 effective in 20 days
    _set_versions(c2, ("archived", None, days(400), None), ("published", "major", days(10), now + timedelta(days=20)))
    c3 = create_course(org=org, lessons=("text",))     # a minor v2
    _set_versions(c3, ("archived", None, days(400), None), ("published", "minor", days(50), None))
    c4 = create_course(org=org, lessons=("text",), published=False)  # never published
    courses = [c1, c2, c3, c4]
    p1, p2, p3 = create_profile(org, "QA"), create_profile(org, "Sales"), create_profile(other, "Other")
    add_requirement(p1, c1, due_days=30, recurs=True, created_at=days(380))
    add_requirement(p1, c2, due_days=14, created_at=days(380))
    add_requirement(p1, c3, due_days=60, recurs=True, created_at=days(5))
    add_requirement(p2, c1, due_days=90, created_at=days(380))
    add_requirement(p2, c4, due_days=10, created_at=days(380))
    add_requirement(p2, c3, due_days=7, created_at=days(380), removed_at=days(30))
    add_requirement(p3, c1, due_days=30, created_at=days(380))
    users = [create_user(org=org) for _ in range(14)] + [create_user(org=other) for _ in range(3)]
    users[0].is_active_account = False
    db.session.commit()
    for user in users[:14]:
        for profile in (p1, p2):
            roll = rnd.random()
            if roll < 0.7:
                start = days(rnd.uniform(1, 360))
                removed = start + timedelta(days=rnd.uniform(1, 200)) if rnd.random() < 0.2 else None
                assign_profile(user, profile, assigned_at=start, removed_at=removed if removed and removed < now else None)
    for user in users[14:]:
        assign_profile(user, p3, assigned_at=days(rnd.uniform(1, 360)))
    for user in users:
        for course in courses:
            moment = days(rnd.uniform(200, 390))
            for _ in range(rnd.randrange(3)):
                version = rnd.choice(course.versions)
                done = moment + timedelta(days=rnd.uniform(0, 60))
                if done >= now:
                    break
                validity = rnd.choice((None, 1, 12, 13))
                valid_until = done + timedelta(days=30 * validity + rnd.uniform(0, 40)) if validity else None
                enrolment_row(user, course, version=version, status="completed", enrolled_at=moment,
                              due_at=moment + timedelta(days=30), completed_at=done, valid_until=valid_until)
                moment = done + timedelta(days=rnd.uniform(1, 150))
            if moment < now and rnd.random() < 0.5:
                enrolment_row(user, course, version=course.versions[-1], enrolled_at=moment,
                              due_at=rnd.choice((None, moment + timedelta(days=rnd.uniform(1, 100)))))
    # Exemptions: per (person, course) none, one, or one ended (revoked early or closed at its
    # expiry) followed by another; some live now, some only in the past.
    for user in users:
        for course in courses:
            start = days(rnd.uniform(20, 350))
            for _ in range(rnd.choice((0, 0, 1, 2))):
                if start >= now:
                    break
                expires = start + timedelta(days=rnd.uniform(10, 200))
                row = RequirementExemption(user_id=user.id, course_id=course.id, reason="r", created_at=start,
                                           expires_at=expires)
                db.session.add(row)
                db.session.commit()
                end = min(expires, now) if expires <= now else (
                    start + (now - start) * rnd.random() if rnd.random() < 0.5 else None)
                if end is None:
                    break  # still live and not revoked: the person's one unrevoked exemption
                row.revoked_at = end  # revoked early, or closed when it expired
                db.session.commit()
                start = end + timedelta(days=rnd.uniform(0, 40))
    # One certain case of each rare status: expiring (valid 10 more days) and expired.
    for valid_until in (now + timedelta(days=10), now - timedelta(days=3)):
        person = create_user(org=org)
        assign_profile(person, p1, assigned_at=days(90))
        enrolment_row(person, c1, version=c1.versions[-1], status="completed", enrolled_at=days(80),
                      completed_at=days(70), valid_until=valid_until)
    return org, other, now


def reference_cells(at, organisation_id=None):
    """Every binding cell, with rules.cell_status applied in Python."""
    expected = {}
    for assignment in db.session.scalars(select(JobAssignment)):
        user, profile = assignment.user, assignment.profile
        if not rules.live(assignment.assigned_at, assignment.removed_at, at) or not user.is_active_account:
            continue
        if organisation_id is not None and profile.organisation_id != organisation_id:
            continue
        for requirement in db.session.scalars(select(Requirement).where(Requirement.profile_id == profile.id)):
            if not rules.live(requirement.created_at, requirement.removed_at, at):
                continue
            course = requirement.course
            effective = rules.effective_number(
                [(v.number, v.status, v.change_kind, v.published_at, v.effective_at) for v in course.versions], at)
            enrolments = db.session.scalars(select(Enrolment).where(
                Enrolment.user_id == user.id, Enrolment.course_id == course.id)).all()
            completions = [(e.version.number, e.completed_at, e.valid_until) for e in enrolments if e.completed_at]
            open_due = [e.due_at for e in enrolments if e.status in ("active", "completed")
                        and e.enrolled_at <= at and (e.completed_at is None or e.completed_at > at)]
            due = next((d for d in open_due if d is not None), None) or (
                max(assignment.assigned_at, requirement.created_at) + timedelta(days=requirement.due_days))
            exempt = [x.expires_at for x in db.session.scalars(select(RequirementExemption).where(
                RequirementExemption.user_id == user.id, RequirementExemption.course_id == course.id))
                if rules.exemption_live(x.created_at, x.expires_at, x.revoked_at, at)]
            assert len(exempt) <= 1
            expected[(user.id, requirement.id)] = rules.cell_status(
                at, effective, requirement.recurs, due, completions, exempt_until=exempt[0] if exempt else None)
    return expected


def sql_cells(at, organisation_id=None):
    dialect = db.engine.dialect.name
    c = dashboard.cells(at, dialect, organisation_id)
    return {(row.user_id, row.requirement_id): (row.status, row.status_date)
            for row in db.session.execute(select(c))}


@pytest.mark.parametrize("seed", [12, 99])
def test_sql_cells_equal_rules_now_and_in_the_past(app, seed):
    org, other, now = build_matrix(seed)
    seen = Counter()
    for at in (now, now - timedelta(days=60), now - timedelta(days=150), now - timedelta(days=300)):
        for organisation_id in (None, org.id):
            expected = reference_cells(at, organisation_id)
            assert sql_cells(at, organisation_id) == expected, at
            seen.update(status for status, _date in expected.values())
    # The dataset exercises every status, so the comparison means something.
    assert set(seen) == set(rules.STATUSES), seen


def test_summary_counts_agree_with_the_cells(app):
    org, other, now = build_matrix(7)
    expected = reference_cells(now, org.id)
    profiles = dashboard.summary(db.session, now, org.id)
    assert {p.name for p in profiles} == {"QA", "Sales"}
    by_requirement = {r.requirement_id: r for p in profiles for r in p.requirements}
    removed = db.session.scalar(select(Requirement.id).where(Requirement.removed_at.is_not(None)))
    assert removed not in by_requirement  # a requirement taken out is not on today's dashboard
    for requirement_id, row in by_requirement.items():
        statuses = Counter(status for (uid, rid), (status, _d) in expected.items() if rid == requirement_id)
        assert row.must_have == sum(statuses.values())
        assert row.compliant == statuses[rules.COMPLIANT] + statuses[rules.EXPIRING]
        for name in ("expiring", "overdue", "superseded", "expired", "pending", "exempt"):
            assert getattr(row, name) == statuses[name], name
        # The share leaves exempt people out: they are neither trained nor required meanwhile.
        base = row.must_have - row.exempt
        assert row.percent == (row.compliant * 100 // base if base else None)


def test_exemption_boundaries_agree_with_rules(app):
    """At the very moment an exemption starts, is revoked and expires (and a microsecond
    before each), the SQL and the rules agree: the start counts, the end does not."""
    org, other, now = build_matrix(12)
    rows = db.session.scalars(select(RequirementExemption).order_by(RequirementExemption.id)).all()
    moments = set()
    for row in rows[:6]:
        for edge in (row.created_at, row.expires_at, row.revoked_at):
            if edge is not None and edge <= now:
                moments.update((edge, edge - timedelta(microseconds=1)))
    assert len(moments) >= 6
    seen = Counter()
    for at in sorted(moments):
        expected = reference_cells(at, org.id)
        assert sql_cells(at, org.id) == expected, at
        seen.update(status for status, _date in expected.values())
    assert seen[rules.EXEMPT]
