"""`flask lms enrol-csv FILE`: the bulk enrolment of the admin page, from the command line.

With --apply the file becomes a bulk enrolment job (listed on the admin page like any other)
that this command runs inline, through the same code as the worker's task."""
import os
import secrets
import sys

import click
from sqlalchemy import select

from lms.accounts.models import User
from lms.cli import lms_cli
from lms.enrolments import bulk, bulk_jobs
from lms.enrolments.tasks import run_bulk_job
from lms.extensions import db
from lms.policy import can


def _echo_rows(rows):
    for row in rows:
        state = "; ".join(row["errors"]) if row["errors"] else row["outcome"]
        click.echo(f"line {row['line']:>5}  {row['email']:<40} {row['course']:<40} {state}")


@lms_cli.command("enrol-csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--admin", "admin_email", required=True, help="Email of the administrator recorded as the actor.")
@click.option("--apply", "do_apply", is_flag=True, help="Apply the file; without it, only the dry run is shown.")
def enrol_csv_command(path, admin_email, do_apply):
    """Preview (default) or apply a bulk enrolment CSV: email, name, organisation, country, course[, due_date]."""
    admin = db.session.scalar(select(User).where(User.email == admin_email.strip().lower()))
    if admin is None or not can(admin, "enrolment.bulk"):
        click.echo(f"No administrator with the email {admin_email}.", err=True)
        sys.exit(2)
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = bulk.plan(data, actor=admin)  # an org admin: their organisation's rows only
    except bulk.BulkFileError as exc:
        click.echo(f"The file cannot be used: {exc.args[0]}", err=True)
        sys.exit(2)
    db.session.rollback()  # the dry run only read
    if not result.ok or not do_apply:
        _echo_rows([row.as_dict() for row in result.rows])
        if not result.ok:
            click.echo(f"{len(result.errors)} row(s) have errors; nothing was changed.", err=True)
            sys.exit(1)
        click.echo(f"All {len(result.rows)} row(s) are valid. Run again with --apply to apply them.")
        return
    job, _created = bulk_jobs.submit(admin, data, os.path.basename(path), secrets.token_urlsafe(24))
    db.session.commit()
    job_id = job.id
    run_bulk_job(job_id)
    job = bulk_jobs.get_job(job_id)
    _echo_rows((job.result or {}).get("rows", []))
    if job.status != "done":
        reason = (job.result or {}).get("error") or f"{(job.result or {}).get('errors', 0)} row(s) have errors"
        click.echo(f"Job {job_id} failed: {reason}; nothing was changed.", err=True)
        sys.exit(1)
    click.echo(f"Applied {job.row_count} row(s) (bulk enrolment job {job_id}).")
