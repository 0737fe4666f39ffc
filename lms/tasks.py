"""Application-wide tasks; feature tasks live in lms/<feature>/tasks.py."""
import logging

from celery import shared_task
from sqlalchemy import func, select

from lms.extensions import db

log = logging.getLogger(__name__)

# Every module holding tasks: the worker imports them at start (Celery's ``include``), and
# create_app imports them so the web app hands work over through the task objects.
TASK_MODULES = (
    "lms.tasks",
    "lms.outbox.tasks",
    "lms.certificates.tasks",
    "lms.reminders.tasks",
    "lms.accounts.tasks",
    "lms.enrolments.tasks",
    "lms.compliance.retraining_tasks",
    "lms.compliance.tasks",
    "lms.signatures.tasks",
)


@shared_task(name="lms.ping", ignore_result=False)  # its caller waits for the reply
def ping(token):
    """Round-trips through broker, worker and database: proves the wiring."""
    from lms.accounts.models import User

    users = db.session.scalar(select(func.count()).select_from(User))
    log.info("ping token=%s users=%s", token, users)
    return {"token": token, "users": users}
