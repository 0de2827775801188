"""What a PostgreSQL crash could undo: never what the API accepted, nor what the worker promised; at worst
the worker's last results, which the sweep makes again (SYNCHRONOUS_COMMIT in service/config.py)."""

import subprocess
import sys

from flask_migrate import upgrade
from sqlalchemy import insert, text

from schemas.verification_request import VerificationRequestSchema
from service import create_app
from service.extensions import db
from service.models import Batch, Verification
from service.verification import row as verification_row
from service.verification import store
from service.verification.accept import request_columns
from tests.conftest import RUN, app_config, postgres_database
from tests.requests import body


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


def test_the_worker_commits_what_it_promises_durably(tmp_path, monkeypatch):
    # A batch marked complete is never completed again (its webhook goes out exactly then): a PostgreSQL
    # crash must not undo it, even from the worker, whose other commits do not wait for the disk.
    with postgres_database(f"bv_promises_{RUN}") as url:
        app = create_app(app_config("postgresql", url, tmp_path) | {"SYNCHRONOUS_COMMIT": False})
        with app.app_context():
            upgrade()
            batch = Batch(total=1)
            db.session.add(batch)
            db.session.commit()
            row = verification_row.new(request_columns(VerificationRequestSchema().load(body())), batch_id=batch.id, batch_row=1,
                                      status="complete")
            db.session.execute(insert(Verification), [row._asdict()])
            db.session.commit()
            settings_at_commit = []
            commit = db.session.commit

            def watched_commit():
                settings_at_commit.append(db.session.scalar(text("SHOW synchronous_commit")))
                commit()

            monkeypatch.setattr(db.session, "commit", watched_commit)
            completed = store.complete_batches([row.id])
            monkeypatch.undo()
            default = db.session.scalar(text("SHOW synchronous_commit"))
            db.session.remove()
            db.engine.dispose()

    assert completed == [batch.id]
    assert settings_at_commit == ["on"] and default == "off"
