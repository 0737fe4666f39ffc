"""The beat's retraining sweep: apply the major course versions whose effective date has come.
Each version is claimed with a conditional UPDATE and committed on its own, so two beats (or a
sweep and a publication) apply it once; open_enrolment's unique index guards the enrolments."""
import logging

from celery import shared_task

from lms.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="lms.retraining_sweep")
def retraining_sweep():
    """Periodic (beat): apply every due version, one transaction each.

    :return: {"applied": versions applied by this run, "retraining": enrolments opened}
    """
    from lms.compliance import retraining

    applied = opened = 0
    for version_id in retraining.due_versions():
        try:
            outcome = retraining.apply_version(version_id)
            # The confirmation emails of the new enrolments are enqueued after this commit.
            db.session.commit()
        except Exception:
            db.session.rollback()  # not marked applied: the next sweep tries again
            log.exception("retraining of course version %s failed", version_id)
            continue
        if outcome is not None:
            applied += 1
            opened += outcome["retraining"]
    return {"applied": applied, "retraining": opened}
