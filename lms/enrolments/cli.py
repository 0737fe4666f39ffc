"""`flask lms enrol-csv FILE`: the bulk enrolment of the admin page, from the command line."""
import sys

import click
from sqlalchemy import select

from lms.accounts.models import User
from lms.cli import lms_cli
from lms.enrolments import bulk
from lms.extensions import db


@lms_cli.command("enrol-csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--admin", "admin_email", required=True, help="Email of the administrator recorded as the actor.")
@click.option("--apply", "do_apply", is_flag=True, help="Apply the file; without it, only the dry run is shown.")
def enrol_csv_command(path, admin_email, do_apply):
    """Preview (default) or apply a bulk enrolment CSV: email, name, organisation, country, course[, due_date]."""
    admin = db.session.scalar(select(User).where(User.email == admin_email.strip().lower()))
    if admin is None or admin.role != "admin":
        click.echo(f"No administrator with the email {admin_email}.", err=True)
        sys.exit(2)
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = bulk.apply(data, admin) if do_apply else bulk.plan(data)
    except bulk.BulkFileError as exc:
        click.echo(f"The file cannot be used: {exc.args[0]}", err=True)
        sys.exit(2)
    for row in result.rows:
        state = "; ".join(str(e) for e in row.errors) if row.errors else row.outcome
        click.echo(f"line {row.line:>5}  {row.email:<40} {row.course_ref:<40} {state}")
    if not result.ok:
        db.session.rollback()
        click.echo(f"{len(result.errors)} row(s) have errors; nothing was changed.", err=True)
        sys.exit(1)
    if do_apply:
        db.session.commit()
        click.echo(f"Applied {len(result.rows)} row(s).")
    else:
        click.echo(f"All {len(result.rows)} row(s) are valid. Run again with --apply to apply them.")
