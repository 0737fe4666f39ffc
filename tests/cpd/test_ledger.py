"""The ledger written with certificates: one entry per body, exactly once, rounded and capped
per day, voided on revocation and credited again on reissue; and who sees whose ledger."""
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lms.certificates import services
from lms.cpd import ledger
from lms.cpd.models import CreditEntry
from lms.extensions import db
from lms.policy import Forbidden
from tests.certificates.helpers import certificates_of, completed_enrolment
from tests.cpd.helpers import carry, count, entries_of, events, make_activity, make_body
from tests.factories import create_course, create_org, create_user
from tests.helpers import login, main_of, text_of

DAY = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)


def issued(learner, course, completed_at=DAY):
    enrolment = completed_enrolment(learner=learner, course=course, completed_at=completed_at)
    return enrolment, services.issue_certificate(enrolment.id)


def test_a_certificate_writes_one_entry_per_body_exactly_once(app, cert_dir):
    norway = make_body("Norsk farmasøytisk selskap", unit_name="CPD hours", rounding_step="0.5")
    latvia = make_body("Latvijas Farmaceitu biedrība", country="LV", unit_name="kredītpunkti")
    course = create_course(title="Pharmacovigilance")
    carry(course, norway, "4.5")
    carry(course, latvia, "4")
    learner = create_user(name="Rūta Kazlauskienė")
    enrolment, cert = issued(learner, course)
    again = services.issue_certificate(enrolment.id)  # a redelivered task
    ledger.credit_certificate(again)  # and once more, directly
    db.session.commit()
    entries = entries_of(learner)
    assert sorted((e.body_id, e.amount) for e in entries) == [(norway.id, Decimal("4.5")), (latvia.id, Decimal("4"))]
    for entry in entries:
        assert entry.source == "certificate" and entry.status == "credited"
        assert entry.certificate_id == cert.id and entry.enrolment_id == enrolment.id
        assert entry.title == "Pharmacovigilance" and entry.earned_on == DAY.date()
    assert events("cpd.entry_credited") == 2


def test_a_course_without_credits_writes_no_entry(app, cert_dir):
    make_body()
    learner = create_user()
    issued(learner, create_course())
    assert entries_of(learner) == []


@pytest.mark.parametrize("step, carried, credited", [
    ("0.5", "4.75", "4.5"), ("0.5", "4.5", "4.5"), ("1", "4.75", "4"), ("0.25", "0.2", "0"), (None, "4.75", "4.75"),
])
def test_credits_are_rounded_down_to_the_bodys_step(app, cert_dir, step, carried, credited):
    body = make_body(rounding_step=step)
    course = create_course()
    carry(course, body, carried)
    learner = create_user()
    issued(learner, course)
    [entry] = entries_of(learner)
    assert entry.claimed == Decimal(carried) and entry.amount == Decimal(credited)


def test_the_daily_cap_counts_every_entry_of_the_day(app, cert_dir):
    body = make_body(rounding_step="0.5", daily_cap="8")
    other = make_body(daily_cap="8")  # caps are per body
    learner = create_user()
    courses = [create_course(title=f"Course {n}") for n in range(4)]
    for course in courses:
        carry(course, body, "6")
    carry(courses[0], other, "6")
    issued(learner, courses[0])
    issued(learner, courses[1], DAY + timedelta(hours=5))  # the same day: 2 left of the cap
    issued(learner, courses[2], DAY + timedelta(hours=6))  # nothing left; the entry says so
    issued(learner, courses[3], DAY + timedelta(days=1))  # the next day: a fresh cap
    assert [(e.claimed, e.amount) for e in entries_of(learner, body)] == [
        (Decimal(6), Decimal(6)), (Decimal(6), Decimal(2)), (Decimal(6), Decimal(0)), (Decimal(6), Decimal(6))]
    assert [e.amount for e in entries_of(learner, other)] == [Decimal(6)]
    # An approved external activity on a capped day is capped too.
    activity = make_activity(learner, body, credits="5", activity_date=DAY.date())
    entry = ledger.credit_activity(activity, None)
    db.session.commit()
    assert entry.claimed == Decimal(5) and entry.amount == Decimal(0)


def test_revocation_voids_and_reissue_credits_again(app, cert_dir):
    body = make_body(rounding_step="0.5")
    course = create_course()
    carry(course, body, "3")
    admin = create_user("admin")
    learner = create_user()
    enrolment, cert = issued(learner, course)
    services.revoke_certificate(cert, "Issued in error", admin)
    db.session.commit()
    [entry] = entries_of(learner)
    assert entry.status == "void" and entry.amount == Decimal(3)  # kept, so the ledger shows it
    assert ledger.ledger_of(learner, learner)[0].total == 0
    assert events("cpd.entry_voided") == 1
    reissued = services.reissue_certificate(enrolment, admin, reason="Revoked in error")
    db.session.commit()
    [entry] = entries_of(learner)  # the same row, credited again: still one per (body, enrolment)
    assert entry.status == "credited" and entry.certificate_id == reissued.id != cert.id
    assert ledger.ledger_of(learner, learner)[0].total == Decimal(3)
    assert events("cpd.entry_recredited") == 1
    # A correction (revoke and reissue at once) leaves it credited under the newest certificate.
    corrected = services.reissue_certificate(enrolment, admin, reason="Name corrected", correction=True)
    db.session.commit()
    [entry] = entries_of(learner)
    assert entry.status == "credited" and entry.certificate_id == corrected.id
    assert len(certificates_of(enrolment)) == 3


