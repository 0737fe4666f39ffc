"""Bulk enrolment by CSV, for administrators: upload, dry-run preview, apply (as a job that a
worker runs), and the job's progress page."""
import hashlib
import os
import secrets
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.auth import require
from lms.accounts.models import User
from lms.after_commit import call_after_commit
from lms.enrolments import bulk, bulk_jobs
from lms.enrolments.forms import BulkApplyForm, BulkUploadForm
from lms.enrolments.tasks import enqueue_bulk_job
from lms.errors import abort_with
from lms.extensions import db
from lms.policy import organisation_scope

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
    require("enrolment.bulk")
    form = BulkUploadForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _upload_page(form), status
    data = _read_limited(form.file.data)
    try:
        result = bulk.plan(data, actor=current_user)
    except bulk.BulkFileError as exc:
        form.file.errors.append(str(exc.args[0]))
        return _upload_page(form), 422
    filename = (form.file.data.filename or "")[:255]
    apply_form = BulkApplyForm(upload=_keep(data), key=secrets.token_urlsafe(24), filename=filename) if result.ok else None
    return render_template("enrolments/bulk_preview.html", plan=result, apply_form=apply_form, filename=filename)


def _upload_page(form):
    scope = organisation_scope(current_user)
    return render_template("enrolments/bulk_upload.html", form=form, jobs=bulk_jobs.recent_jobs(scope),
                           organisation=current_user.organisation if scope is not None else None)


@bp.route("/bulk/apply", methods=["POST"])
@login_required
def apply():
    """Record the previewed file as a job and hand it to a worker; the answer is its page."""
    require("enrolment.bulk")
    form = BulkApplyForm()
    if not form.validate_on_submit():
        abort_with(400, _("The form expired. Upload the file again."))
    existing = bulk_jobs.job_for_key(form.key.data)
    if existing is not None:  # this preview was applied already (a double click, a resent form)
        return redirect(url_for("bulk.job", job_id=existing.id), 303)
    path = _pending_dir() / f"{form.upload.data}.csv"
    if not path.exists():
        abort_with(404, _("That upload is no longer available. Upload the file again."))
    try:
        actor = db.session.get(User, current_user.id)  # the ORM object, not the proxy: also an event's subject
        job, created = bulk_jobs.submit(actor, path.read_bytes(), form.filename.data, form.key.data)
    except bulk.BulkFileError as exc:
        abort_with(422, str(exc.args[0]))
    if created:
        call_after_commit(db.session(), enqueue_bulk_job, job.id)
    db.session.commit()
    path.unlink(missing_ok=True)
    return redirect(url_for("bulk.job", job_id=job.id), 303)


@bp.route("/bulk/jobs/<int:job_id>")
@login_required
def job(job_id):
    """A bulk enrolment job's status and progress; the page reloads itself until it is over."""
    require("enrolment.bulk")
    found = bulk_jobs.get_job(job_id)
    if found is None:
        abort_with(404, _("There is no such bulk enrolment job."))
    # An org admin sees their organisation's jobs only (not a site admin's, organisation None).
    require("enrolment.bulk", found)
    return render_template("enrolments/bulk_job.html", job=found, rows=bulk_jobs.shown_rows(found))
