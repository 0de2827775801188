"""Fixtures: the app on SQLite and on PostgreSQL, a real Celery worker, a live HTTP server, API keys.

Tests that take `app` (or anything built on it) run twice, once per database. Every run gets
its own PostgreSQL database, Redis key prefix and Celery queue, so runs side by side don't mix.
"""

import os
import re
import secrets
import threading
from contextlib import contextmanager

import psycopg
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from werkzeug.serving import make_server

from service import create_app
from service.extensions import db

REDIS_URL = os.environ.get("BV_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get("BV_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
RUN = secrets.token_hex(4)

START_REDIS = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        pytest.exit(f"Redis is not answering at {REDIS_URL} ({error}).\nStart it with:  {START_REDIS}", returncode=3)


def require_postgres() -> None:
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        pytest.exit(
            f"PostgreSQL is not answering at {POSTGRES_URL} ({str(error).strip()}).\nStart it with:  {START_POSTGRES}",
            returncode=3,
        )


@contextmanager
def postgres_database(name: str):
    """A fresh PostgreSQL database on the test server, dropped afterwards."""
    require_postgres()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_url(backend: str, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'verifications.sqlite3'}"
    else:
        with postgres_database(f"bv_test_{RUN}") as url:
            yield url


def app_config(backend: str, database: str, data_dir) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"bvtest:{RUN}:{backend}:",
        "CELERY_QUEUE": f"bvtest-{RUN}-{backend}",
        # The webhook tests' receivers listen on loopback, which a real deployment refuses.
        "WEBHOOK_ALLOW_LOOPBACK": True,
        # Limits no test reaches by accident; tests/api/test_rate_limits.py sets its own.
        **{f"RATE_LIMIT_{role}": "100000/minute" for role in ("INTAKE", "BILLING", "ADMIN", "ANONYMOUS")},
    }


@contextmanager
def another_app(app, **overrides):
    """A second app beside the test app (another Redis prefix, say), for as long as the block runs.

    Making an app makes its Celery app the default one, and the in-process test worker looks
    tasks up through the default app: so the test app's is made the default again afterwards.
    """
    config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "DATA_DIR", "SQLALCHEMY_DATABASE_URI",
                                               "REDIS_URL", "REDIS_KEY_PREFIX", "CELERY_QUEUE")
              + tuple(key for key in app.config if key.startswith("RATE_LIMIT_"))}
    try:
        yield create_app({**config, **overrides})
    finally:
        app.extensions["celery"].set_default()


def delete_keys(client: redis.Redis, prefix: str) -> None:
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory):
    require_redis()
    tmp_path = tmp_path_factory.mktemp(backend)
    with database_url(backend, tmp_path) as url:
        app = create_app(app_config(backend, url, tmp_path))
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()
        delete_keys(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"])


@pytest.fixture(scope="session")
def celery_worker(app):
    """A real Celery worker consuming this app's queue, in a thread of the test process."""
    with start_worker(
        app.extensions["celery"], pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"
    ) as worker:
        yield worker


@contextmanager
def serving(app, port: int = 0):
    """`app` behind a real HTTP server on loopback (`port`, else a free one), for as long as the block runs."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def live_server(app):
    """The app behind a real HTTP server on a free loopback port."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def keys(app) -> dict[str, str]:
    """One plain API key per role."""
    from service.auth import create_key

    with app.app_context():
        return {role: create_key(role, f"test {role}")[1] for role in ("intake", "billing", "admin")}


@pytest.fixture(scope="session")
def staff(app) -> dict[str, tuple[str, str]]:
    """One staff account per role for the console: role -> (username, password)."""
    from service.staff import create_user

    logins = {role: (f"{role}-{RUN}", secrets.token_urlsafe(16)) for role in ("intake", "billing", "admin")}
    with app.app_context():
        for role, (username, password) in logins.items():
            create_user(username, password, role)
    return logins


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    """The CSRF token a console page hands its forms and scripts."""
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    return match.group(1) or match.group(2)


def sign_in(client, login, next_path=None):
    """Sign `client` in to the console through the sign-in form, as a browser would."""
    query = {"next": next_path} if next_path else {}
    return client.post("/login", query_string=query,
                       data={"username": login[0], "password": login[1], "csrf_token": csrf_token(client)})


@pytest.fixture
def signed_in(app, staff):
    """A test client signed in to the console as the staff user of `role`."""

    def client_for(role):
        client = app.test_client()
        assert sign_in(client, staff[role]).status_code == 302
        return client

    return client_for


@pytest.fixture
def auth(keys):
    """Headers that authenticate as `role`."""
    return lambda role="intake": {"Authorization": f"Bearer {keys[role]}"}


@pytest.fixture
def clean_verifications(app):
    """No verifications in the database, and no cached results or in-flight markers, before the test."""
    from service.models import AuditEvent, Verification, VerificationDenial

    with app.app_context():
        db.session.execute(db.delete(AuditEvent))
        db.session.execute(db.delete(VerificationDenial))
        db.session.execute(db.delete(Verification))
        db.session.commit()
    delete_keys(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"] + "result:")
    delete_keys(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"] + "inflight:")


@pytest.fixture
def clean_clinic_settings(app):
    """The clinic's settings all unset (the environment's apply) before the test and after it."""
    from service import clinic

    def unset():
        with app.app_context():
            clinic.save(dict.fromkeys(clinic.ENVIRONMENT))
            db.session.execute(db.delete(clinic.AuditEvent).where(clinic.AuditEvent.action == "settings"))
            db.session.commit()

    unset()
    yield
    unset()
