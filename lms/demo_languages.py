"""The demo in several languages: a learner for each of the eight interface languages, the GxP
course translated into Norwegian Bokmål and Lithuanian, two accrediting bodies with cycles and
course credits, registration numbers, ledger entries and an external activity waiting for its
organisation's approval. Called by lms.demo.seed_demo; writes the rows directly (flush, the
caller commits), except that the completed courses' certificates are issued here, so the
ledger's entries can name them as evidence."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from lms.accounts.services import sign_up
from lms.certificates.services import issue_certificate
from lms.course_languages.models import (
    CourseTranslation, LessonTranslation, ModuleTranslation, QuestionTranslation,
)
from lms.course_languages.texts import lesson_digest, module_digest, question_digest
from lms.courses.outline import lessons_in_order
from lms.cpd.models import (
    AccreditingBody, CourseCredit, CreditCycle, CreditEntry, ExternalActivity, LearnerRegistration,
)
from lms.cpd.rules import credited
from lms.demo import ASSETS, DEMO_PASSWORD, ORGANISATIONS
from lms.demo_gxp_translations import FILE_INTRO, GXP_TRANSLATIONS, QUIZ_INTRO
from lms.enrolments.services import open_enrolment
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.progress.services import complete_if_done
from lms.storage import store_bytes
from lms.timeutil import add_months, utcnow

# One learner per interface language, in the shape of lms.demo.PEOPLE:
# (name, email, role, organisation index, interface language).
LANGUAGE_LEARNERS = [
    ("Emily Clarke", "emily@demo.lms.test", "learner", 1, "en"),
    ("Ingvild Haugen", "ingvild@demo.lms.test", "learner", 0, "nb"),
    ("Karin Johansson", "karin@demo.lms.test", "learner", 1, "sv"),
    ("Freja Sørensen", "freja@demo.lms.test", "learner", 1, "da"),
    ("Mikko Mäkinen", "mikko@demo.lms.test", "learner", 1, "fi"),
    ("Kadri Õunapuu", "kadri@demo.lms.test", "learner", 2, "et"),
    ("Līga Bērziņa", "liga@demo.lms.test", "learner", 2, "lv"),
    ("Eglė Žukauskaitė", "egle@demo.lms.test", "learner", 2, "lt"),
]

# Two accrediting bodies, keyed for the tables below.
BODIES = {
    "no": dict(name="Norsk farmasøytisk etterutdanningsråd", country="NO", unit_name="CPD hours",
               rounding_step=Decimal("0.5"), daily_cap=Decimal(8),
               registration_pattern=r"NFE-\d{5}", registration_example="NFE-10234"),
    "lv": dict(name="Latvijas Farmaceitu biedrība", country="LV", unit_name="kredītpunkti",
               rounding_step=Decimal(1), daily_cap=None,
               registration_pattern=r"LV-\d{5}", registration_example="LV-12345"),
}
# body -> (years before this one that the cycle starts on 1 January, length in years, credits required)
CYCLES = {"no": (1, 3, Decimal(40)), "lv": (2, 5, Decimal(60))}
# (course key, body, credits): the GxP course carries 6 hours with one body and 4 credits with the other.
COURSE_CREDITS = [
    ("gxp", "no", Decimal(6)), ("gxp", "lv", Decimal(4)),
    ("pv", "no", Decimal("4.5")), ("pv", "lv", Decimal(3)),
    ("sop", "no", Decimal(1)),
]
REGISTRATIONS = [("ingvild", "no", "NFE-10234"), ("mikko", "no", "NFE-30456"), ("liga", "lv", "LV-04817")]
# (person, course key, language taken in (None: the course's), days ago). Mikko finishes two
# courses on one day: the Norwegian body's daily cap of 8 hours cuts the second.
COMPLETIONS = [
    ("ingvild", "gxp", "nb", 30),
    ("mikko", "gxp", None, 45),
    ("mikko", "pv", None, 45),
    ("liga", "pv", None, 100),
    ("liga", "gxp", None, 12),
]
# Eglė is half-way through the GxP course in Lithuanian (its first lessons done).
IN_PROGRESS = [("egle", "gxp", "lt", 2)]
# (person, body, title, provider, days ago, credits claimed, evidence file, decided by or None: pending)
ACTIVITIES = [
    ("ingvild", "no", "Fagdag: risikobasert validering av datasystemer", "Norsk farmasøytisk selskap",
     60, Decimal("3.5"), "validation-workshop-attendance.pdf", "orgadmin.no"),
    ("liga", "lv", "Latvijas farmaceitu gada konference", "Latvijas Farmaceitu biedrība",
     20, Decimal(8), "congress-attendance.pdf", None),
]


def seed_languages(orgs, people, courses):
    """Everything listed above. ``people``: the demo's users by the part of their email before
    the @ (the accounts made here are added to it); ``courses``: {"gxp", "pv", "sop"}."""
    for name, email, role, org, locale in LANGUAGE_LEARNERS:
        people[email.split("@")[0]] = sign_up(
            name=name, email=email, password=DEMO_PASSWORD, organisation=orgs[org].name,
            country=ORGANISATIONS[org][1], locale=locale, role=role)
    gxp = courses["gxp"]
    for language, texts in GXP_TRANSLATIONS.items():
        translate_version(gxp.published_version, language, texts, people["author"])
    bodies = _bodies(courses)
    for person, body, number in REGISTRATIONS:
        db.session.add(LearnerRegistration(user_id=people[person].id, body_id=bodies[body].id, number=number))
    completed = [_complete(people[person], courses[key], language, days_ago)
                 for person, key, language, days_ago in COMPLETIONS]
    for person, key, language, lessons_done in IN_PROGRESS:
        _start(people[person], courses[key], language, lessons_done)
    db.session.flush()
    for person, body, title, provider, days_ago, claimed, evidence, decider in ACTIVITIES:
        _activity(people[person], bodies[body], title, provider, days_ago, claimed, evidence,
                  people.get(decider))
    # Issuing commits what is flushed so far (the certificate's claim must be durable).
    enrolment_ids = [enrolment.id for enrolment in completed]
    for enrolment_id in enrolment_ids:
        cert = issue_certificate(enrolment_id)
        _credit_completion(cert)
    db.session.flush()


def translate_version(version, language, texts, author):
    """A published translation of ``version`` holding every text of ``texts`` (the shape of
    GXP_TRANSLATIONS), each with the digest of the source text it translates."""
    translation = CourseTranslation(version=version, language=language, title=texts["title"],
                                    summary=texts["summary"], created_by_id=author.id, published_at=utcnow())
    db.session.add(translation)
    for module, (module_title, lessons) in zip(version.modules, texts["modules"], strict=True):
        db.session.add(ModuleTranslation(translation=translation, module_id=module.id, title=module_title,
                                         source_digest=module_digest(module)))
        for lesson, (title, body, questions) in zip(module.lessons, lessons, strict=True):
            if body is None:
                body = QUIZ_INTRO[language] if lesson.kind == "quiz" else FILE_INTRO[language]
            db.session.add(LessonTranslation(translation=translation, lesson_id=lesson.id, title=title,
                                             body_markdown=body, source_digest=lesson_digest(lesson)))
            for question, (prompt, choices) in zip(lesson.questions, questions, strict=True):
                assert len(choices) == len(question.choices), (language, question.prompt)
                db.session.add(QuestionTranslation(translation=translation, question_id=question.id, prompt=prompt,
                                                   choices=choices, feedback="",
                                                   source_digest=question_digest(question)))
    db.session.flush()
    return translation


def _bodies(courses):
    bodies = {}
    this_year = utcnow().date().year
    for key, fields in BODIES.items():
        body = bodies[key] = AccreditingBody(**fields)
        db.session.add(body)
        years_back, years, required = CYCLES[key]
        db.session.add(CreditCycle(body=body, starts_on=date(this_year - years_back, 1, 1), years=years,
                                   required=required))
    db.session.flush()
    for course_key, body_key, amount in COURSE_CREDITS:
        db.session.add(CourseCredit(course_id=courses[course_key].id, body_id=bodies[body_key].id, amount=amount))
    return bodies


def _enrolment(user, course, language, started):
    enrolment, _created = open_enrolment(user, course, "self", due_at=started + timedelta(days=60))
    enrolment.language = language
    enrolment.enrolled_at = enrolment.last_activity_at = started
    return enrolment


def _complete(user, course, language, days_ago):
    """A completed enrolment, through the one completion path, dated ``days_ago``."""
    finished = utcnow() - timedelta(days=days_ago)
    enrolment = _enrolment(user, course, language, finished - timedelta(days=6))
    lessons = lessons_in_order(enrolment.version)
    for lesson in lessons:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, completed_at=finished,
                                      score=100 if lesson.kind == "quiz" else None))
    db.session.flush()
    complete_if_done(enrolment, {lesson.id for lesson in lessons}, actor=user)
    enrolment.completed_at = enrolment.last_activity_at = finished
    enrolment.valid_until = add_months(finished, course.validity_months) if course.validity_months else None
    return enrolment


def _start(user, course, language, lessons_done):
    started = utcnow() - timedelta(days=3)
    enrolment = _enrolment(user, course, language, started)
    for lesson in lessons_in_order(enrolment.version)[:lessons_done]:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id,
                                      completed_at=started + timedelta(hours=1)))
    return enrolment


def _activity(user, body, title, provider, days_ago, claimed, evidence, decider):
    """An external activity with its PDF evidence; approved (with its ledger entry) when
    ``decider`` is given, else waiting for the organisation's admin."""
    stored = store_bytes((ASSETS / evidence).read_bytes(), evidence, "application/pdf")
    day = utcnow().date() - timedelta(days=days_ago)
    activity = ExternalActivity(user_id=user.id, body_id=body.id, title=title, provider=provider,
                                activity_date=day, credits_claimed=claimed, evidence_file_id=stored.id,
                                submitted_at=utcnow() - timedelta(days=days_ago - 2))
    db.session.add(activity)
    if decider is not None:
        activity.status, activity.decided_at, activity.decided_by_id = "approved", utcnow() - timedelta(days=days_ago - 5), decider.id
        db.session.flush()
        _write_entry(user.id, body, "external", title, day, claimed, activity_id=activity.id)
    return activity


