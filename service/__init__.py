"""The benefits verification service: the Flask application factory."""

import secrets
from pathlib import Path

import sqlalchemy.exc
from flask import Flask
from sqlalchemy import event

from service import logs
from service.config import from_environment
from service.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _data_dir_secret(Path(app.config["DATA_DIR"]))
    _prepare_sqlite_directory(app)
    _prepare_commits(app)
    logs.configure(app.config["LOG_LEVEL"])

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
        group_commit.init_app(app, db.engine, store.write_new,
                              single_statement=db.engine.dialect.name == "postgresql")
    body_memo.init_app(app)
    cache.init_app(app)

    from workers.celery_app import celery_init_app

    celery_init_app(app)

    from service import api as api_area
    from service import auth, health, pages, rate_limits, security_headers, staff

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", auth.SECURITY_SCHEMES["bearerAuth"])
    api.spec.components.security_scheme("apiKeyHeader", auth.SECURITY_SCHEMES["apiKeyHeader"])
    api_area.register(api)
    api.register_blueprint(health.blp)
    pages.register(app)
    _register_unavailable_handlers(app)
    rate_limits.init_app(app)
    security_headers.init_app(app)
    app.session_interface = staff.CookieSessions()

    from service.cli import keys, purge, users

    app.cli.add_command(keys)
    app.cli.add_command(users)
    app.cli.add_command(purge)
    return app


def _data_dir_secret(data_dir: Path) -> str:
    """The secret kept in the data directory, made on first use, for runs without BV_SECRET_KEY."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _prepare_commits(app: Flask) -> None:
    """PostgreSQL connections without synchronous commit when SYNCHRONOUS_COMMIT is off (SQLite runs
    with synchronous=NORMAL anyway, see _sqlite_pragmas)."""
    if not app.config["SYNCHRONOUS_COMMIT"] and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {**options.get("connect_args", {}), "options": "-c synchronous_commit=off"}


def _prepare_sqlite_directory(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(connection, record) -> None:
    # WAL lets the API read while a worker writes; busy_timeout makes writers queue instead of failing.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _register_unavailable_handlers(app: Flask) -> None:
    from service.errors import error_response, where

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
