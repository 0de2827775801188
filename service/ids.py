"""Ids for new rows: UUIDv7 (RFC 9562), a millisecond timestamp followed by 74 random bits.

Ids made close in time sort close together, so a row's index entries (its primary key, the audit event's
and the denial reasons' verification_id) land on the index's last pages, which a commit of many rows
writes once between them, instead of one page per row anywhere in the index: on SQLite every page a
transaction touches is written whole to the WAL, and a random UUID gave each new row pages of its own.
Still unguessable (74 random bits); the creation time they carry is already in the row and no PHI.
"""

import os
import time
import uuid

_RANDOM_74 = (1 << 74) - 1


def uuid7() -> uuid.UUID:
    milliseconds = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big") & _RANDOM_74
    # 48 bits of time, version 7, 12 random bits, variant 10, 62 random bits.
    value = ((milliseconds & 0xFFFF_FFFF_FFFF) << 80) | (0x7 << 76) | ((random >> 62) << 64) | (0b10 << 62) \
        | (random & ((1 << 62) - 1))
    return uuid.UUID(int=value)
