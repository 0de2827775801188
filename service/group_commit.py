"""New rows of many concurrent requests written in one transaction: a group commit.

A request thread hands `write()` the rows it must save (a verification, its denial reasons, its audit
event) and returns once they are committed, as if it had committed them itself. Whichever thread finds
no write under way leads: it takes every request's rows queued so far, inserts them table by table
(one multi-row INSERT each) and commits once; then the first thread that queued meanwhile leads the
next group. Under load a group holds several requests, so each pays a fraction of the round trips,
of the statement overhead and of the commit's flush to disk; alone, a request pays what it would
have paid on its own (no background thread, no hand-off).

A group that fails on a constraint (an Idempotency-Key used twice at once) is written again request
by request, so only the request that broke it gets the error.
"""

import threading
from collections.abc import Sequence

from flask import Flask, current_app
from sqlalchemy import Engine, Table, insert
from sqlalchemy.exc import IntegrityError

Rows = Sequence[tuple[Table, list[dict]]]


class _Write:
    __slots__ = ("rows", "ready", "leads", "error")

    def __init__(self, rows: Rows):
        self.rows = rows
        self.ready = threading.Event()
        self.leads = False
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._queued: list[_Write] = []
        self._leading = False

    def write(self, rows: Rows) -> None:
        """Insert `rows` ((table, [row, …]) in an order the foreign keys accept) and commit them; raises what the
        database raised for them."""
        mine = _Write(rows)
        with self._lock:
            self._queued.append(mine)
            leads = mine.leads = not self._leading
            self._leading = True
        if not leads:
            mine.ready.wait()
        if mine.leads:
            self._lead()
        if mine.error is not None:
            raise mine.error

    def _lead(self) -> None:
        with self._lock:
            group, self._queued = self._queued, []
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queued:
                    successor = self._queued[0]
                    successor.leads = True
                    successor.ready.set()
                else:
                    self._leading = False

    def _commit(self, group: list[_Write]) -> None:
        try:
            self._insert([write.rows for write in group])
        except IntegrityError as error:
            if len(group) == 1:
                group[0].error = error
            else:
                for write in group:
                    try:
                        self._insert([write.rows])
                    except Exception as alone:
                        write.error = alone  # raised in the thread of the request that owns these rows
        except Exception as error:
            # The database is down, say: every request of the group gets the error (a 503).
            for write in group:
                write.error = error
        finally:
            for write in group:
                write.leads = False
                write.ready.set()

    def _insert(self, groups: list[Rows]) -> None:
        tables: dict[Table, list[dict]] = {}
        for rows in groups:
            for table, table_rows in rows:
                tables.setdefault(table, []).extend(table_rows)
        with self._engine.begin() as connection:
            for table, table_rows in tables.items():
                if table_rows:
                    connection.execute(insert(table), table_rows)


def init_app(app: Flask, engine: Engine) -> None:
    app.extensions["group_commit"] = GroupCommit(engine)


def write(rows: Rows) -> None:
    current_app.extensions["group_commit"].write(rows)
