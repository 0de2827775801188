"""The benefits verification service: the Flask application factory."""

import secrets
from pathlib import Path

import sqlalchemy.exc
from flask import Flask
from sqlalchemy import event

from service import logs, request_ids, sqlite_writes
from service.config import from_environment
from service.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from service.sessions import CookieSessions


class ServiceFlask(Flask):
    """Flask, remembering for each view and hook whether it is a coroutine function: Flask asks `inspect`
    again on every call (19 times in a cached POST, a tenth of its Python calls outside the view), and
    a function's answer never changes. Flask's documentation names `ensure_sync` as the method to override."""

    # Functions made per request (`after_this_request`) are not remembered past this many.
    REMEMBERED = 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synchronous: dict = {}

    def ensure_sync(self, func):
        if (synchronous := self._synchronous.get(func)) is None:
            synchronous = super().ensure_sync(func)
            if len(self._synchronous) < self.REMEMBERED:
                self._synchronous[func] = synchronous
        return synchronous


def create_app(config: dict | None = None) -> Flask:
    app = ServiceFlask(__name__)
    app.session_interface = CookieSessions()
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _data_dir_secret(Path(app.config["DATA_DIR"]))
    _prepare_sqlite_file(app)
    sqlite_writes.init_app(app)
    _prepare_commits(app)
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    # Operability first, so every response (a refusal too) is counted and carries its request id.
    request_ids.init_app(app)
    from service import metrics  # not at import: gunicorn.conf.py names the metrics directory first

    metrics.init_app(app)

    from service import body_memo
    from service.extensions import api, csrf, db, migrate, redis_store
    from service.verification import cache, group_commit, store

    db.init_app(app)
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    redis_store.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
        group_commit.init_app(app, db.engine, store.write_new, single_statement=db.engine.dialect.name == "postgresql",
                              lanes=app.config["GROUP_COMMIT_LANES"])
    body_memo.init_app(app)
    cache.init_app(app)

    from workers.celery_app import celery_init_app

    celery_init_app(app)

    from service import api as api_area
    from service import api_docs, audit, auth, health, pages, rate_limits, request_limits, security_headers

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", auth.SECURITY_SCHEMES["bearerAuth"])
    api.spec.components.security_scheme("apiKeyHeader", auth.SECURITY_SCHEMES["apiKeyHeader"])
    api_area.register(api)
    api.register_blueprint(health.blp)
    app.register_blueprint(api_docs.swagger_ui_assets)
    pages.register(app)
    _register_unavailable_handlers(app)
    request_limits.init_app(app)
    rate_limits.init_app(app)
    security_headers.init_app(app)
    audit.init_app(app)

    from service.cli import keys, purge, users

    app.cli.add_command(keys)
    app.cli.add_command(users)
    app.cli.add_command(purge)
    return app


def _data_dir_secret(data_dir: Path) -> str:
    """The secret kept in the data directory, made on first use, for runs without BV_SECRET_KEY."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _prepare_commits(app: Flask) -> None:
    """PostgreSQL connections without synchronous commit when SYNCHRONOUS_COMMIT is off (SQLite runs
    with synchronous=NORMAL anyway, see _sqlite_pragmas)."""
    if not app.config["SYNCHRONOUS_COMMIT"] and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {**options.get("connect_args", {}), "options": "-c synchronous_commit=off"}


def _prepare_sqlite_file(app: Flask) -> None:
    """The SQLite file's directory, and the file itself readable by this user alone (it holds PHI). SQLite
    gives the -wal and -shm files it makes the database file's mode; older ones are narrowed too."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///") or uri == "sqlite:///:memory:":
        return
    path = Path(uri[len("sqlite:///"):])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _sqlite_pragmas(connection, record) -> None:
    # WAL lets the API read while a worker writes; busy_timeout makes writers queue instead of failing.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _register_unavailable_handlers(app: Flask) -> None:
    from schemas.errors import where
    from service.errors import error_response

    def unavailable(what):
        def handler(error):
            app.logger.warning("%s unavailable: %s", what, type(error).__name__)
            return error_response(503, f"The {what} is not answering; try again shortly.", headers={"Retry-After": "5"})

        return handler

    for error in (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError):
        app.register_error_handler(error, unavailable("database"))
    for error in REDIS_UNAVAILABLE:
        app.register_error_handler(error, unavailable("cache"))

    def internal_error(error):
        # The message and the traceback's values may quote the request (PHI): log where, not what.
        app.logger.error("unhandled %s at %s", type(error).__name__, where(error))
        return error_response(500, "Something went wrong on our side; it has been logged.")

    app.register_error_handler(Exception, internal_error)
