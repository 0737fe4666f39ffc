"""Bulk enrolment by CSV, for administrators: upload, dry-run preview, apply."""
import hashlib
import os
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.enrolments import bulk
from lms.enrolments.forms import BulkApplyForm, BulkUploadForm
from lms.errors import abort_with
from lms.extensions import db

bp = Blueprint("bulk", __name__, url_prefix="/admin/enrolments")


def _pending_dir():
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


def _read_limited(storage):
    limit = current_app.config["BULK_CSV_MAX_BYTES"]
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        abort_with(413, _("The CSV file is larger than %(mb)s MB. Split it into smaller files.", mb=limit // (1024 * 1024)))
    return data


def _keep(data):
    """Keep the previewed file until it is applied (by content hash; applying re-checks it)."""
    digest = hashlib.sha256(data).hexdigest()
    directory = _pending_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{digest}.csv"
    if not target.exists():
        tmp = directory / f".{digest}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return digest


@bp.route("/bulk", methods=["GET", "POST"])
@login_required
def upload():
    require("admin.view")
    form = BulkUploadForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("enrolments/bulk_upload.html", form=form), status
    data = _read_limited(form.file.data)
    try:
        result = bulk.plan(data)
    except bulk.BulkFileError as exc:
        form.file.errors.append(str(exc.args[0]))
        return render_template("enrolments/bulk_upload.html", form=form), 422
    apply_form = BulkApplyForm(upload=_keep(data)) if result.ok else None
    return render_template("enrolments/bulk_preview.html", plan=result, apply_form=apply_form,
                           filename=form.file.data.filename)


@bp.route("/bulk/apply", methods=["POST"])
@login_required
def apply():
    require("admin.view")
    form = BulkApplyForm()
    if not form.validate_on_submit():
        abort_with(400, _("The form expired. Upload the file again."))
    path = _pending_dir() / f"{form.upload.data}.csv"
    if not path.exists():
        abort_with(404, _("That upload is no longer available. Upload the file again."))
    data = path.read_bytes()
    try:
        actor = db.session.get(User, current_user.id)  # the ORM object, not the proxy: also an event's subject
        result = bulk.apply(data, actor)
    except bulk.BulkFileError as exc:
        abort_with(422, str(exc.args[0]))
    if not result.ok:
        db.session.rollback()
        return render_template("enrolments/bulk_preview.html", plan=result, apply_form=None, filename=""), 409
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("Applied: %(enrolled)s enrolments, %(new)s new users invited, %(kept)s already enrolled and left as they were.",
            enrolled=result.count("enrol") + result.count("new user"), new=len({r.email for r in result.rows if r.outcome == "new user"}),
            kept=result.count("already enrolled")), "success")
    return redirect(url_for("bulk.upload"))
