"""New rows of many concurrent requests written in one transaction: a group commit.

A request thread hands `write()` what it must save (a new verification with its denial reasons and
audit event) and returns once it is committed, as if it had committed it itself. Whichever thread
finds a lane free leads: it takes every request's items queued so far, writes them with the
group's write function (on PostgreSQL, one statement for the whole group) and commits once; then
the first thread that queued meanwhile leads the next group in that lane. Under load a group holds several
requests, so each pays a fraction of the round trips, of the statement overhead and of the commit's
flush to disk; alone, a request pays what it would have paid on its own (no background thread, no
hand-off), and where the write is one statement (`single_statement`), not even a BEGIN or COMMIT.
On PostgreSQL up to `lanes` groups are written at once (GROUP_COMMIT_LANES), each by its own leader:
one group waiting for its commit's flush to disk then does not hold up the requests that arrive
meanwhile, and PostgreSQL flushes concurrent commits together (SQLite has one writer: one lane).
Each lane keeps its connection from one group to the next instead of checking one out of the pool
and back (a third of the write's CPU on PostgreSQL, a fifth on SQLite); a connection error drops
it, and the next group connects afresh.

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
    __slots__ = ("item", "ready", "group", "error")

    def __init__(self, item):
        self.item = item
        self.ready = threading.Event()
        # Set when this write leads: the group it writes (itself first).
        self.group: list[_Write] | None = None
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, engine: Engine, write_all: WriteAll, *, single_statement: bool = False, lanes: int = 1):
        self._engine = engine
        self._write_all = write_all
        # `write_all` writes a whole group in one statement (PostgreSQL): atomic as it is, so no BEGIN or COMMIT.
        self._single_statement = single_statement
        # How many groups may be written at once (each on its own connection): one for SQLite, which has
        # one writer anyway.
        self._lanes = lanes if single_statement else 1
        self._lock = threading.Lock()
        self._queued: list[_Write] = []
        self._leaders = 0
        # The leaders' connections not in use, and the process that opened them.
        self._connections: list[Connection] = []
        self._connections_pid = os.getpid()
        # Connections a parent process held when it forked: the child never uses them, nor lets them be
        # collected (closing one would end the parent's session).
        self._inherited: list[Connection] = []

    def write(self, item) -> None:
        """Write `item` (with the others of its group) and commit it; raises what the database raised for it."""
        mine = _Write(item)
        with self._lock:
            self._queued.append(mine)
            if self._leaders < self._lanes:
                self._leaders += 1
                mine.group, self._queued = self._queued, []
        if mine.group is None:
            mine.ready.wait()  # until its group is written, or it is handed the next group to write
        if mine.group is not None:
            self._lead(mine.group)
        if mine.error is not None:
            raise mine.error

    def _lead(self, group: list[_Write]) -> None:
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queued:
                    # The first to queue leads the next group, with everything queued meanwhile.
                    successor = self._queued[0]
                    successor.group, self._queued = self._queued, []
                    successor.ready.set()
                else:
                    self._leaders -= 1

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
                write.group = None
                write.ready.set()

    def _insert(self, items: list) -> None:
        connection = self._connection()
        try:
            if self._single_statement:
                self._write_all(connection, items)
            else:
                with connection.begin():
                    self._write_all(connection, items)
        except IntegrityError:
            self._connections.append(connection)  # the statement failed, the connection is fine
            raise
        except Exception:
            # The database went away, say: this connection is not used again; the next group connects afresh.
            with contextlib.suppress(Exception):
                connection.invalidate()
                connection.close()
            raise
        self._connections.append(connection)

    def _connection(self) -> Connection:
        """A leader's autocommit connection: one not in use, else a new one (there are at most `lanes`)."""
        if self._connections_pid != os.getpid():
            self._inherited.extend(self._connections)
            self._connections, self._connections_pid = [], os.getpid()
        try:
            return self._connections.pop()
        except IndexError:
            connection = self._engine.connect()
            return connection.execution_options(isolation_level="AUTOCOMMIT") if self._single_statement else connection


def init_app(app: Flask, engine: Engine, write_all: WriteAll, *, single_statement: bool = False, lanes: int = 1) -> None:
    app.extensions["group_commit"] = GroupCommit(engine, write_all, single_statement=single_statement, lanes=lanes)


def write(item) -> None:
    current_app.extensions["group_commit"].write(item)
