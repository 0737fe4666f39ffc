"""Dates on pages are shown in the organisation's time zone; they are stored in UTC."""
from datetime import datetime, timezone

from lms.extensions import db
from tests.factories import create_course, create_org, create_user, enrol
from tests.helpers import login

LATE_EVENING_UTC = datetime(2027, 1, 10, 23, 30, tzinfo=timezone.utc)  # 11 January in Oslo


def due_date_on_my_learning(zone):
    org = create_org()
    org.timezone = zone
    learner = create_user(org=org)
    enrolment = enrol(learner, create_course())
    enrolment.due_at = LATE_EVENING_UTC
    db.session.commit()
    return learner


def test_a_learner_in_oslo_sees_the_due_date_in_oslo_time(app, client):
    login(client, due_date_on_my_learning("Europe/Oslo"))
    body = client.get("/my-learning").get_data(as_text=True)
    assert "Jan 11, 2027" in body and "Jan 10, 2027" not in body


def test_without_a_time_zone_or_with_an_unknown_one_dates_are_utc(app):
    for zone in (None, "Mars/Olympus_Mons"):
        client = app.test_client()
        login(client, due_date_on_my_learning(zone))
        body = client.get("/my-learning").get_data(as_text=True)
        assert "Jan 10, 2027" in body and "Jan 11, 2027" not in body, zone


def test_an_operator_sets_an_organisations_time_zone_from_the_shell(app):
    org = create_org(name="Vilnius Biotech")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "organisation-timezone", "Vilnius Biotech", "Europe/Vilnius"])
    assert result.exit_code == 0 and "Europe/Vilnius" in result.output
    db.session.refresh(org)
    assert org.timezone == "Europe/Vilnius"
    wrong_zone = runner.invoke(args=["lms", "organisation-timezone", "Vilnius Biotech", "Europe/Atlantis"])
    assert wrong_zone.exit_code == 2 and "not an IANA time zone name" in wrong_zone.output
    nobody = runner.invoke(args=["lms", "organisation-timezone", "No Such Org", "UTC"])
    assert nobody.exit_code == 2 and "no organisation named" in nobody.output
    db.session.refresh(org)
    assert org.timezone == "Europe/Vilnius"
