"""Handing promised work to the Celery worker: through the task objects each feature
registers for its kinds of work (``@handles(kind)`` in lms/<feature>/tasks.py).

A hand-over never fails its caller: the work is recorded already (an Outbox row), so a broker
that is down only delays it until the beat sweep hands it over again.
"""
import logging

from flask import current_app

log = logging.getLogger(__name__)

_TASKS = {}


def handles(kind):
    """Register the decorated task as the one that carries out outbox rows of ``kind``. The
    task takes the row's subject id and ``outbox_id`` (to mark the row done)."""

    def register(task):
        _TASKS[kind] = task
        return task

    return register


def task_for(kind):
    return _TASKS[kind]


def hand_over(items):
    """Send each (outbox_id, kind, subject_id) to its task, over one broker connection.

    Never raises: any failure (broker down: KombuError, OSError, RuntimeError ...) is logged
    and the items not sent are returned, for the caller to mark.

    :return: (ids not handed over, the error or None)
    """
    if not items:
        return [], None
    sent = 0
    try:
        celery = current_app.extensions["celery"]
        with celery.producer_or_acquire() as producer:
            for outbox_id, kind, subject_id in items:
                task_for(kind).apply_async(
                    args=[subject_id], kwargs={"outbox_id": outbox_id},
                    producer=producer, ignore_result=True,
                )
                sent += 1
    except Exception as exc:  # noqa: BLE001  (whatever the broker raises, the work is safe)
        failed = [item[0] for item in items[sent:]]
        log.warning("outbox hand-over failed for %s of %s rows (first id %s); the sweep hands "
                    "them over again: %r", len(failed), len(items), failed[0], exc)
        return failed, exc
    log.info("outbox handed over %s rows", sent)
    return [], None
