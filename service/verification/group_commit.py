"""New rows of many concurrent requests written in one transaction: a group commit.

A request thread hands `write()` what it must save (a new verification with its denial reasons and
audit event) and returns once it is committed, as if it had committed it itself. Whichever thread
finds no write under way leads: it takes every request's items queued so far, writes them with the
group's write function (on PostgreSQL, one statement for the whole group) and commits once; then
the first thread that queued meanwhile leads the next group. Under load a group holds several
requests, so each pays a fraction of the round trips, of the statement overhead and of the commit's
flush to disk; alone, a request pays what it would have paid on its own (no background thread, no
hand-off), and where the write is one statement (`single_statement`), not even a BEGIN or COMMIT.

A group that fails on a constraint (an Idempotency-Key used twice at once) is written again request
by request, so only the request that broke it gets the error.
"""

import threading
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

# What a group's leader calls with one connection and every queued item, in order.
WriteAll = Callable[[Connection, list], None]


class _Write:
    __slots__ = ("item", "ready", "leads", "error")

    def __init__(self, item):
        self.item = item
        self.ready = threading.Event()
        self.leads = False
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, engine: Engine, write_all: WriteAll, *, single_statement: bool = False):
        self._engine = engine
        self._write_all = write_all
        # `write_all` writes a whole group in one statement (PostgreSQL): atomic as it is, so no BEGIN or COMMIT.
        self._single_statement = single_statement
        self._lock = threading.Lock()
        self._queued: list[_Write] = []
        self._leading = False

    def write(self, item) -> None:
        """Write `item` (with the others of its group) and commit it; raises what the database raised for it."""
        mine = _Write(item)
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
            self._insert([write.item for write in group])
        except IntegrityError as error:
            if len(group) == 1:
                group[0].error = error
            else:
                for write in group:
                    try:
                        self._insert([write.item])
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

    def _insert(self, items: list) -> None:
        if self._single_statement:
            with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                self._write_all(connection, items)
            return
        with self._engine.begin() as connection:
            self._write_all(connection, items)


def init_app(app: Flask, engine: Engine, write_all: WriteAll, *, single_statement: bool = False) -> None:
    app.extensions["group_commit"] = GroupCommit(engine, write_all, single_statement=single_statement)


def write(item) -> None:
    current_app.extensions["group_commit"].write(item)
