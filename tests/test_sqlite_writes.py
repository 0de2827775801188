"""SQLite writers in several processes queue on the write lock (service/sqlite_writes.py) rather than in
SQLite's busy handler. With busy_timeout=0 any writer that met SQLite's own lock would fail at once
with 'database is locked', so none failing proves they all waited their turn on the file lock."""

import multiprocessing
import sqlite3
import threading

import pytest
import sqlalchemy
from sqlalchemy import event, text

from service import sqlite_writes

PROCESSES, THREADS, TRANSACTIONS = 2, 4, 60


def write_rows(path: str, queued: bool, process: int) -> tuple[int, int]:
    """In a process of its own: THREADS threads, each committing TRANSACTIONS two-row transactions (every
    other thread in autocommit mode instead); (rows written, 'database is locked' errors)."""
    connect_args = {"factory": sqlite_writes.connection_class(path)} if queued else {}
    engine = sqlalchemy.create_engine(f"sqlite:///{path}", connect_args=connect_args, pool_size=THREADS)
    event.listen(engine, "connect", lambda connection, record: connection.execute("PRAGMA busy_timeout=0"))
    written, locked = [], []

    def writer(thread: int) -> None:
        autocommit = thread % 2 == 1
        for number in range(TRANSACTIONS):
            try:
                if autocommit:
                    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                        connection.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": f"{process}.{thread}.{number}a"})
                        connection.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": f"{process}.{thread}.{number}b"})
                else:
                    with engine.begin() as connection:
                        connection.execute(text("SELECT count(*) FROM t")).scalar()
                        connection.execute(text("INSERT INTO t (who) VALUES (:who)"), [
                            {"who": f"{process}.{thread}.{number}a"}, {"who": f"{process}.{thread}.{number}b"}])
                written.append(2)
            except sqlalchemy.exc.OperationalError as error:
                assert "database is locked" in str(error), error
                locked.append(1)

    threads = [threading.Thread(target=writer, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return sum(written), len(locked)


def concurrent_writes(path, queued: bool) -> tuple[int, int, int]:
    """(rows the processes say they wrote, rows in the table, 'database is locked' errors)."""
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who TEXT UNIQUE)")
        setup.execute("DELETE FROM t")
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        outcomes = pool.starmap(write_rows, [(str(path), queued, process) for process in range(PROCESSES)])
    with sqlite3.connect(path) as check:
        stored = check.execute("SELECT count(*) FROM t").fetchone()[0]
    return sum(written for written, _ in outcomes), stored, sum(locked for _, locked in outcomes)


def test_writers_of_two_processes_queue_instead_of_meeting_a_locked_database(tmp_path):
    written, stored, locked = concurrent_writes(tmp_path / "queued.sqlite3", queued=True)

    assert locked == 0
    assert written == stored == PROCESSES * THREADS * TRANSACTIONS * 2


def test_without_the_queue_the_same_writers_meet_a_locked_database(tmp_path):
    """What the queue prevents: SQLite's own lock, met by a writer that must then wait (here: fail at once)."""
    _, stored, locked = concurrent_writes(tmp_path / "unqueued.sqlite3", queued=False)

    assert locked > 0
    assert stored < PROCESSES * THREADS * TRANSACTIONS * 2


@pytest.mark.db
def test_the_apps_sqlite_connections_queue_their_writes(app, backend):
    from service.extensions import db

    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            assert isinstance(connection.driver_connection, sqlite_writes.QueuedWriter) == (backend == "sqlite")
        finally:
            connection.close()
