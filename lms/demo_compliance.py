"""The demo's training matrix: job profiles in the three demo organisations, people compliant
and overdue, a certificate expiring in two weeks, and a course whose major version waits for
its effective date (so "who will need retraining" has an answer)."""
from datetime import timedelta

from lms.authoring.versions import start_draft
from lms.compliance.models import JobAssignment, JobProfile, Requirement
from lms.courses.outline import lessons_in_order
from lms.enrolments.services import open_enrolment
from lms.extensions import db
from lms.progress.models import LessonProgress
from lms.progress.services import complete_if_done
from lms.timeutil import add_months, utcnow

# (organisation index, profile name, [(course key, due days, recurs)])
PROFILES = [
    (0, "QA specialist, Oslo site", [("gxp", 30, True), ("sop", 14, True)]),
    (0, "Production operator, Oslo site", [("sop", 14, True)]),
    (1, "Pharmacovigilance officer", [("pv", 45, True)]),
    (2, "Field sales, Baltics", [("gxp", 60, False)]),
]

# (person, profile name, days since assigned, {course key: days since completed})
HOLDERS = [
    ("kari", "QA specialist, Oslo site", 800, {"gxp": "expiring", "sop": 200}),
    ("nils", "Production operator, Oslo site", 75, {}),                 # overdue
    ("liv", "Production operator, Oslo site", 120, {"sop": 90}),        # compliant
    ("sven", "Pharmacovigilance officer", 60, {"pv": 20}),              # compliant
    ("elin", "Pharmacovigilance officer", 70, {}),                      # overdue
    ("aino", "Pharmacovigilance officer", 5, {}),                       # not yet due
    ("ruta", "Field sales, Baltics", 90, {"gxp": 40}),                  # compliant
    ("jonas", "Field sales, Baltics", 100, {}),                         # overdue
]


def _complete(enrolment, days_ago, validity_months):
    """Finish every lesson through the one completion path, then move the dates into the past
    (the certificate, issued by the worker later, copies them)."""
    lessons = lessons_in_order(enrolment.version)
    finished = utcnow() - timedelta(days=days_ago)
    for lesson in lessons:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, completed_at=finished,
                                      score=100 if lesson.kind == "quiz" else None))
    db.session.flush()
    complete_if_done(enrolment, {lesson.id for lesson in lessons}, actor=enrolment.user)
    enrolment.completed_at = enrolment.last_activity_at = finished
    enrolment.valid_until = add_months(finished, validity_months) if validity_months else None


def seed_training_matrix(orgs, people, courses):
    """Profiles, requirements and holders as listed above; flushes, the caller commits."""
    now = utcnow()
    profiles = {}
    for org, name, requirements in PROFILES:
        profile = JobProfile(organisation_id=orgs[org].id, name=name, created_at=now - timedelta(days=900))
        db.session.add(profile)
        db.session.flush()
        profiles[name] = (profile, requirements)
        for key, due_days, recurs in requirements:
            db.session.add(Requirement(profile_id=profile.id, course_id=courses[key].id, due_days=due_days,
                                       recurs=recurs, created_at=profile.created_at))
    for person, profile_name, assigned_days_ago, completed in HOLDERS:
        user = people[person]
        profile, requirements = profiles[profile_name]
        assigned_at = now - timedelta(days=assigned_days_ago)
        db.session.add(JobAssignment(user_id=user.id, profile_id=profile.id, assigned_at=assigned_at))
        for key, due_days, _recurs in requirements:
            course = courses[key]
            enrolment, _created = open_enrolment(user, course, "job_profile", due_at=assigned_at + timedelta(days=due_days))
            enrolment.enrolled_at = assigned_at
            if key in completed:
                days_ago = completed[key]
                if days_ago == "expiring":  # valid for two more weeks
                    days_ago = (now - add_months(now + timedelta(days=14), -course.validity_months)).days
                _complete(enrolment, days_ago, course.validity_months)
    db.session.flush()
    _major_version_waiting(courses["sop"], people["author"])


def _major_version_waiting(course, author):
    """SOP-014 revision C: published today, required from three weeks on; everyone trained on
    revision B will need retraining then."""
    draft, _created = start_draft(author, course)
    draft.modules[0].lessons[0].body_markdown += (
        "\n\nFrom revision C, classify each deviation as **minor**, **major** or **critical** "
        "before the investigation starts.")
    previous = course.published_version
    previous.status = "archived"
    db.session.flush()
    draft.status, draft.published_at = "published", utcnow()
    draft.change_kind = "major"
    draft.change_reason = "Revision C adds the deviation classification step."
    draft.effective_at = utcnow() + timedelta(days=21)
    db.session.flush()
    db.session.expire(course, ["versions"])
