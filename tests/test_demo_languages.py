"""The demo in several languages (lms/demo_languages.py): a learner for each interface
language, the GxP course offered in English, Lithuanian and Norwegian, two accrediting bodies
with cycles and course credits, registration numbers that match their body's pattern, ledger
entries with their certificates as evidence (the daily cap at work), and one external activity
with a PDF waiting for approval."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.course_languages.texts import lesson_text, offered_languages, translation_state, translations_of
from lms.courses.models import Course
from lms.cpd.models import (
    AccreditingBody, CourseCredit, CreditCycle, CreditEntry, ExternalActivity, LearnerRegistration,
)
from lms.cpd.rules import in_cycle
from lms.demo import DEMO_PASSWORD, GXP, PV, demo_accounts
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.storage import path_for
from tests.helpers import login, text_of

NO_BODY, LV_BODY = "Norsk farmasøytisk etterutdanningsråd", "Latvijas Farmaceitu biedrība"


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "liga@demo.lms.test" in result.output and "egle@demo.lms.test" in result.output
    return app


def user(email):
    return db.session.scalar(select(User).where(User.email == email))


def course(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def body(name):
    return db.session.scalar(select(AccreditingBody).where(AccreditingBody.name == name))


def test_a_demo_learner_speaks_each_interface_language(demo):
    languages = set(demo.config["LANGUAGES"])
    assert len(languages) == 8
    learners = db.session.scalars(select(User).where(User.role == "learner")).all()
    assert {learner.locale for learner in learners} >= languages
    assert len(demo_accounts()) == len({email for _name, email, *_rest in demo_accounts()})


def test_the_gxp_course_is_offered_in_english_lithuanian_and_norwegian(demo):
    version = course(GXP["slug"]).published_version
    translations = translations_of(version)
    assert set(translations) == {"nb", "lt"}
    for translation in translations.values():
        state = translation_state(translation)
        assert translation.published_at is not None and state.complete and state.current, state
    assert offered_languages(version) == ["en", "lt", "nb"]
    assert translations["lt"].title == "GxP pagrindai medicinos prietaisų specialistams"
    first, *_rest, last = version.lessons()
    assert lesson_text(first, "nb").title == "Hvorfor GxP er viktig"
    quiz = lesson_text(last, "lt")
    assert quiz.module_title == "Nukrypimai, CAPA ir pakeitimų valdymas"
    assert quiz.questions[0].choices[1] == "Jį užregistruoti" and quiz.questions[0].question.correct == [1]
    # Another course stays in its own language only.
    assert offered_languages(course(PV["slug"]).published_version) == ["en"]


def test_two_bodies_with_cycles_credits_and_registration_numbers(demo):
    norwegian, latvian = body(NO_BODY), body(LV_BODY)
    assert (norwegian.country, norwegian.unit_name, norwegian.rounding_step, norwegian.daily_cap) == (
        "NO", "CPD hours", Decimal("0.5"), Decimal(8))
    assert (latvian.country, latvian.unit_name) == ("LV", "kredītpunkti")
    cycles = {cycle.body.name: cycle for cycle in db.session.scalars(select(CreditCycle))}
    assert cycles[LV_BODY].years == 5 and cycles[LV_BODY].required > 0 and cycles[NO_BODY].years == 3
    gxp = course(GXP["slug"])
    credits = {c.body.name: c.amount for c in db.session.scalars(select(CourseCredit).where(CourseCredit.course_id == gxp.id))}
    assert credits == {NO_BODY: Decimal(6), LV_BODY: Decimal(4)}
    registrations = db.session.scalars(select(LearnerRegistration)).all()
    assert {r.body.name for r in registrations} == {NO_BODY, LV_BODY}
    for registration in registrations:
        assert re.fullmatch(registration.body.registration_pattern, registration.number), registration.number
    assert re.fullmatch(latvian.registration_pattern, latvian.registration_example)


def test_completions_have_ledger_entries_with_their_certificates_in_the_current_cycle(demo):
    entries = db.session.scalars(select(CreditEntry).where(CreditEntry.source == "certificate")).all()
    assert {entry.user_id for entry in entries} >= {user("ingvild@demo.lms.test").id, user("liga@demo.lms.test").id}
    cycles = {cycle.body_id: cycle for cycle in db.session.scalars(select(CreditCycle))}
    for entry in entries:
        cert = db.session.get(Certificate, entry.certificate_id)
        assert cert is not None and cert.status == "issued", entry.title
        assert db.session.get(Enrolment, entry.enrolment_id).id == cert.enrolment_id
        assert entry.status == "credited" and entry.amount <= entry.claimed
        cycle = cycles[entry.body_id]
        assert in_cycle(entry.earned_on, cycle.starts_on, cycle.years)

    # Mikko finished two courses on one day: 6 hours, then 4.5 cut to the 2 left under the cap.
    mikko = user("mikko@demo.lms.test")
    capped = db.session.scalars(select(CreditEntry).where(
        CreditEntry.user_id == mikko.id, CreditEntry.body_id == body(NO_BODY).id).order_by(CreditEntry.id)).all()
    assert [(e.claimed, e.amount) for e in capped] == [(Decimal(6), Decimal(6)), (Decimal("4.5"), Decimal(2))]

    # Ingvild took the course in Norwegian; her enrolment says so.
    ingvild = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user("ingvild@demo.lms.test").id))
    assert ingvild.language == "nb" and ingvild.status == "completed"
    # Eglė is half-way through it in Lithuanian.
    egle = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user("egle@demo.lms.test").id))
    assert egle.language == "lt" and egle.status == "active"


def test_one_external_activity_waits_for_approval_with_a_pdf(demo):
    pending = db.session.scalars(select(ExternalActivity).where(ExternalActivity.status == "pending")).all()
    assert len(pending) == 1
    activity = pending[0]
    assert activity.user.email == "liga@demo.lms.test" and activity.body.name == LV_BODY
    assert 0 < activity.credits_claimed <= 100 and activity.decided_at is None
    evidence = activity.evidence_file
    assert evidence.content_type == "application/pdf"
    assert path_for(evidence.sha256).read_bytes().startswith(b"%PDF-")
    assert not db.session.scalar(select(CreditEntry.id).where(CreditEntry.activity_id == activity.id))
    # The approved one has its entry.
    approved = db.session.scalar(select(ExternalActivity).where(ExternalActivity.status == "approved"))
    entry = db.session.scalar(select(CreditEntry).where(CreditEntry.activity_id == approved.id))
    assert entry.source == "external" and entry.amount == approved.credits_claimed


@pytest.mark.parametrize("email, words", [
    ("egle@demo.lms.test", "Mano mokymasis"),
    ("liga@demo.lms.test", "Manas mācības"),
    ("kadri@demo.lms.test", "Minu õpe"),
])
def test_a_language_learner_logs_in_and_reads_their_language(demo, email, words):
    client = demo.test_client()
    login(client, user(email), password=DEMO_PASSWORD)
    page = text_of(client.get("/my-learning"))
    assert f'<html lang="{user(email).locale}">' in page and words in page


def test_liga_reads_her_latvian_cycle_and_its_statement(demo):
    """The demo through the cycle pages: earned against required for the Latvian body, and a
    statement PDF listing her completions with their certificate codes."""
    from io import BytesIO

    from pypdf import PdfReader

    liga = user("liga@demo.lms.test")
    cycle = db.session.scalar(select(CreditCycle).join(CreditCycle.body).where(AccreditingBody.name == LV_BODY))
    client = demo.test_client()
    login(client, liga, password=DEMO_PASSWORD)
    page = text_of(client.get("/cpd/cycles"))
    assert LV_BODY in page and "kredītpunkti" in page and "LV-04817" in page
    response = client.get(f"/cpd/cycles/{cycle.id}/statement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages).replace("\n", " ")
    assert "Līga Bērziņa" in text and LV_BODY in text
    codes = db.session.scalars(select(Certificate.code).join(CreditEntry, CreditEntry.certificate_id == Certificate.id)
                               .where(CreditEntry.user_id == liga.id, CreditEntry.body_id == cycle.body_id)).all()
    assert len(codes) == 2
    squeezed = text.replace(" ", "")  # a long verification URL wraps inside its cell
    for code in codes:
        assert code in squeezed, code
    # The conference waiting for approval is not on the statement yet.
    assert "gada konference" not in text