def test_two_runs_at_once_write_the_entries_once(app, cert_dir):
    body = make_body()
    course = create_course()
    carry(course, body, "2")
    learner = create_user()
    enrolment = completed_enrolment(learner=learner, course=course)
    enrolment_id = enrolment.id
    app.config["CERTIFICATE_RENDER_DELAY"] = 0.3
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                services.issue_certificate(enrolment_id)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    [entry] = entries_of(learner)
    assert entry.amount == Decimal(2) and count(CreditEntry) == 1


# ----------------------------------------------------------------- who sees whose ledger


@pytest.fixture
def two_orgs(app, cert_dir):
    body = make_body("Lietuvos farmacijos sąjunga", country="LT", unit_name="valandos")
    course = create_course(title="Good distribution practice")
    carry(course, body, "2")
    org_a, org_b = create_org("Alpha Pharma"), create_org("Beta Devices")
    people = {
        "a_admin": create_user("org_admin", org=org_a, name="Alma Admin"),
        "a_learner": create_user(org=org_a, name="Anna Alpha"),
        "a_other": create_user(org=org_a, name="Arvid Alpha"),
        "b_admin": create_user("org_admin", org=org_b, name="Bea Boss"),
        "b_learner": create_user(org=org_b, name="Bjorn Beta"),
        "site_admin": create_user("admin", org=create_org(), name="Sam Site"),
    }
    certs = {key: issued(people[key], course)[1] for key in ("a_learner", "b_learner")}
    return {"body": body, "certs": certs, **people}


def test_a_learner_sees_only_their_own_ledger(app, two_orgs):
    client = app.test_client()
    login(client, two_orgs["a_learner"])
    page = main_of(client.get("/cpd/"))
    assert "Lietuvos farmacijos sąjunga" in page and two_orgs["certs"]["a_learner"].code in page
    assert two_orgs["certs"]["b_learner"].code not in page
    # Nobody else's ledger: not through the admin page, not through the service.
    assert client.get(f"/admin/cpd/people/{two_orgs['a_learner'].id}").status_code == 403
    assert client.get(f"/admin/cpd/people/{two_orgs['a_other'].id}").status_code == 403
    with pytest.raises(Forbidden):
        ledger.ledger_of(two_orgs["a_learner"], two_orgs["a_other"])
    other = app.test_client()
    login(other, two_orgs["a_other"])
    assert two_orgs["certs"]["a_learner"].code not in main_of(other.get("/cpd/"))


def test_an_org_admin_sees_their_peoples_ledgers_only(app, two_orgs):
    client = app.test_client()
    login(client, two_orgs["a_admin"])
    response = client.get(f"/admin/cpd/people/{two_orgs['a_learner'].id}")
    assert response.status_code == 200
    page = main_of(response)
    assert "Anna Alpha" in page and two_orgs["certs"]["a_learner"].code in page
    assert "2 valandos" in page
    response = client.get(f"/admin/cpd/people/{two_orgs['b_learner'].id}")
    assert response.status_code == 403 and "Bjorn" not in text_of(response)
    assert client.get("/admin/cpd/people/999999").status_code == 404
    site = app.test_client()
    login(site, two_orgs["site_admin"])
    assert two_orgs["certs"]["b_learner"].code in main_of(site.get(f"/admin/cpd/people/{two_orgs['b_learner'].id}"))


def test_the_training_record_links_to_the_ledger(app, two_orgs):
    client = app.test_client()
    login(client, two_orgs["a_admin"])
    learner = two_orgs["a_learner"]
    assert f'href="/admin/cpd/people/{learner.id}"' in main_of(client.get(f"/admin/users/{learner.id}/record"))
    own = app.test_client()
    login(own, learner)
    assert 'href="/cpd/"' in main_of(own.get("/my-learning/record"))


def test_an_entry_counts_for_the_day_where_the_learners_organisation_is(app, cert_dir):
    body = make_body(daily_cap="8")
    riga = create_org("Rīgas aptieka", country="LV")
    riga.timezone = "Europe/Riga"
    db.session.commit()
    late, early = create_course(title="Late"), create_course(title="Early")
    carry(late, body, "6")
    carry(early, body, "6")
    learner = create_user(org=riga)
    issued(learner, late, datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc))  # 00:30 on 11 March in Riga
    issued(learner, early, datetime(2026, 3, 11, 8, 0, tzinfo=timezone.utc))
    entries = entries_of(learner)
    assert [e.earned_on.isoformat() for e in entries] == ["2026-03-11", "2026-03-11"]
    assert [e.amount for e in entries] == [Decimal(6), Decimal(2)]  # one day, one cap


def test_my_cpd_and_a_persons_ledger_link_to_the_cycles(app, two_orgs):
    learner = two_orgs["a_learner"]
    own = app.test_client()
    login(own, learner)
    assert 'href="/cpd/cycles"' in main_of(own.get("/cpd/"))
    admin = app.test_client()
    login(admin, two_orgs["a_admin"])
    assert f'href="/admin/cpd/people/{learner.id}/cycles"' in main_of(admin.get(f"/admin/cpd/people/{learner.id}"))
