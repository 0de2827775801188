"""New rows of many concurrent requests written in one transaction: a group commit.

A request thread hands `write()` what it must save (a new verification with its denial reasons and
audit event) and returns once it is committed, as if it had committed it itself. Whichever thread
finds no write under way leads: it takes every request's items queued so far, writes them with the
group's write function (on PostgreSQL, one statement for the whole group) and commits once; then
the first thread that queued meanwhile leads the next group. Under load a group holds several
requests, so each pays a fraction of the round trips, of the statement overhead and of the commit's
flush to disk; alone, a request pays what it would have paid on its own (no background thread, no
hand-off), and where the write is one statement (`single_statement`), not even a BEGIN or COMMIT.
Since only one leader writes at a time, a process's leaders share one connection to PostgreSQL,
held from the first write on: a group does not check one out of the pool and back (a third of the
write's CPU). A connection error drops it, and the next group connects afresh.

A group that fails on a constraint (an Idempotency-Key used twice at once) is written again request
by request, so only the request that broke it gets the error.
"""

import contextlib
import os
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
        # The leaders' connection (single_statement only), and the process that opened it.
        self._connection: Connection | None = None
        self._connection_pid = 0
        # Connections a parent process held when it forked: the child never uses them, nor lets them be
        # collected (closing one would end the parent's session).
        self._inherited: list[Connection] = []

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
            connection = self._held()
            try:
                self._write_all(connection, items)
            except IntegrityError:
                raise  # the statement failed, the connection is fine
            except Exception:
                self._drop()
                raise
            return
        with self._engine.begin() as connection:
            self._write_all(connection, items)

    def _held(self) -> Connection:
        """The leaders' autocommit connection (only a leader calls this, so one thread at a time)."""
        if self._connection is not None and self._connection_pid != os.getpid():
            self._inherited.append(self._connection)
            self._connection = None
        if self._connection is None:
            self._connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._connection_pid = os.getpid()
        return self._connection

    def _drop(self) -> None:
        """Forget a connection that failed (the database went away, say), so the next group connects again."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.invalidate()
                connection.close()


def init_app(app: Flask, engine: Engine, write_all: WriteAll, *, single_statement: bool = False) -> None:
    app.extensions["group_commit"] = GroupCommit(engine, write_all, single_statement=single_statement)


def write(item) -> None:
    current_app.extensions["group_commit"].write(item)
