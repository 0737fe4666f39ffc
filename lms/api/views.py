"""JSON API under /api/v1 (session-authenticated; writes need the CSRF token in X-CSRFToken)."""
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.courses import services as courses
from lms.enrolments.models import Enrolment
from lms.errors import render_error
from lms.extensions import db
from lms.parsing import page_number
from lms.progress import services as progress

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _iso(value):
    return value.isoformat() if value else None


@bp.get("/courses")
def course_list():
    page = page_number(request.args)
    rows, total = courses.catalogue(
        language=request.args.get("language") or None, search=request.args.get("q") or None,
        page=page, per_page=50,
    )
    return jsonify(
        total=total, page=page,
        courses=[
            {
                "slug": course.slug, "title": course.title, "summary": course.summary,
                "language": course.language, "languages": courses.offered_languages(course),
                "cpd_hours": float(course.cpd_hours),
                "organisation": course.organisation, "version": course.version,
                "modules": course.modules,
            }
            for course in rows
        ],
    )


@bp.get("/me/enrolments")
def my_enrolments():
    if not current_user.is_authenticated:
        return render_error(401)
    rows = db.session.scalars(select(Enrolment).where(Enrolment.user_id == current_user.id)).all()
    result = []
    for enrolment in rows:
        state = progress.summary(enrolment)
        result.append({
            "id": enrolment.id, "course": enrolment.course.slug, "version": enrolment.version.number,
            "language": enrolment.language or enrolment.course.language,
            "status": enrolment.status, "progress_percent": state["percent"],
            "enrolled_at": _iso(enrolment.enrolled_at), "due_at": _iso(enrolment.due_at),
            "completed_at": _iso(enrolment.completed_at),
        })
    return jsonify(enrolments=result)


# ------------------------------------------------------------------ job profiles of a person
# The same services and policy as the pages (lms.compliance): an org admin reaches only their
# own organisation's people and profiles (403 otherwise).


def _json_refusal(error):
    from lms.compliance.services import ComplianceError

    if isinstance(error, ComplianceError):
        return render_error(error.status, str(error.message))
    return render_error(403, _("You do not administer this organisation."))


def _managed(model, item_id, missing):
    from lms.policy import can

    if not current_user.is_authenticated:
        return None, render_error(401)
    thing = db.session.get(model, item_id)
    if thing is None:
        return None, render_error(404, missing)
    if not can(current_user, "compliance.manage", thing):
        return None, render_error(403, _("You do not administer this organisation."))
    return thing, None


def _assignment_json(assignment):
    return {"profile_id": assignment.profile_id, "name": assignment.profile.name,
            "organisation_id": assignment.profile.organisation_id,
            "assigned_at": _iso(assignment.assigned_at)}


@bp.get("/users/<int:user_id>/job-profiles")
def user_job_profiles(user_id):
    from lms.accounts.models import User
    from lms.compliance import services as compliance

    user, refused = _managed(User, user_id, _("There is no such user."))
    if refused:
        return refused
    return jsonify(user_id=user.id, job_profiles=[_assignment_json(a) for a in compliance.assignments_of(user.id)])


@bp.post("/users/<int:user_id>/job-profiles")
def assign_job_profile(user_id):
    from lms.accounts.models import User
    from lms.compliance import services as compliance
    from lms.compliance.models import JobProfile
    from lms.parsing import ascii_int
    from lms.policy import Forbidden

    user, refused = _managed(User, user_id, _("There is no such user."))
    if refused:
        return refused
    body = request.get_json(silent=True)
    raw = body.get("profile_id") if isinstance(body, dict) else None
    profile_id = raw if isinstance(raw, int) and not isinstance(raw, bool) else ascii_int(raw, 1) if isinstance(raw, str) else None
    if profile_id is None or not 1 <= profile_id <= 2**31 - 1:
        return render_error(422, _('Send JSON {"profile_id": <id of a job profile>, "reason": "<why>"}.'))
    profile, refused = _managed(JobProfile, profile_id, _("There is no such job profile."))
    if refused:
        return refused
    try:
        assignment, created = compliance.assign(current_user, user, profile, body.get("reason"))
    except (compliance.ComplianceError, Forbidden) as error:
        db.session.rollback()
        return _json_refusal(error)
    db.session.commit()
    return jsonify(created=created, job_profile=_assignment_json(assignment)), 201 if created else 200


@bp.delete("/users/<int:user_id>/job-profiles/<int:profile_id>")
def unassign_job_profile(user_id, profile_id):
    from lms.accounts.models import User
    from lms.compliance import services as compliance
    from lms.compliance.models import JobProfile
    from lms.policy import Forbidden

    user, refused = _managed(User, user_id, _("There is no such user."))
    if refused:
        return refused
    profile, refused = _managed(JobProfile, profile_id, _("There is no such job profile."))
    if refused:
        return refused
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else request.args.get("reason")
    if not isinstance(reason, str):
        reason = ""
    try:
        compliance.unassign(current_user, user, profile, reason)
    except (compliance.ComplianceError, Forbidden) as error:
        db.session.rollback()
        return _json_refusal(error)
    db.session.commit()
    return jsonify(removed=True, user_id=user.id, profile_id=profile.id)


# ------------------------------------------------------------------ due date of an enrolment


@bp.put("/enrolments/<int:enrolment_id>/due-date")
def change_due_date(enrolment_id):
    """``{"due_date": "YYYY-MM-DD", "reason": "..."}``: the same service and policy as the
    training record page (a day in the learner's organisation's timezone; reason required)."""
    from lms.audit.reasons import MissingReason
    from lms.enrolments import due_dates
    from lms.parsing import iso_date
    from lms.policy import Forbidden, can

    if not current_user.is_authenticated:
        return render_error(401)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        return render_error(404, _("There is no such enrolment."))
    if not can(current_user, "enrolment.change_due", enrolment.user):
        return render_error(403, _("You do not have permission to change this person's due dates."))
    body = request.get_json(silent=True)
    raw = body.get("due_date") if isinstance(body, dict) else None
    day = iso_date(raw) if isinstance(raw, str) else None
    if day is None:
        return render_error(422, _('Send JSON {"due_date": "YYYY-MM-DD", "reason": "<why>"}.'))
    try:
        changed = due_dates.change_due_date(current_user, enrolment, day, body.get("reason"))
    except (MissingReason, due_dates.DueDateRefused) as error:
        db.session.rollback()
        return render_error(error.status, str(error.message))
    except Forbidden:
        db.session.rollback()
        return render_error(403, _("You do not have permission to change this person's due dates."))
    db.session.commit()
    return jsonify(enrolment_id=enrolment.id, changed=changed, due_date=day.isoformat(),
                   due_at=_iso(enrolment.due_at))
