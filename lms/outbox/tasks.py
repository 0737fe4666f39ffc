"""The beat job that hands promised work over again (see lms.outbox.services.sweep)."""
from celery import shared_task

from lms.outbox import services


@shared_task(name="lms.outbox_sweep")
def outbox_sweep():
    """Periodic (beat): hand over the rows not handed over, or handed over too long ago and
    still not done. Safe with two beats at once."""
    return services.sweep()
