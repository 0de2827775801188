"""Byte-identical request bodies validated once: the intake form sends the same body again (a retry,
a re-check at check-in), and validating it is a large part of answering it from the cache.

Validation depends on the day (dates are checked against today) and on the app's settings, so the
memo is per app and keyed by the day as well as by a digest of the body. Bodies hold PHI: the memo
lives in this process's memory only, holds a bounded number of bodies, and is keyed by a digest.
"""

import hashlib
from datetime import date

from flask import Flask, current_app

from service.memo import Memo

SIZE = 512


class Validated(dict):
    """A body as the schema loaded it, shared by every request that sends the same bytes: read it, never
    change it. `derived` holds what the service computed from it once (the canonical form and its digests, with the
    rule version they were computed for)."""

    __slots__ = ("derived",)

    def __init__(self, loaded: dict):
        super().__init__(loaded)
        self.derived = None


def key(schema, body: bytes) -> tuple:
    return id(schema), hashlib.blake2b(body, digest_size=16).digest(), date.today()


def init_app(app: Flask) -> None:
    app.extensions["body_memo"] = Memo(SIZE)


def memo() -> Memo:
    return current_app.extensions["body_memo"]
