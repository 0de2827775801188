"""GET /healthz (the process is up) and GET /readyz (it can do its work)."""

from flask import current_app
from sqlalchemy import text

from service.api.responses import json_response
from service.api_docs import Blueprint
from service.extensions import db, redis_store

blp = Blueprint("health", __name__, description="For load balancers and supervisors.")


@blp.route("/healthz")
@blp.response(200)
def healthz():
    """The process is up."""
    return json_response({"status": "ok"})


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _redis_answers() -> bool:
    try:
        return bool(redis_store.client.ping())
    except Exception:
        return False


def _workers_answering() -> int:
    try:
        replies = current_app.extensions["celery"].control.ping(
            timeout=current_app.config["READY_WORKER_TIMEOUT"], limit=1
        )
    except Exception:
        return 0
    return len(replies or ())


@blp.route("/readyz")
@blp.response(200)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def readyz():
    """The database, Redis and at least one worker answer; 503 naming what does not."""
    checks = {"database": _database_answers(), "redis": _redis_answers()}
    workers = _workers_answering() if checks["redis"] else 0
    checks["workers"] = workers > 0
    ready = all(checks.values())
    document = {"status": "ready" if ready else "unavailable", "checks": checks, "workers": workers}
    return json_response(document, 200 if ready else 503, None if ready else {"Retry-After": "5"})
