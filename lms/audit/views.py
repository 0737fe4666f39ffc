"""The admin's view of the audit trail."""
from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.audit.forms import AuditFilterForm
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.parsing import page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PER_PAGE = 50


def _day_start(day):
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


@bp.route("/")
@login_required
def events():
    require("admin.view")
    form = AuditFilterForm(request.args)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    subjects = db.session.scalars(select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)).all()
    form.action.choices = [SelectChoice("", _("All actions"))] + [SelectChoice(a, a) for a in actions]
    form.subject_type.choices = [SelectChoice("", _("All subjects"))] + [SelectChoice(s, s) for s in subjects]
    query = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
    valid = form.validate()
    if valid:
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.subject_type.data:
            query = query.where(AuditEvent.subject_type == form.subject_type.data)
        if form.actor.data:
            query = query.where(User.email == form.actor.data.strip().lower())
        if form.date_from.data:
            query = query.where(AuditEvent.at >= _day_start(form.date_from.data))
        if form.date_to.data:
            query = query.where(AuditEvent.at < _day_start(form.date_to.data + timedelta(days=1)))
    page = page_number(request.args)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(AuditEvent.seq.desc().nulls_first(), AuditEvent.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "audit/events.html", form=form, rows=rows, total=total, page=page,
        pages=max(1, -(-total // PER_PAGE)), args=args,
    ), (200 if valid else 422)
