"""Demo data that looks like the real thing: `flask lms seed-demo`."""
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.services import find_or_create_organisation, sign_up
from lms.courses.models import Course, CourseVersion, Lesson, Module, Question
from lms.extensions import db
from lms.storage import store_bytes
from lms.timeutil import utcnow

ASSETS = Path(__file__).parent / "demo_assets"
DEMO_PASSWORD = "demo-password-2026"

ORGANISATIONS = [
    ("Nordic MedTech Association", "NO", "Europe/Oslo"),
    ("Swedish Pharma Quality Network", "SE", "Europe/Stockholm"),
    ("Baltic Life Science Incubator", "LT", "Europe/Vilnius"),
]

PEOPLE = [
    ("Ingrid Admin", "admin@demo.lms.test", "admin", 0, "en"),
    ("Anders Author", "author@demo.lms.test", "author", 0, "nb"),
    ("Kari Nordmann", "kari@demo.lms.test", "learner", 0, "nb"),
    ("Sven Svensson", "sven@demo.lms.test", "learner", 1, "sv"),
    ("Aino Virtanen", "aino@demo.lms.test", "learner", 1, "en"),
    ("Rūta Kazlauskienė", "ruta@demo.lms.test", "learner", 2, "en"),
    ("Mads Jensen", "mads@demo.lms.test", "learner", 2, "en"),
    # Each organisation's administrator sees and manages only that organisation.
    ("Olav Orgadmin", "orgadmin.no@demo.lms.test", "org_admin", 0, "nb"),
    ("Sara Orgadmin", "orgadmin.se@demo.lms.test", "org_admin", 1, "sv"),
    ("Lina Orgadmin", "orgadmin.lt@demo.lms.test", "org_admin", 2, "en"),
    ("Nils Hansen", "nils@demo.lms.test", "learner", 0, "nb"),
    ("Liv Berg", "liv@demo.lms.test", "learner", 0, "nb"),
    ("Elin Lund", "elin@demo.lms.test", "learner", 1, "sv"),
    ("Jonas Petrauskas", "jonas@demo.lms.test", "learner", 2, "en"),
]



def demo_accounts():
    """Every demo account as (name, email, role, organisation index, language): PEOPLE, then
    a learner for each interface language (lms.demo_languages), then the electronic
    signatures' supervisor and learners (lms.demo_signatures)."""
    from lms.demo_languages import LANGUAGE_LEARNERS
    from lms.demo_signatures import SIGNATURE_PEOPLE

    return PEOPLE + LANGUAGE_LEARNERS + SIGNATURE_PEOPLE


GXP = {
    "slug": "gxp-essentials-medical-devices",
    "title": "GxP essentials for medical-device professionals",
    "summary": "Good practice across the device lifecycle: documentation, deviations, "
               "change control and data integrity under EU MDR and ISO 13485.",
    "cpd_hours": 6, "org": 0, "due_days": 60,
    "modules": [
        ("Foundations of GxP", [
            ("text", "Why GxP matters", "## Why GxP matters\n\nGood practice (GxP) guidelines make sure "
             "that products are **safe**, meet their intended use and are made under controlled "
             "conditions.\n\n- Patient safety comes first\n- Records must be *ALCOA+*\n- Every change is controlled"),
            ("file", "GxP quick reference (PDF)", "gxp-quick-reference.pdf"),
        ]),
        ("Documentation and data integrity", [
            ("text", "ALCOA+ in practice", "## ALCOA+\n\nData must be **A**ttributable, **L**egible, "
             "**C**ontemporaneous, **O**riginal and **A**ccurate -- plus complete, consistent, "
             "enduring and available.\n\n| Principle | Example |\n|---|---|\n| Attributable | Signed and dated entries |\n| Contemporaneous | Recorded when done |"),
            ("quiz", "Data integrity check", [
                ("Which principle requires that a record shows who made it?",
                 ["Attributable", "Legible", "Enduring"], [0]),
                ("Which are part of ALCOA+?",
                 ["Original", "Accurate", "Anonymous"], [0, 1]),
                ("A correction in a paper record should...",
                 ["Obscure the original entry", "Be signed, dated and leave the original legible", "Use correction fluid"], [1]),
            ]),
        ]),
        ("Deviations, CAPA and change control", [
            ("text", "From deviation to CAPA", "## From deviation to CAPA\n\n1. Record the deviation\n"
             "2. Assess impact on product and patient\n3. Find the root cause\n4. Define corrective and preventive actions\n5. Check effectiveness"),
            ("quiz", "CAPA knowledge check", [
                ("What comes first after a deviation is discovered?",
                 ["Close it", "Record it", "Ignore it if minor"], [1]),
                ("A preventive action...",
                 ["Stops a problem from happening again elsewhere", "Fixes the current batch only"], [0]),
            ]),
        ]),
    ],
}

