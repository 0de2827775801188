"""Every setting the service reads, taken from the environment in one place.

`from_environment()` is what `create_app()` starts from; tests and scripts pass
overrides to the factory instead of setting environment variables.
"""

import os
from pathlib import Path

import orjson


def _json_text(value) -> str:
    """How JSON columns are written (orjson, as they are read)."""
    return orjson.dumps(value).decode()


def _int(environ, name, default):
    value = environ.get(name)
    return int(value) if value not in (None, "") else default


def database_url(url: str) -> str:
    """SQLAlchemy URL for `url`, choosing psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _hosts(value: str | None) -> tuple[str, ...]:
    return tuple(host.strip().lower() for host in (value or "").split(",") if host.strip())


def _flag(environ, name, default=False):
    value = environ.get(name)
    return default if value in (None, "") else value.strip().lower() in ("1", "true", "yes", "on")


class ClearinghouseVariables(dict):
    """The BV_CLEARINGHOUSE* variables (credentials among them): printed or logged, as part of the app's config
    or alone, it names the variables that are set and shows none of their values."""

    def __repr__(self) -> str:
        return f"ClearinghouseVariables({', '.join(sorted(self))})"


def from_environment(environ=None) -> dict:
    environ = os.environ if environ is None else environ
    data_dir = Path(environ.get("BV_DATA_DIR") or "./var").resolve()
    task_time_limit = _int(environ, "BV_TASK_TIME_LIMIT", 60)
    return {
        # Where the SQLite file and the embedded Redis socket live.
        "DATA_DIR": str(data_dir),
        # Signs sessions and keys every HMAC (cache keys, idempotency keys); `make run` makes one per data dir.
        "SECRET_KEY": environ.get("BV_SECRET_KEY"),
        # PostgreSQL in production; a SQLite file under DATA_DIR when unset.
        "SQLALCHEMY_DATABASE_URI": database_url(
            environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'verifications.sqlite3'}"
        ),
        # Broker, result cache and pub/sub.
        "REDIS_URL": environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        # Prefix of every Redis key (cache, in-flight markers, Celery's own keys).
        "REDIS_KEY_PREFIX": environ.get("BV_REDIS_PREFIX", "bv:"),
        # Celery queue the API sends verifications to and the worker consumes.
        "CELERY_QUEUE": environ.get("BV_CELERY_QUEUE", "verifications"),
        # What a worker started here consumes: `verifications`, `webhooks` (CELERY_QUEUE-webhooks), `eligibility`
        # (CELERY_QUEUE-eligibility: 270s to the clearinghouse), any of them.
        "WORKER_QUEUES": tuple(role.strip() for role in (environ.get("BV_WORKER_QUEUES") or "verifications,webhooks,eligibility")
                               .split(",") if role.strip()),
        # How long a cached result answers identical requests.
        "CACHE_TTL_SECONDS": _int(environ, "BV_CACHE_TTL_SECONDS", 24 * 3600),
        # Upper bound of ?wait= on POST /verifications.
        "WAIT_MAX_SECONDS": _int(environ, "BV_WAIT_MAX_SECONDS", 30),
        # Requests larger than this get 413.
        "MAX_CONTENT_LENGTH": _int(environ, "BV_MAX_BODY_BYTES", 1024 * 1024),
        # A task running longer than this is killed (seconds); the soft limit comes 5 s earlier.
        "TASK_TIME_LIMIT": task_time_limit,
        # The bound on every wait for the broker, in seconds: a pooled connection, connecting, each read or write
        # (a send is tried twice at most); /readyz's pings. A hung broker costs a request this long, then 202.
        "BROKER_TIMEOUT_SECONDS": float(environ.get("BV_BROKER_TIMEOUT_SECONDS") or 2.0),
        # Level of the service's own log lines.
        "LOG_LEVEL": environ.get("BV_LOG_LEVEL", "INFO"),
        # `text`, or `json` for one JSON object per line (for a log shipper); both carry the request id.
        "LOG_FORMAT": environ.get("BV_LOG_FORMAT", "text"),
        # Bearer token Prometheus presents at GET /metrics (an admin API key works too); empty: admin keys only.
        "METRICS_TOKEN": environ.get("BV_METRICS_TOKEN", ""),
        # Where a Celery worker serves its own metrics (0: it does not); the address it binds.
        "WORKER_METRICS_PORT": _int(environ, "BV_WORKER_METRICS_PORT", 0),
        "WORKER_METRICS_ADDRESS": environ.get("BV_WORKER_METRICS_ADDRESS", "127.0.0.1"),
        # The clinic, as it appears on Good Faith Estimates and X12 270 inquiries; what an admin sets on the
        # settings page wins over these (service/clinic.py).
        "CLINIC_NAME": environ.get("BV_CLINIC_NAME", ""),
        "CLINIC_NPI": environ.get("BV_CLINIC_NPI", ""),
        "CLINIC_TIN": environ.get("BV_CLINIC_TIN", ""),
        "CLINIC_ADDRESS": environ.get("BV_CLINIC_ADDRESS", ""),
        "CLINIC_PHONE": environ.get("BV_CLINIC_PHONE", ""),
        # The clinic's provider taxonomy (NUCC), sent in the 270's PRV so payers answer with specialty
        # benefits: 2084P0800X Psychiatry by default; 2084P0804X child and adolescent, 261QM0801X a
        # mental-health clinic, 103T00000X a psychologist.
        "CLINIC_TAXONOMY": environ.get("BV_CLINIC_TAXONOMY", "2084P0800X"),
        # X12 270 envelope: the sender and receiver ids the clearinghouse gave (the clinic's NPI and the
        # payer id when unset), and P (production) or T (test) in ISA15.
        "X12_SUBMITTER_ID": environ.get("BV_X12_SUBMITTER_ID", ""),
        "X12_RECEIVER_ID": environ.get("BV_X12_RECEIVER_ID", ""),
        "X12_USAGE": environ.get("BV_X12_USAGE", "P"),
        # The clearinghouse 270s are sent through: every BV_CLEARINGHOUSE* variable, as
        # workers/clearinghouse/settings.py reads them (BV_CLEARINGHOUSE unset or empty: none, staff paste 271s).
        "CLEARINGHOUSE": ClearinghouseVariables(
            {name: value for name, value in environ.items() if name.startswith("BV_CLEARINGHOUSE")}),
        # The same inquiry (payer, member, date of birth, service types, date of service) is sent at most once
        # in this many seconds: a second request within it takes the first one's answer.
        "ELIGIBILITY_DEDUPE_SECONDS": _int(environ, "BV_ELIGIBILITY_DEDUPE_SECONDS", 90),
        # A 271 saying AAA 42 (the payer cannot answer now) is asked once more, this many seconds later.
        "ELIGIBILITY_RETRY_SECONDS": _int(environ, "BV_ELIGIBILITY_RETRY_SECONDS", 60),
        # A 270 that never left (the clearinghouse unreachable) is tried again this many times, backing off
        # from ELIGIBILITY_BACKOFF_SECONDS.
        "ELIGIBILITY_SEND_RETRIES": _int(environ, "BV_ELIGIBILITY_SEND_RETRIES", 4),
        "ELIGIBILITY_BACKOFF_SECONDS": float(environ.get("BV_ELIGIBILITY_BACKOFF_SECONDS") or 2.0),
        # An inquiry that has not moved for this long lost its task (the broker restarted, a worker stopped): the
        # sweep fails it, so staff can ask again. Longer than a busy eligibility queue may hold one.
        "ELIGIBILITY_LOST_SECONDS": _int(environ, "BV_ELIGIBILITY_LOST_SECONDS", 600),
        # The longest any payer is waited for, whatever its policy file says (the task's time limit bounds it too).
        "ELIGIBILITY_MAX_TIMEOUT_SECONDS": float(environ.get("BV_ELIGIBILITY_MAX_TIMEOUT_SECONDS") or 30.0),
        # OpenAPI document and Swagger UI, generated by flask-smorest from the schemas.
        "API_TITLE": "Benefits verification",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Swagger UI's files: from the installed flask-swagger-ui package, on this site (service/api_docs.py).
        "OPENAPI_SWAGGER_UI_URL": environ.get("BV_SWAGGER_UI_URL", "/api/v1/docs/assets/"),
        # hide_parameters: a logged or raised SQL error never quotes the row's values (they hold PHI).
        # No pre-ping (a round trip on every checkout): a connection the server dropped fails its request
        # with a 503 and takes the rest of the pool with it, so the next request gets fresh connections.
        # JSON columns (request, result) go through orjson, several times faster than the json module.
        # Whether a commit waits for PostgreSQL to flush it to disk. The worker turns it off
        # (workers/make_celery.py): the results it writes can be made again (the sweep runs the rules again
        # for a verification a crash left unfinished), so a PostgreSQL crash can at worst undo its last
        # commits, never corrupt anything; what it promises (a webhook, a batch's completion) commits
        # durably all the same (service/durability.py). The API's writes, what it accepted, stay durable.
        "SYNCHRONOUS_COMMIT": _flag(environ, "BV_DB_SYNCHRONOUS_COMMIT", True),
        # A connection for every server thread (gunicorn's BV_THREADS): with fewer, the threads past the pool's
        # size open and close a connection per request, and PostgreSQL forks a backend for each.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "hide_parameters": True, "pool_recycle": 3600, "json_serializer": _json_text, "json_deserializer": orjson.loads,
            "pool_size": _int(environ, "BV_DB_POOL_SIZE", _int(environ, "BV_THREADS", 16)), "max_overflow": 4,
        },
        # Groups of new verifications each server process writes to PostgreSQL at once (service/verification/group_commit.py).
        "GROUP_COMMIT_LANES": _int(environ, "BV_GROUP_COMMIT_LANES", 2),
        # How long each process trusts what it last read of an API key (seconds): a revocation made in another
        # process takes effect within this time; in the revoking process, at once.
        "KEY_CACHE_SECONDS": float(environ.get("BV_KEY_CACHE_SECONDS") or 5.0),
        # Requests per API key (per client address without a valid key), by role, in the `limits` notation ("300/minute").
        "RATE_LIMIT_INTAKE": environ.get("BV_RATE_LIMIT_INTAKE", "300/minute"),
        "RATE_LIMIT_BILLING": environ.get("BV_RATE_LIMIT_BILLING", "600/minute"),
        "RATE_LIMIT_ADMIN": environ.get("BV_RATE_LIMIT_ADMIN", "600/minute"),
        "RATE_LIMIT_ANONYMOUS": environ.get("BV_RATE_LIMIT_ANONYMOUS", "30/minute"),
        # Verifications (with their PHI) older than this many days are deleted; audit rows are kept.
        "RETENTION_DAYS": _int(environ, "BV_RETENTION_DAYS", 180),
        # How often the sweep re-queues verifications whose task was lost (seconds).
        "SWEEP_INTERVAL_SECONDS": _int(environ, "BV_SWEEP_INTERVAL_SECONDS", 30),
        # A verification still queued or running this long after it was queued has lost its task;
        # longer than the task time limit, so a task that is merely running is left alone.
        "SWEEP_AFTER_SECONDS": _int(environ, "BV_SWEEP_AFTER_SECONDS", task_time_limit + 30),
        # Staff sign-in for the console: the session cookie is HttpOnly and SameSite=Lax; Secure behind HTTPS.
        "SESSION_COOKIE_NAME": "bv_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(environ, "BV_SESSION_COOKIE_SECURE"),
        # How long a staff sign-in lasts at most, in minutes (a shift, by default), however busy: it never slides.
        "PERMANENT_SESSION_LIFETIME": 60 * _int(environ, "BV_SESSION_LIFETIME_MINUTES", 8 * 60),
        "SESSION_REFRESH_EACH_REQUEST": False,
        # A staff session ends after this many minutes without a request (a screen left open at the front desk).
        "STAFF_SESSION_IDLE_SECONDS": 60 * _int(environ, "BV_SESSION_IDLE_MINUTES", 30),
        # Sign-in failures per account (whatever the address): this many are free, then each further one makes
        # the account wait, from LOGIN_BACKOFF_SECONDS doubling up to LOGIN_BACKOFF_MAX_SECONDS.
        "LOGIN_FREE_FAILURES": _int(environ, "BV_LOGIN_FREE_FAILURES", 5),
        "LOGIN_BACKOFF_SECONDS": float(environ.get("BV_LOGIN_BACKOFF_SECONDS") or 1.0),
        "LOGIN_BACKOFF_MAX_SECONDS": float(environ.get("BV_LOGIN_BACKOFF_MAX_SECONDS") or 900.0),
        # CSRF tokens are checked where the service asks (forms, session-authenticated API writes), for the session's life.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        # Batches: rows per upload, bytes per upload, and rows per worker task.
        "BATCH_MAX_ROWS": _int(environ, "BV_BATCH_MAX_ROWS", 10_000),
        "BATCH_MAX_BODY_BYTES": _int(environ, "BV_BATCH_MAX_BODY_BYTES", 32 * 1024 * 1024),
        "BATCH_CHUNK_SIZE": _int(environ, "BV_BATCH_CHUNK_SIZE", 200),
        # Hosts (host or host:port, comma-separated) a callback_url may name; empty turns webhooks off.
        "WEBHOOK_ALLOWED_HOSTS": _hosts(environ.get("BV_WEBHOOK_ALLOWED_HOSTS")),
        # For tests only: lets webhooks reach a receiver on this machine's loopback, which is otherwise refused
        # like every private address.
        "WEBHOOK_ALLOW_LOOPBACK": _flag(environ, "BV_WEBHOOK_ALLOW_LOOPBACK"),
        # Webhook deliveries: attempts before giving up, first retry delay (doubling, capped at 10 min), timeout.
        "WEBHOOK_MAX_ATTEMPTS": _int(environ, "BV_WEBHOOK_MAX_ATTEMPTS", 10),
        "WEBHOOK_RETRY_SECONDS": float(environ.get("BV_WEBHOOK_RETRY_SECONDS") or 5.0),
        "WEBHOOK_TIMEOUT_SECONDS": float(environ.get("BV_WEBHOOK_TIMEOUT_SECONDS") or 10.0),
    }
