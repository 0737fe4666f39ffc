"""The administrator overview: every organisation's figures for a site admin, their own
organisation's for an org admin. (The author dashboard is lms.authoring.views.dashboard.)"""
from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.courses.models import Course
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.policy import can, organisation_scope
from lms.reminders.services import count_failed_reminders

bp = Blueprint("admin", __name__)


def _of_scope(stmt, scope):
    """``stmt`` (selecting from Enrolment) narrowed to the learners of organisation ``scope``
    (None: everyone)."""
    if scope is None:
        return stmt
    return stmt.join(User, User.id == Enrolment.user_id).where(User.organisation_id == scope)


def _enrolment_counts(scope):
    return _of_scope(
        select(Enrolment.course_id, func.count(Enrolment.id).label("enrolled"),
               func.count(Enrolment.completed_at).label("completed")),
        scope,
    ).group_by(Enrolment.course_id).subquery()


@bp.route("/admin/")
@login_required
def admin_dashboard():
    require("admin.dashboard")
    scope = organisation_scope(current_user)
    counts = _enrolment_counts(scope)
    courses = (
        select(Course, func.coalesce(counts.c.enrolled, 0), func.coalesce(counts.c.completed, 0))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .order_by(Course.title)
    )
    if scope is not None:  # an org admin: the courses their people are enrolled on
        courses = courses.where(counts.c.enrolled.is_not(None))
    rows = db.session.execute(courses).all()
    users = select(User.role, func.count()).group_by(User.role)
    if scope is not None:
        users = users.where(User.organisation_id == scope)
    recent = _of_scope(select(Enrolment), scope).where(Enrolment.completed_at.is_not(None))
    recent = db.session.scalars(recent.order_by(Enrolment.completed_at.desc()).limit(20)).all()
    site_admin = can(current_user, "admin.view")
    return render_template(
        "admin/admin_dashboard.html", rows=rows, users=dict(db.session.execute(users).all()),
        recent=recent, site_admin=site_admin,
        organisation=current_user.organisation if scope is not None else None,
        failed_reminders=count_failed_reminders() if can(current_user, "reminder.manage") else 0,
    )
