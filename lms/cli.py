"""`flask lms ...` commands."""
import click
from flask.cli import AppGroup

from lms.extensions import db

lms_cli = AppGroup("lms", help="LMS management commands.")


@lms_cli.command("seed-demo")
def seed_demo_command():
    """Load demo organisations, users and courses (only into an empty database)."""
    from lms.demo import DEMO_PASSWORD, PEOPLE, seed_demo

    if seed_demo():
        db.session.commit()
        click.echo("Demo data loaded. Accounts (password: %s):" % DEMO_PASSWORD)
        for name, email, role, _org, _locale in PEOPLE:
            click.echo(f"  {role:9} {email:28} {name}")
    else:
        click.echo("The database already has users; demo data not loaded.")


# Feature commands register themselves on the group.
import lms.audit.cli  # noqa: E402,F401
import lms.enrolments.cli  # noqa: E402,F401
import lms.reminders.cli  # noqa: E402,F401
import lms.certificates.cli  # noqa: E402,F401
import lms.outbox.cli  # noqa: E402,F401
