"""`flask lms outbox-sweep`: the beat's outbox sweep, once, by hand."""
import click
from sqlalchemy import func, select

from lms.cli import lms_cli


@lms_cli.command("outbox-sweep")
def outbox_sweep_command():
    """Hand over again the promised work (certificates, emails, invitations) not handed over,
    or handed over longer than OUTBOX_HANDOVER_SECONDS ago and still not done."""
    from lms.extensions import db
    from lms.outbox.models import Outbox
    from lms.outbox.services import sweep

    handed_over = sweep()
    waiting = db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.done_at.is_(None)))
    click.echo(f"{handed_over} handed over to the worker; {waiting} not done yet.")
