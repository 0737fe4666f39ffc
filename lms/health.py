"""Health checks for a load balancer or orchestrator, without login or rate limit:
/healthz says the process answers (touches nothing else), /readyz that the database and
Redis are reachable (503 naming the one that is not)."""
import logging

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from lms.extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
# A readiness probe must answer quickly even when Redis hangs.
REDIS_TIMEOUT_SECONDS = 2


@bp.after_request
def never_cached(response):
    # Set here, so the security headers need not ask who is logged in (a database read).
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
@limiter.exempt
def readyz():
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _check_database():
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any failure means "not ready", and is said, not raised
        log.warning("readiness: database unreachable: %s", exc.__class__.__name__)
        return "unreachable"


def _check_redis():
    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                  socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
        return "ok"
    except Exception as exc:
        log.warning("readiness: Redis unreachable: %s", exc.__class__.__name__)
        return "unreachable"
    finally:
        client.close()

