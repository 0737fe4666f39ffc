"""Celery beat entries: the periodic tasks, named through their task objects."""
from datetime import timedelta

from lms.certificates.tasks import open_recertifications
from lms.compliance.retraining_tasks import retraining_sweep
from lms.compliance.tasks import reconcile_training_matrix
from lms.enrolments.tasks import hand_over_bulk_jobs
from lms.outbox.tasks import outbox_sweep
from lms.reminders.tasks import reminder_sweep


def _every(task, seconds):
    every = timedelta(seconds=seconds)
    # A run nobody picked up before the next one is due is dropped, not piled up.
    return {"task": task.name, "schedule": every, "options": {"expires": every.total_seconds()}}


def beat_schedule(config):
    return {
        "reminder-sweep": _every(reminder_sweep, config["REMINDER_SWEEP_SECONDS"]),
        "outbox-sweep": _every(outbox_sweep, config["OUTBOX_SWEEP_SECONDS"]),
        "bulk-enrolment-hand-over": _every(hand_over_bulk_jobs, config["BULK_REQUEUE_SECONDS"]),
        "recertification": _every(open_recertifications, config["RECERT_SWEEP_SECONDS"]),
        "retraining-sweep": _every(retraining_sweep, config["RETRAINING_SWEEP_SECONDS"]),
        "compliance-reconcile": _every(reconcile_training_matrix, config["COMPLIANCE_RECONCILE_SECONDS"]),
    }
