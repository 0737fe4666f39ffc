"""Changing the due date of a person's open enrolment, from their training record page
(administrators: site admins for everyone, org admins for their own organisation's people)."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.audit.reasons import MissingReason
from lms.enrolments import due_dates
from lms.enrolments.forms import DueDateForm
from lms.enrolments.models import Enrolment
from lms.errors import abort_with
from lms.extensions import db
from lms.policy import Forbidden, can

bp = Blueprint("due_dates", __name__, url_prefix="/admin/users")


def _prefix(enrolment_id):
    return f"due{enrolment_id}"


def due_date_rows(user, failed=None):
    """[(enrolment, due day, form)] for the person's open enrolments, when the current user may
    change their due dates (else None); ``failed`` is (enrolment id, form sent with errors),
    shown again in that row."""
    if not can(current_user, "enrolment.change_due", user):
        return None
    rows = []
    for enrolment in due_dates.open_enrolments(user):
        if failed is not None and failed[0] == enrolment.id:
            form = failed[1]
        else:
            form = DueDateForm(formdata=None, prefix=_prefix(enrolment.id))
        rows.append((enrolment, due_dates.due_day(enrolment), form))
    return rows


@bp.post("/<int:user_id>/enrolments/<int:enrolment_id>/due-date")
@login_required
def change(user_id, enrolment_id):
    from lms.records.views import record_page

    user = db.session.get(User, user_id)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if user is None or enrolment is None or enrolment.user_id != user.id:
        abort_with(404, _("There is no such enrolment."))
    require("enrolment.change_due", user)
    form = DueDateForm(prefix=_prefix(enrolment.id))
    if not form.validate_on_submit():
        return record_page(user, status=422, due_form=(enrolment.id, form))
    try:
        changed = due_dates.change_due_date(current_user, enrolment, form.due_on.data, form.reason.data)
    except (MissingReason, due_dates.DueDateRefused) as exc:
        db.session.rollback()
        if exc.status == 409:  # no longer open: its row is gone from the page, so say it above
            flash(str(exc.message), "error")
        elif isinstance(exc, MissingReason):
            form.reason.errors = [str(exc.message)]
        else:
            form.due_on.errors = [str(exc.message)]
        return record_page(db.session.get(User, user_id), status=exc.status, due_form=(enrolment_id, form))
    except Forbidden:
        db.session.rollback()
        abort_with(403, _("You do not have permission to change this person's due dates."))
    db.session.commit()
    if changed:
        flash(_("“%(course)s” is now due on %(date)s.", course=enrolment.course.title,
                date=format_date(form.due_on.data)), "success")
    return redirect(url_for("records.user_record", user_id=user.id) + "#due-dates")
