"""JSON API under /api/v1 (session-authenticated; read-only for now)."""
from flask import Blueprint, jsonify, request
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
                "language": course.language, "cpd_hours": float(course.cpd_hours),
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
            "status": enrolment.status, "progress_percent": state["percent"],
            "enrolled_at": _iso(enrolment.enrolled_at), "due_at": _iso(enrolment.due_at),
            "completed_at": _iso(enrolment.completed_at),
        })
    return jsonify(enrolments=result)
