"""GET /healthz (the process is up) and GET /readyz (it can do its work)."""

import redis
from flask import current_app
from sqlalchemy import text

from service import heartbeats
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


def _broker_client() -> redis.Redis:
    """A client of the broker's Redis (the cache's own, unless Celery is given another broker), kept per app,
    whose every wait is bounded."""
    client = current_app.extensions.get("broker_ping")
    if client is None:
        url = current_app.extensions["celery"].conf.broker_url
        url = "unix://" + url[len("socket://"):] if url.startswith("socket://") else url
        timeout = current_app.config["BROKER_TIMEOUT_SECONDS"]
        client = current_app.extensions["broker_ping"] = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return client


def _broker_answers() -> bool:
    try:
        return bool(_broker_client().ping())
    except Exception:
        return False


def _workers_alive() -> int:
    try:
        return heartbeats.alive()
    except Exception:
        return 0


@blp.route("/readyz")
@blp.response(200)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def readyz():
    """The database, Redis, the broker and at least one worker's heartbeat answer; 503 naming what does not.
    Each check is one bounded round trip: nothing here waits on the broker's connection pool."""
    checks = {"database": _database_answers(), "redis": _redis_answers(), "broker": _broker_answers()}
    workers = _workers_alive() if checks["redis"] else 0
    checks["workers"] = workers > 0
    ready = all(checks.values())
    document = {"status": "ready" if ready else "unavailable", "checks": checks, "workers": workers}
    return json_response(document, 200 if ready else 503, None if ready else {"Retry-After": "5"})
