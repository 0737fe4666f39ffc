"""Celery beat entries."""
from datetime import timedelta


def beat_schedule(config):
    sweep_every = timedelta(seconds=config["REMINDER_SWEEP_SECONDS"])
    return {
        "reminder-sweep": {
            "task": "lms.reminder_sweep",
            "schedule": sweep_every,
            # A sweep nobody picked up before the next one is due is dropped, not piled up.
            "options": {"expires": sweep_every.total_seconds()},
        },
    }