PV = {
    "slug": "pharmacovigilance-signal-detection",
    "title": "Pharmacovigilance signal detection",
    "summary": "Detect, validate and prioritise safety signals from spontaneous reports "
               "and EudraVigilance data, in line with GVP Module IX.",
    "cpd_hours": 4.5, "org": 1, "due_days": 45,
    "modules": [
        ("Signals and their sources", [
            ("text", "What is a signal?", "## What is a signal?\n\nInformation suggesting a new "
             "potentially causal association, or a new aspect of a known association, between a "
             "medicine and an event, judged to warrant verification."),
            ("file", "Signal detection worksheet (PDF)", "signal-detection-worksheet.pdf"),
        ]),
        ("Quantitative methods", [
            ("text", "Disproportionality analysis", "## Disproportionality\n\nThe **proportional "
             "reporting ratio (PRR)** and the **reporting odds ratio (ROR)** compare how often an "
             "event is reported for a medicine with how often it is reported for all others."),
        ]),
        ("Validation and prioritisation", [
            ("text", "Validating a signal", "## Validation\n\nCheck the clinical relevance, "
             "previous awareness, and the strength of evidence before a signal is prioritised."),
            ("quiz", "Signal management quiz", [
                ("Which GVP module covers signal management?", ["Module VI", "Module IX", "Module XVI"], [1]),
                ("Which are disproportionality measures?",
                 ["PRR", "ROR", "ALCOA"], [0, 1]),
            ]),
        ]),
    ],
}


SOP = {
    "slug": "sop-014-deviation-handling",
    "title": "SOP-014 Deviation handling",
    "summary": "Read-and-understand training on the deviation procedure: recording, "
               "classification, investigation and closure.",
    "cpd_hours": 1, "org": 0, "due_days": 14, "validity_months": 12,
    "modules": [
        ("The procedure", [
            ("text", "Recording a deviation", "## Recording a deviation\n\nRecord every deviation "
             "in the quality system **on the day** it is found: what happened, where, which batches "
             "or devices, and who found it."),
            ("quiz", "SOP-014 check", [
                ("When must a deviation be recorded?", ["Within a month", "On the day it is found"], [1]),
                ("Who may close a deviation?", ["Anyone", "Quality assurance"], [1]),
            ]),
        ]),
    ],
}


def _build_course(spec, orgs, owner):
    course = Course(
        slug=spec["slug"], title=spec["title"], summary=spec["summary"], language="en",
        cpd_hours=spec["cpd_hours"], organisation=orgs[spec["org"]], owner=owner,
        default_due_days=spec["due_days"], validity_months=spec.get("validity_months", 24),
    )
    version = CourseVersion(course=course, number=1, status="published", published_at=utcnow())
    db.session.add_all([course, version])
    for m_pos, (m_title, lessons) in enumerate(spec["modules"]):
        module = Module(version=version, position=m_pos, title=m_title)
        db.session.add(module)
        for l_pos, (kind, title, content) in enumerate(lessons):
            stored = None
            if kind == "file":
                stored = store_bytes((ASSETS / content).read_bytes(), content, "application/pdf")
            lesson = Lesson(module=module, position=l_pos, kind=kind, title=title, file=stored)
            if kind == "text":
                lesson.body_markdown = content
            elif kind == "file":
                lesson.body_markdown = "Open the PDF, read it, then mark this lesson complete."
            else:
                lesson.pass_mark = 70
                lesson.body_markdown = "Answer the questions. You need 70% to pass; you can retry."
                for q_pos, (prompt, choices, correct) in enumerate(content):
                    lesson.questions.append(
                        Question(position=q_pos, prompt=prompt, choices=choices, correct=correct)
                    )
            db.session.add(lesson)
    return course


def seed_demo():
    """Load the demo data into an empty database; return False (and change nothing) otherwise.
    Issuing the language learners' certificates (lms.demo_languages) commits on the way; the
    caller commits the rest."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return False
    orgs = [find_or_create_organisation(name, country) for name, country, _zone in ORGANISATIONS]
    for org, (_name, _country, zone) in zip(orgs, ORGANISATIONS):
        org.timezone = zone
    users = []
    for name, email, role, org, locale in PEOPLE:
        users.append(sign_up(
            name=name, email=email, password=DEMO_PASSWORD, organisation=orgs[org].name,
            country=orgs[org].country, locale=locale, role=role,
        ))
    author = users[1]
    gxp = _build_course(GXP, orgs, author)
    pv = _build_course(PV, orgs, author)
    sop = _build_course(SOP, orgs, author)
    db.session.flush()
    from lms.demo_compliance import seed_training_matrix
    from lms.demo_languages import seed_languages
    from lms.demo_signatures import seed_signatures
    from lms.enrolments.services import enrol

    # A little activity, so My learning and the dashboards are not empty.
    enrol(users[3], gxp, due_at=utcnow() + timedelta(days=5))
    people = {user.email.split("@")[0]: user for user in users}
    courses = {"gxp": gxp, "pv": pv, "sop": sop}
    seed_training_matrix(orgs, people, courses)
    # It issues its learners' certificates, which commits what is above.
    seed_languages(orgs, people, courses)
    # An SOP signed through the signing services, a supervisor, an exemption (flushed only).
    seed_signatures(orgs, people)
    return True
