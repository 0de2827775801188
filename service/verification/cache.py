"""Finished results in Redis, keyed by the request's fingerprint (an HMAC: no PHI in any key or value).

Also the two pieces that let identical requests share one task: an in-flight marker per
fingerprint, and a pub/sub channel on which the task announces that it is done, with what it
wrote (the same PHI-free result the cache holds), so a waiting request need not read it back.
A new request asks for its result and, when there is none, claims the task, in one round trip
(`look_up`); a batch's fingerprints are asked and claimed together (`get_many`, `claim_many`).

Redis only speeds things up: while it is down a look-up is a miss that claims nothing, a store or
an announcement is skipped, and a wait reads the verification's row instead.
"""

import functools
import logging
from collections.abc import Iterable
from enum import Enum
from typing import NamedTuple

import orjson
from flask import current_app

from service.extensions import redis_store
from service.memo import Memo
from service.redis_store import UNAVAILABLE
from service.verification.announcements import Announcements

log = logging.getLogger(__name__)

# Longer than any task may run, so a marker left by a killed worker clears itself.
INFLIGHT_SECONDS = 600
# Parsed results kept per process, by fingerprint: a repeated request is served without parsing its result.
MEMO_SIZE = 256

# KEYS: the result, the in-flight marker. ARGV: the verification that claims the task ("" claims nothing),
# the marker's lifetime. Answers {1, result} (cached), {2} (claimed), {0} (an identical request holds it).
_LOOK_UP = """
local result = redis.call('GET', KEYS[1])
if result then return {1, result} end
if ARGV[1] ~= '' and redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return {2} end
return {0}
"""
# Clears an in-flight marker only if it is still this verification's.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Outcome(Enum):
    CACHED = 1
    CLAIMED = 2
    HELD = 0  # an identical request holds the task: wait for it
    UNAVAILABLE = -1  # Redis is down: nothing is known, nothing was claimed


class Cached:
    """A cached result: the bytes Redis holds, parsed on first use; one object per fingerprint and process,
    shared by every request that finds it, so treat it as read-only."""

    __slots__ = ("raw", "_parsed", "derived")

    def __init__(self, raw: bytes):
        self.raw = raw
        self._parsed = None
        # What callers compute from it once (the verification's result columns and denial rows).
        self.derived = None

    @property
    def result(self) -> dict:
        if self._parsed is None:
            self._parsed = orjson.loads(self.raw)
        return self._parsed


class Lookup(NamedTuple):
    outcome: Outcome
    cached: Cached | None = None


def init_app(app) -> None:
    client = app.extensions["redis"]
    app.extensions["result_cache"] = {
        "look_up": client.register_script(_LOOK_UP),
        "release": client.register_script(_RELEASE),
        "memo": Memo(MEMO_SIZE),
        "announcements": Announcements(client, app.config["REDIS_KEY_PREFIX"] + "done:"),
    }


def _extension(name: str):
    return current_app.extensions["result_cache"][name]


def _or_skip(function):
    """Run `function`; while Redis is unavailable, log that and answer None (a miss, nothing stored)."""

    @functools.wraps(function)
    def degraded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except UNAVAILABLE as error:
            log.warning("cache unavailable (%s): %s skipped", type(error).__name__, function.__name__)
            return None

    return degraded


def look_up(fingerprint: str, claim_for=None) -> Lookup:
    """The cached result of `fingerprint`; else, with `claim_for` (a verification id), claim its task for
    that verification: CLAIMED when no identical request holds it, HELD when one does."""
    keys = [redis_store.key("result", fingerprint), redis_store.key("inflight", fingerprint)]
    try:
        answer = _extension("look_up")(keys=keys, args=[str(claim_for or ""), INFLIGHT_SECONDS],
                                       client=redis_store.thread_client())
    except UNAVAILABLE as error:
        log.warning("cache unavailable (%s): look-up skipped", type(error).__name__)
        return Lookup(Outcome.UNAVAILABLE)
    if answer[0] == 1:
        return Lookup(Outcome.CACHED, _cached(fingerprint, answer[1]))
    return Lookup(Outcome(answer[0]))


