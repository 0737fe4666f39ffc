"""`flask lms reminders-sweep`: the beat's reminder sweep, once, by hand."""
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
