"""Data at rest: the SQLite database and its -wal/-shm files are readable by the service's user alone."""

import stat

from flask_migrate import upgrade
from sqlalchemy import text

from service import create_app
from service.extensions import db
from tests.conftest import app_config


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def written(tmp_path, database):
    app = create_app(app_config("sqlite", f"sqlite:///{database}", tmp_path))
    with app.app_context():
        upgrade()
        # Open a second connection while the first holds the WAL: SQLite keeps -wal and -shm while any is open.
        with db.engine.connect() as connection:
            connection.execute(text("INSERT INTO api_keys (prefix, key_hash, role, label, created_at) VALUES ('p', 'h', 'intake', '', CURRENT_TIMESTAMP)"))
            connection.commit()
            files = [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
            modes = {path.name: mode(path) for path in files}
        db.engine.dispose()
    return modes


def test_a_new_database_and_its_wal_and_shm_are_private(tmp_path):
    database = tmp_path / "data" / "verifications.sqlite3"

    assert written(tmp_path, database) == {
        "verifications.sqlite3": 0o600, "verifications.sqlite3-wal": 0o600, "verifications.sqlite3-shm": 0o600,
    }
    assert mode(database.parent) == 0o700


def test_a_database_left_readable_by_others_is_narrowed(tmp_path):
    database = tmp_path / "verifications.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)

    assert set(written(tmp_path, database).values()) == {0o600}
