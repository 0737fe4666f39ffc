"""Celery tasks: take ids, call lms services, commit. Nothing here knows about HTTP."""
import logging

from celery import shared_task
from sqlalchemy import func, select

from lms.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="lms.ping", ignore_result=False)  # its caller waits for the reply
def ping(token):
    """Round-trips through broker, worker and database: proves the wiring."""
    from lms.accounts.models import User

    users = db.session.scalar(select(func.count()).select_from(User))
    log.info("ping token=%s users=%s", token, users)
    return {"token": token, "users": users}