def _cached(fingerprint: str, raw: bytes) -> Cached:
    """The one Cached of these bytes in this process (parsed at most once while the memo keeps it)."""
    memo = _extension("memo")
    found = memo.get(fingerprint)
    if found is None or found.raw != raw:
        found = Cached(raw)
        memo.put(fingerprint, found)
    return found


def get(fingerprint: str) -> dict | None:
    return get_many([fingerprint]).get(fingerprint)


def get_many(fingerprints: Iterable[str]) -> dict[str, dict]:
    """The cached results among `fingerprints`, by fingerprint (none while Redis is unavailable)."""
    fingerprints = list(fingerprints)
    if not fingerprints:
        return {}
    try:
        raws = redis_store.client.mget([redis_store.key("result", fingerprint) for fingerprint in fingerprints])
    except UNAVAILABLE as error:
        log.warning("cache unavailable (%s): get_many skipped", type(error).__name__)
        return {}
    return {fingerprint: orjson.loads(raw) for fingerprint, raw in zip(fingerprints, raws, strict=True) if raw}


@_or_skip
def put_many(results: dict[str, bytes]) -> None:
    """Cache results (already serialized), by fingerprint."""
    ttl = current_app.config["CACHE_TTL_SECONDS"]
    if len(results) == 1:  # a single POST's task: a pipeline would cost more than the command
        (fingerprint, result_json), = results.items()
        redis_store.client.set(redis_store.key("result", fingerprint), result_json, ex=ttl)
        return
    with redis_store.client.pipeline(transaction=False) as pipe:
        for fingerprint, result_json in results.items():
            pipe.set(redis_store.key("result", fingerprint), result_json, ex=ttl)
        pipe.execute()


def claim_many(owners: dict) -> set[str]:
    """Claim each fingerprint for its verification id; the fingerprints this call now owns."""
    with redis_store.client.pipeline(transaction=False) as pipe:
        for fingerprint, verification_id in owners.items():
            pipe.set(redis_store.key("inflight", fingerprint), str(verification_id), nx=True, ex=INFLIGHT_SECONDS)
        answers = pipe.execute()
    return {fingerprint for fingerprint, claimed in zip(owners, answers, strict=True) if claimed}


@_or_skip
def release(fingerprint: str, verification_id) -> None:
    """Give up a claim whose verification was never saved, so identical requests do not wait on it."""
    _extension("release")(keys=[redis_store.key("inflight", fingerprint)], args=[str(verification_id)])


@_or_skip
def release_and_announce(announcements: dict[str, bytes]) -> None:
    """Clear the in-flight markers of these fingerprints and publish each one's announcement, in one round trip."""
    if not announcements:
        return
    with redis_store.client.pipeline(transaction=False) as pipe:
        pipe.delete(*(redis_store.key("inflight", fingerprint) for fingerprint in announcements))
        for fingerprint, announcement in announcements.items():
            pipe.publish(redis_store.key("done", fingerprint), announcement)
        pipe.execute()


def expect(fingerprint: str):
    """Start listening for `fingerprint`'s announcement (before its task is sent, so it cannot be missed):
    a context manager whose `wait(seconds, is_done)` gives the announcement (a dict), or whether `is_done()`."""
    return _extension("announcements").expect(fingerprint)


@_or_skip
def forget(fingerprint: str) -> None:
    """Drop a cached result that no longer holds (a payer's 271 changed what its request answers)."""
    redis_store.client.delete(redis_store.key("result", fingerprint))


@_or_skip
def announce(channel: str, announcement: bytes) -> None:
    """Publish on a "done" channel other than a fingerprint's (e.g. `eligibility:<verification id>`)."""
    redis_store.client.publish(redis_store.key("done", channel), announcement)
