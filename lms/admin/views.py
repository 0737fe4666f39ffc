"""The administrator overview. (The author dashboard is lms.authoring.views.dashboard.)"""
from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, select

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.courses.models import Course
from lms.enrolments.models import Enrolment
from lms.extensions import db
from lms.reminders.services import count_failed_reminders

bp = Blueprint("admin", __name__)


def _enrolment_counts():
    return (
        select(Enrolment.course_id, func.count(Enrolment.id).label("enrolled"),
               func.count(Enrolment.completed_at).label("completed"))
        .group_by(Enrolment.course_id)
        .subquery()
    )


@bp.route("/admin/")
@login_required
def admin_dashboard():
    require("admin.view")
    counts = _enrolment_counts()
    rows = db.session.execute(
        select(Course, func.coalesce(counts.c.enrolled, 0), func.coalesce(counts.c.completed, 0))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .order_by(Course.title)
    ).all()
    users = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    recent = db.session.scalars(
        select(Enrolment).where(Enrolment.completed_at.is_not(None))
        .order_by(Enrolment.completed_at.desc()).limit(20)
    ).all()
    return render_template("admin/admin_dashboard.html", rows=rows, users=dict(users), recent=recent,
                           failed_reminders=count_failed_reminders())

