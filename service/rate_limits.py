"""Requests per API key and minute, by the key's role (flask-limiter, counted in Redis).

A staff user signed in to the console is counted like a key, by their role. A request with
neither is counted by client address, under the anonymous limit, so guessing keys (or staff
passwords at /login) is slow too. The counters live under the app's Redis key prefix and hold key ids
only; while Redis is down they are kept in memory, so an outage never turns into 429s or 500s.
"""

import time

import redis.exceptions
import sqlalchemy.exc
from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from service import auth, staff
from service.errors import error_response


def redis_storage_uri(redis_url: str) -> str:
    """limits spells a Unix-socket Redis `redis+unix://`, redis-py `unix://`."""
    return "redis+unix://" + redis_url[len("unix://"):] if redis_url.startswith("unix://") else redis_url


def _caller():
    """(the request's live key, else its signed-in staff user, else None; whether they could be looked up at all).

    A request that presents a key is judged by the key alone, as `auth.requires` judges it.
    """
    try:
        if auth.presented_key():
            return auth.current_key(), True
        return staff.signed_in(), True
    except sqlalchemy.exc.SQLAlchemyError:
        return None, False


def _exempt() -> bool:
    """Only the API and password attempts are limited; a request whose caller cannot be looked up
    (database down) gets its 503 instead."""
    limited = request.path.startswith("/api/") or (request.path == "/login" and request.method == "POST")
    return not limited or not _caller()[1]


def _client() -> str:
    caller, _ = _caller()
    if caller is None:
        return f"addr:{request.remote_addr}"
    return f"key:{caller.id}" if isinstance(caller, auth.KeyOnFile) else f"user:{caller.id}"


def _limit() -> str:
    caller, _ = _caller()
    return current_app.config[f"RATE_LIMIT_{caller.role.upper() if caller else 'ANONYMOUS'}"]


def _rate_limited(error: RateLimitExceeded):
    limiter: Limiter = current_app.extensions["rate_limiter"]
    try:
        retry_after = max(1, int(limiter.current_limit.reset_at - time.time()))
    except redis.exceptions.RedisError:
        retry_after = 60  # the counters' store just went away: a whole window is a safe answer
    return error_response(
        429, f"Too many requests for this key ({error.description}); try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


def init_app(app: Flask) -> Limiter:
    # One limiter per app (like the Celery app): flask-limiter keeps its storage on the instance,
    # and the tests run apps on different Redis servers side by side.
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_storage_uri(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
        "key_prefix": app.config["REDIS_KEY_PREFIX"] + "ratelimit",
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    })
    limiter = Limiter(
        key_func=_client,
        application_limits=[_limit],
        application_limits_exempt_when=_exempt,
        strategy="fixed-window",
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    return limiter
