"""What a PostgreSQL crash could undo: never what the API accepted; at worst the worker's last results,
which the sweep makes again (SYNCHRONOUS_COMMIT in service/config.py)."""

import subprocess
import sys

from sqlalchemy import text

from service import create_app
from service.extensions import db
from tests.conftest import RUN, app_config, postgres_database


def test_only_the_worker_commits_without_waiting_for_the_disk(tmp_path):
    settings = {}
    with postgres_database(f"bv_commits_{RUN}") as url:
        for name, synchronous in (("api", True), ("worker", False)):
            app = create_app(app_config("postgresql", url, tmp_path) | {"SYNCHRONOUS_COMMIT": synchronous})
            with app.app_context():
                settings[name] = db.session.scalar(text("SHOW synchronous_commit"))
                db.session.remove()
                db.engine.dispose()

    assert settings == {"api": "on", "worker": "off"}


def test_the_procfile_worker_is_the_one_that_does_not_wait(tmp_path):
    # workers/make_celery.py is what `celery -A workers.make_celery worker` (Procfile, docker-compose) loads.
    shown = subprocess.run(
        [sys.executable, "-c", "from workers.make_celery import flask_app as app; "
                               "from service import create_app; "
                               "print(app.config['SYNCHRONOUS_COMMIT'], create_app().config['SYNCHRONOUS_COMMIT'])"],
        env={"BV_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60,
    )
    assert shown.stdout.split() == ["False", "True"], shown.stderr
