"""`flask lms ...` commands."""
import click
from flask.cli import AppGroup

from lms.extensions import db

lms_cli = AppGroup("lms", help="LMS management commands.")


@lms_cli.command("seed-demo")
def seed_demo_command():
    """Load demo organisations, users and courses (only into an empty database)."""
    from lms.demo import DEMO_PASSWORD, demo_accounts, seed_demo

    if seed_demo():
        db.session.commit()
        click.echo("Demo data loaded. Accounts (password: %s):" % DEMO_PASSWORD)
        for name, email, role, _org, locale in demo_accounts():
            click.echo(f"  {role:9} {email:28} {locale:3} {name}")
    else:
        click.echo("The database already has users; demo data not loaded.")


@lms_cli.command("organisation-timezone")
@click.argument("organisation")
@click.argument("zone")
def organisation_timezone_command(organisation, zone):
    """Set ORGANISATION's time zone (an IANA name such as Europe/Oslo, or UTC): its people's
    pages show dates in it, and its training-matrix dates are entered in it."""
    import pytz
    from sqlalchemy import select

    from lms.accounts.models import Organisation

    org = db.session.scalar(select(Organisation).where(Organisation.name == organisation))
    if org is None:
        raise click.BadParameter(f"no organisation named {organisation!r}", param_hint="ORGANISATION")
    if zone not in pytz.all_timezones_set:
        raise click.BadParameter(f"{zone!r} is not an IANA time zone name (e.g. Europe/Oslo)", param_hint="ZONE")
    org.timezone = zone
    db.session.commit()
    click.echo(f"{org.name}: dates are shown in {zone}.")


# Feature commands register themselves on the group.
import lms.audit.cli  # noqa: E402,F401
import lms.enrolments.cli  # noqa: E402,F401
import lms.reminders.cli  # noqa: E402,F401
import lms.certificates.cli  # noqa: E402,F401
import lms.outbox.cli  # noqa: E402,F401
import lms.signatures.cli  # noqa: E402,F401