def _credit_completion(cert):
    """One entry per body the course carries credits with, the certificate as evidence; none
    where one exists already (the ledger may have written it when the certificate was issued)."""
    enrolment = cert.enrolment
    credits = db.session.scalars(select(CourseCredit).where(CourseCredit.course_id == enrolment.course_id)
                                 .order_by(CourseCredit.id)).all()
    for credit in credits:
        if db.session.scalar(select(CreditEntry.id).where(CreditEntry.body_id == credit.body_id,
                                                          CreditEntry.enrolment_id == enrolment.id)):
            continue
        _write_entry(enrolment.user_id, credit.body, "certificate", cert.course_title,
                     enrolment.completed_at.date(), credit.amount, enrolment_id=enrolment.id, certificate_id=cert.id)


def _write_entry(user_id, body, source, title, day, claimed, **evidence):
    already = db.session.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
        CreditEntry.user_id == user_id, CreditEntry.body_id == body.id, CreditEntry.earned_on == day,
        CreditEntry.status == "credited"))
    amount = credited(claimed, body.rounding_step, body.daily_cap, already)
    db.session.add(CreditEntry(user_id=user_id, body_id=body.id, source=source, title=title, earned_on=day,
                               claimed=claimed, amount=amount, status="credited", **evidence))
    db.session.flush()
