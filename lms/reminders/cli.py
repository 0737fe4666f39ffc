"""`flask lms reminders-sweep` (the beat's reminder sweep, once, by hand) and
`flask lms reminders-resend-failed`."""
import click

from lms.cli import lms_cli


@lms_cli.command("reminders-sweep")
def reminders_sweep_command():
    """Record the reminders due now and enqueue their emails (a worker sends them)."""
    from lms.reminders.services import run_sweep

    result = run_sweep()
    noun = "reminder" if result.recorded == 1 else "reminders"
    click.echo(f"{result.recorded} {noun} recorded and queued for sending"
               f" ({result.requeued} unsent earlier ones queued again).")


@lms_cli.command("reminders-resend-failed")
@click.option("--id", "log_id", type=int, default=None, metavar="N",
              help="Only the reminder with this id (default: every failed reminder).")
def reminders_resend_failed_command(log_id):
    """Send again the reminders that failed for good (a worker sends them); a learner who has
    opted out since gets nothing."""
    from lms.extensions import db
    from lms.reminders.services import NoSuchReminder, resend_failed

    try:
        ids = resend_failed(log_id=log_id)
    except NoSuchReminder:
        raise click.ClickException(f"No reminder with id {log_id}.") from None
    db.session.commit()
    noun = "reminder" if len(ids) == 1 else "reminders"
    click.echo(f"{len(ids)} failed {noun} queued to be sent again.")
    if log_id is not None and not ids:
        from lms.reminders.models import ReminderLog

        status = db.session.get(ReminderLog, log_id).status
        click.echo(f"Reminder {log_id} is {status}, not failed: nothing to send again.")
