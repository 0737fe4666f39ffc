"""Credit cycles: the sums a learner has earned per body and cycle (boundaries, void entries,
other bodies and people left out), the learner's page with its progress bars, and the
administrator's view of one of their people."""
import re
from datetime import date
from decimal import Decimal

from lms.cpd import cycles
from tests.cpd.cycle_rows import certificate_entry, external_entry, make_body, make_cycle, register
from tests.factories import create_org, create_user
from tests.helpers import login, main_of, text_of


def test_a_cycle_counts_its_first_day_and_its_last_and_neither_neighbour(app):
    learner, other = create_user(), create_user()
    body, elsewhere = make_body(), make_body()
    cycle = make_cycle(body, starts_on=date(2024, 1, 1), years=5, required="20")
    certificate_entry(learner, body, date(2023, 12, 31), "8")  # the day before: not in it
    certificate_entry(learner, body, date(2024, 1, 1), "1.5")  # first day
    external_entry(learner, body, date(2028, 12, 31), "2")  # last day
    certificate_entry(learner, body, date(2029, 1, 1), "16")  # the day after: the next cycle
    certificate_entry(learner, body, date(2026, 6, 1), "4", status="void")  # revoked: never counts
    certificate_entry(learner, elsewhere, date(2026, 6, 1), "32")  # another body
    certificate_entry(other, body, date(2026, 6, 1), "64")  # another learner

    assert cycles.earned_in_cycle(learner, cycle) == Decimal("3.5")
    (standing,) = [s for s in cycles.standings(learner, today=date(2026, 1, 1)) if s.cycle.id == cycle.id]
    assert standing.earned == Decimal("3.5") and standing.required == Decimal("20")
    assert standing.last_day == date(2028, 12, 31) and standing.state == "current"
    assert standing.remaining == Decimal("16.5") and standing.percent == 17 and not standing.met
    assert [e.earned_on for e in cycles.statement_entries(learner, cycle)] == [date(2024, 1, 1), date(2028, 12, 31)]
    assert cycles.earned_in_cycle(other, cycle) == Decimal("64")


def test_a_cycle_starting_on_29_february_ends_on_28_february(app):
    learner = create_user()
    body = make_body()
    cycle = make_cycle(body, starts_on=date(2024, 2, 29), years=1, required="2")
    certificate_entry(learner, body, date(2025, 2, 27), "1")
    certificate_entry(learner, body, date(2025, 2, 28), "5")  # cycle_end: the first day after
    assert cycles.last_day(cycle) == date(2025, 2, 27)
    assert cycles.earned_in_cycle(learner, cycle) == Decimal("1")


def test_standings_show_every_cycle_of_the_learners_bodies_and_their_state(app):
    learner = create_user()
    registered, credited, unrelated = make_body("A registry"), make_body("B council"), make_body("C society")
    register(learner, registered, "REG-1")
    old = make_cycle(registered, starts_on=date(2015, 1, 1), years=5)
    new = make_cycle(registered, starts_on=date(2020, 1, 1), years=10)
    upcoming = make_cycle(credited, starts_on=date(2031, 1, 1), years=2)
    make_cycle(unrelated)
    certificate_entry(learner, credited, date(2025, 5, 5), "3")

    found = cycles.standings(learner, today=date(2026, 1, 1))
    assert [(s.cycle.id, s.state) for s in found] == [(new.id, "current"), (old.id, "ended"), (upcoming.id, "upcoming")]
    assert found[0].registration == "REG-1" and found[2].registration is None
    assert cycles.standings(create_user()) == []


def test_more_than_required_is_met_and_the_bar_stops_at_full(app):
    learner = create_user()
    body = make_body()
    cycle = make_cycle(body, starts_on=date(2020, 1, 1), years=10, required="4")
    certificate_entry(learner, body, date(2021, 1, 1), "4.5")
    standing = cycles.standing(learner, cycle)
    assert standing.met and standing.percent == 100 and standing.remaining == 0


def test_the_learner_sees_earned_against_required_with_a_progress_bar(app, client):
    learner = create_user(name="Rūta Kazlauskienė")
    body = make_body("Latvijas Farmaceitu biedrība", unit_name="kredītpunkti", country="LV")
    register(learner, body, "LV-12345")
    cycle = make_cycle(body, starts_on=date(2022, 3, 1), years=5, required="20")
    certificate_entry(learner, body, date(2023, 4, 4), "4.5", title="GxP essentials")
    external_entry(learner, body, date(2024, 5, 5), "3", title="Baltic pharmacy congress")
    certificate_entry(learner, body, date(2024, 6, 6), "10", title="Revoked course", status="void")
    hidden = make_body("A body she has nothing with")
    make_cycle(hidden)

    login(client, learner)
    response = client.get("/cpd/cycles")
    assert response.status_code == 200
    page = main_of(response)
    assert "Latvijas Farmaceitu biedrība" in page and "Registration number: LV-12345" in page
    assert "Earned: 7.5 of 20 kredītpunkti" in page and "Still needed: 12.5" in page
    assert re.search(r'role="progressbar" aria-valuenow="37"', page)
    assert f'/cpd/cycles/{cycle.id}/statement.pdf' in page and f'/cpd/cycles/{cycle.id}/statement.csv' in page
    assert "A body she has nothing with" not in page
    assert response.headers.get("Cache-Control") is None or "public" not in response.headers["Cache-Control"]


def test_a_learner_with_no_body_is_told_how_cycles_appear(app, client):
    login(client, create_user())
    assert "No cycles yet" in main_of(client.get("/cpd/cycles"))


def test_signed_out_visitors_are_sent_to_log_in(app, client):
    response = client.get("/cpd/cycles")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_org_admin_sees_their_own_peoples_cycles_and_nobody_elses(app):
    org, other_org = create_org(), create_org()
    person = create_user(org=org, name="Liv Berg")
    outsider = create_user(org=other_org, name="Elin Lund")
    body = make_body()
    make_cycle(body)
    for someone in (person, outsider):
        register(someone, body, f"N-{someone.id}")
        certificate_entry(someone, body, date(2025, 1, 1), "2")

    admin = app.test_client()
    login(admin, create_user(role="org_admin", org=org))
    page = main_of(admin.get(f"/admin/cpd/people/{person.id}/cycles"))
    assert "CPD cycles of Liv Berg" in page and "Earned: 2 of 20 CPD hours" in page
    assert admin.get(f"/admin/cpd/people/{outsider.id}/cycles").status_code == 403

    site = app.test_client()
    login(site, create_user(role="admin"))
    assert "CPD cycles of Elin Lund" in text_of(site.get(f"/admin/cpd/people/{outsider.id}/cycles"))
    assert site.get("/admin/cpd/people/999999/cycles").status_code == 404

    learner = app.test_client()
    login(learner, create_user(org=org))
    assert learner.get(f"/admin/cpd/people/{person.id}/cycles").status_code == 403
