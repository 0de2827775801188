"""Byte-identical request bodies validated once: the intake form sends the same body again (a retry,
a re-check at check-in), and validating it is a large part of answering it from the cache.

Validation depends on the day (dates are checked against today) and on the app's settings, so the
memo is per app and keyed by the day as well as by a digest of the body. Bodies hold PHI: the memo
lives in this process's memory only, holds a bounded number of bodies, and is keyed by a digest.
"""

import hashlib
import threading
from collections import OrderedDict
from datetime import date

from flask import Flask, current_app

SIZE = 512


class Validated(dict):
    """A body as the schema loaded it, shared by every request that sends the same bytes: read it, never
    change it. `derived` holds what the service computed from it once (the canonical form and its digests, with the
    rule version they were computed for)."""

    __slots__ = ("derived",)

    def __init__(self, loaded: dict):
        super().__init__(loaded)
        self.derived = None


class BodyMemo:
    """The most recently seen validated bodies (least recently used dropped first)."""

    def __init__(self, size: int = SIZE):
        self._size = size
        self._entries: OrderedDict[tuple, Validated] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Validated | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple, value: Validated) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def key(schema, body: bytes) -> tuple:
    return id(schema), hashlib.blake2b(body, digest_size=16).digest(), date.today()


def init_app(app: Flask) -> None:
    app.extensions["body_memo"] = BodyMemo()


def memo() -> BodyMemo:
    return current_app.extensions["body_memo"]
