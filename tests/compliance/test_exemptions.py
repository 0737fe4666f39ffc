"""Exempting a person from a required course (issue 14, item 5): the service's rules (reason,
expiry date in the organisation's time zone, the course must be required, one live exemption,
who may), the audit events with old/new/reason, and what a live exemption does to the matrix:
the cell is EXEMPT (in the rules and the dashboard's SQL alike) until the very moment it
expires, also when the dashboard is evaluated as of a past day."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.compliance import dashboard, exemptions, rules
from lms.compliance.models import RequirementExemption
from lms.extensions import db
from lms.policy import Forbidden
from lms.timeutil import utcnow
from tests.compliance.helpers import events, org_admin, profile_with
from tests.factories import create_course, create_org, create_user, enrolment_row


def person_enrolments(person):
    from lms.enrolments.models import Enrolment

    return db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id)).all()


def count_exemptions():
    return db.session.scalar(select(func.count()).select_from(RequirementExemption))


@pytest.fixture
def world(app):
    org = create_org("Oslo Pharma")
    org.timezone = "Europe/Oslo"
    admin = org_admin(org)
    gmp, other_course = create_course(org=org, title="GMP basics"), create_course(org=org, title="Not required")
    profile = profile_with(admin, org, [gmp], due_days=14)
    person = create_user(org=org, name="Kari Nordmann")
    from lms.compliance import services

    services.assign(admin, person, profile, "New duties", now=utcnow() - timedelta(days=60))
    # As if the profile had required GMP for long: the person is overdue.
    profile.requirements[0].created_at = utcnow() - timedelta(days=90)
    for enrolment in person_enrolments(person):
        enrolment.due_at = utcnow() - timedelta(days=46)
    db.session.commit()
    return dict(org=org, admin=admin, gmp=gmp, other_course=other_course, profile=profile, person=person)


def cell(person, at):
    """(status, date) of the person's only cell at ``at``, from the dashboard's SQL."""
    [row] = dashboard.person_row(db.session, at, person.id)
    return row.status, row.status_date


def test_grant_checks_the_reason_and_records_old_new_and_reason(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    in_a_month = utcnow().date() + timedelta(days=30)
    for reason in ("", "   "):
        with pytest.raises(exemptions.Invalid):
            exemptions.grant(admin, person, gmp, reason, in_a_month)
        db.session.rollback()
    with pytest.raises(exemptions.Invalid):
        exemptions.grant(admin, person, gmp, "x" * 501, in_a_month)
    db.session.rollback()
    assert count_exemptions() == 0 and not events("exemption.granted")

    exemption = exemptions.grant(admin, person, gmp, "  Works  only in\nlogistics until March ", in_a_month)
    db.session.commit()
    assert exemption.reason == "Works only in logistics until March"
    [event] = events("exemption.granted")
    assert event.actor_id == admin.id and event.person_id == person.id and event.course_id == gmp.id
    assert event.data["reason"] == exemption.reason
    assert event.data["old"] == {"exempt": False}
    assert event.data["new"]["exempt"] is True and event.data["new"]["expires_on"] == in_a_month.isoformat()
    assert event.data["expires"] == exemption.expires_at.isoformat()


def test_expiry_is_a_future_day_in_the_organisations_time_zone(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    # 23:30 UTC on 6 December is already 7 December in Oslo.
    now = datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)
    for day in (date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)):
        with pytest.raises(exemptions.BadExpiry):
            exemptions.grant(admin, person, gmp, "reason", day, now=now)
        db.session.rollback()
    with pytest.raises(exemptions.BadExpiry):
        exemptions.grant(admin, person, gmp, "reason", date(2031, 12, 8), now=now)  # over five years
    db.session.rollback()
    with pytest.raises(exemptions.BadExpiry):
        exemptions.grant(admin, person, gmp, "reason", None, now=now)
    db.session.rollback()
    assert count_exemptions() == 0
    exemption = exemptions.grant(admin, person, gmp, "reason", date(2026, 12, 8), now=now)
    # It ends at the start of 8 December in Oslo: 23:00 UTC on the 7th (winter time).
    assert exemption.expires_at == datetime(2026, 12, 7, 23, 0, tzinfo=timezone.utc)
    assert exemptions.expiry_day(exemption) == date(2026, 12, 8)


def test_only_a_required_course_only_once_and_only_by_their_administrators(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    day = utcnow().date() + timedelta(days=10)
    with pytest.raises(exemptions.Invalid):
        exemptions.grant(admin, person, world["other_course"], "reason", day)
    db.session.rollback()
    for outsider in (org_admin(create_org()), create_user(org=world["org"]), create_user(role="author", org=world["org"])):
        with pytest.raises(Forbidden):
            exemptions.grant(outsider, person, gmp, "reason", day)
        db.session.rollback()
    site_admin = create_user(role="admin", org=create_org())
    exemptions.grant(site_admin, person, gmp, "reason", day)
    db.session.commit()
    with pytest.raises(exemptions.Conflict) as refused:
        exemptions.grant(admin, person, gmp, "again", day + timedelta(days=1))
    assert refused.value.status == 409
    db.session.rollback()
    assert count_exemptions() == 1


def test_an_expired_exemption_is_closed_when_a_new_one_is_granted(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    then = utcnow() - timedelta(days=40)
    old = exemptions.grant(admin, person, gmp, "first", (then + timedelta(days=10)).date(), now=then)
    db.session.commit()
    assert not exemptions.is_live(old)
    with pytest.raises(exemptions.Conflict):  # revoking what has expired: nothing to end
        exemptions.revoke(admin, old, "too late")
    db.session.rollback()
    new = exemptions.grant(admin, person, gmp, "second", utcnow().date() + timedelta(days=10))
    db.session.commit()
    db.session.refresh(old)
    assert old.revoked_at == old.expires_at and old.revoke_reason is None  # its history unchanged
    assert exemptions.is_live(new)


def test_revoke_needs_a_reason_ends_it_and_opens_the_enrolment_again(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    # The enrolment the profile gave is finished elsewhere: withdraw it, so only the matrix
    # can open a new one.
    from lms.enrolments.models import Enrolment

    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id)):
        enrolment.status = "withdrawn"
    db.session.commit()
    exemption = exemptions.grant(admin, person, gmp, "On leave", utcnow().date() + timedelta(days=60))
    db.session.commit()
    from lms.compliance import services

    assert services.reconcile()["created"] == 0  # exempt: nothing is opened
    db.session.commit()
    with pytest.raises(exemptions.Invalid):
        exemptions.revoke(admin, exemption, " ")
    db.session.rollback()
    assert exemption.revoked_at is None and not events("exemption.revoked")

    exemptions.revoke(admin, exemption, "Back from leave early")
    db.session.commit()
    assert exemption.revoked_at is not None and exemption.revoked_by_id == admin.id
    [event] = events("exemption.revoked")
    assert event.data["reason"] == "Back from leave early" and event.data["old"]["exempt"] is True
    assert event.data["new"]["exempt"] is False
    opened = db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id,
                                                        Enrolment.status == "active")).all()
    assert [e.course_id for e in opened] == [gmp.id]
    with pytest.raises(exemptions.Conflict):
        exemptions.revoke(admin, exemption, "twice")


def test_the_cell_is_exempt_until_the_very_moment_it_expires(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    now = utcnow()
    assert cell(person, now)[0] == rules.OVERDUE  # assigned 60 days ago, due after 14
    exemption = exemptions.grant(admin, person, gmp, "reason", (now + timedelta(days=3)).date(), now=now)
    db.session.commit()
    end = exemption.expires_at
    assert cell(person, now) == (rules.EXEMPT, end)
    assert cell(person, end - timedelta(microseconds=1)) == (rules.EXEMPT, end)
    assert cell(person, end)[0] == rules.OVERDUE  # stops counting by itself
    assert cell(person, now - timedelta(microseconds=1))[0] == rules.OVERDUE  # not before it was made
    # The rules say the same at both sides of the edge.
    assert rules.exemption_live(exemption.created_at, end, None, end - timedelta(microseconds=1))
    assert not rules.exemption_live(exemption.created_at, end, None, end)


def test_training_beats_an_exemption_but_an_exemption_covers_a_lapse(world):
    admin, org, gmp = world["admin"], world["org"], world["gmp"]
    recurring = create_course(org=org, title="Aseptic gowning")
    profile = profile_with(admin, org, [recurring], due_days=14, recurs=True, name="Cleanroom")
    from lms.compliance import services

    trained, lapsed = create_user(org=org), create_user(org=org)
    now = utcnow()
    for person, valid_until in ((trained, now + timedelta(days=200)), (lapsed, now - timedelta(days=5))):
        services.assign(admin, person, profile, "New duties", now=now - timedelta(days=400))
        enrolment_row(person, recurring, status="completed", enrolled_at=now - timedelta(days=390),
                      completed_at=now - timedelta(days=380), valid_until=valid_until)
    db.session.commit()
    day = (now + timedelta(days=20)).date()
    for person in (trained, lapsed):
        exemptions.grant(admin, person, recurring, "reason", day, now=now)
    db.session.commit()
    assert cell(trained, now) == (rules.COMPLIANT, now + timedelta(days=200))
    status, until = cell(lapsed, now)
    assert status == rules.EXEMPT and until > now + timedelta(days=19)
    assert rules.cell_status(now, 1, True, None, [(1, now - timedelta(days=380), now - timedelta(days=5))],
                             exempt_until=until) == (rules.EXEMPT, until)


def test_the_dashboard_counts_exempt_apart_and_leaves_them_out_of_the_share(world):
    admin, org, person, gmp = world["admin"], world["org"], world["person"], world["gmp"]
    trained = create_user(org=org)
    from lms.compliance import services

    services.assign(admin, trained, world["profile"], "New duties", now=utcnow() - timedelta(days=30))
    enrolment_row(trained, gmp, status="completed", enrolled_at=utcnow() - timedelta(days=20),
                  completed_at=utcnow() - timedelta(days=10))
    exemptions.grant(admin, person, gmp, "reason", utcnow().date() + timedelta(days=30))
    db.session.commit()
    [profile] = dashboard.summary(db.session, utcnow(), org.id)
    [row] = profile.requirements
    assert (row.must_have, row.compliant, row.exempt, row.overdue) == (2, 1, 1, 0)
    assert row.percent == 100 and profile.percent == 100
    only_exempt = dashboard.people_in_cell(db.session, utcnow(), row.requirement_id, rules.EXEMPT)[0]
    assert [p.user_id for p in only_exempt] == [person.id]


def test_audit_events_name_the_person_and_course_for_the_trail(world):
    admin, person, gmp = world["admin"], world["person"], world["gmp"]
    exemption = exemptions.grant(admin, person, gmp, "reason", utcnow().date() + timedelta(days=5))
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exemption.granted"))
    assert (event.subject_type, event.subject_id) == ("requirementexemption", exemption.id)
