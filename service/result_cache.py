"""Finished results in Redis, keyed by the request's fingerprint (an HMAC: no PHI in any key or value).

Also the two pieces that let identical requests share one task: an in-flight marker per
fingerprint, and a pub/sub channel on which the task announces that it is done, with what it
wrote (the same PHI-free result the cache holds), so a waiting request need not read it back.
Each has a form for many fingerprints at once (a batch), sent in one round trip.

Redis only speeds things up: while it is down a look-up is a miss, a store or an announcement
is skipped, and a wait reads the verification's row instead. Only claiming raises, because a
request that cannot be queued must be left for the sweep.
"""

import functools
import logging
import threading
import time
from collections.abc import Iterable

import orjson
import redis.exceptions
from flask import current_app

from service.extensions import redis_store

log = logging.getLogger(__name__)

# Longer than any task may run, so a marker left by a killed worker clears itself.
INFLIGHT_SECONDS = 600
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# How often a wait reads the row while Redis cannot tell it the task is done.
POLL_SECONDS = 0.25
# Each server thread keeps its pub/sub connection between waits: a new one costs a connect and a handshake.
_thread = threading.local()


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
def put_many(results: dict[str, dict]) -> None:
    ttl = current_app.config["CACHE_TTL_SECONDS"]
    with redis_store.client.pipeline(transaction=False) as pipe:
        for fingerprint, result in results.items():
            pipe.set(redis_store.key("result", fingerprint), orjson.dumps(result), ex=ttl)
        pipe.execute()


def claim(fingerprint: str, verification_id: str) -> bool:
    """True if no identical request is being worked on; the caller then owns the task."""
    return fingerprint in claim_many({fingerprint: verification_id})


def claim_many(owners: dict) -> set[str]:
    """Claim each fingerprint for its verification id; the fingerprints this call now owns."""
    with redis_store.client.pipeline(transaction=False) as pipe:
        for fingerprint, verification_id in owners.items():
            pipe.set(redis_store.key("inflight", fingerprint), str(verification_id), nx=True, ex=INFLIGHT_SECONDS)
        answers = pipe.execute()
    return {fingerprint for fingerprint, claimed in zip(owners, answers, strict=True) if claimed}


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


def wait(fingerprint: str, seconds: float, is_done, send=None) -> dict | bool:
    """Block until the task for `fingerprint` announces it is done or `seconds` pass: the announcement
    (a dict) when one came, else whether `is_done()`.

    `send`, when given, sends the task once subscribed: it cannot have finished before, so `is_done()`
    is not asked first. Without it, `is_done()` is asked once after subscribing, so a result that
    landed before the subscription is not missed. Without Redis it is asked every POLL_SECONDS.
    """
    deadline = time.monotonic() + seconds
    channel = redis_store.key("done", fingerprint).encode()
    sent = send is None
    try:
        pubsub = _subscribed(channel)
        if send is not None:
            send()
            sent = True
        elif is_done():
            return True
        while (remaining := deadline - time.monotonic()) > 0:
            message = pubsub.get_message(timeout=remaining)
            # An announcement for this thread's previous wait may still arrive: only ours counts.
            if message is not None and message["channel"] == channel:
                return orjson.loads(message["data"])
        return is_done()
    except UNAVAILABLE as error:
        _forget_subscriber()
        if not sent:
            raise  # the task was not sent: the caller leaves it to the sweep
        log.warning("cache unavailable (%s): waiting by reading the verification", type(error).__name__)
        return _poll(deadline, is_done)
    finally:
        _unsubscribe(channel)


def _subscribed(channel: bytes):
    """This thread's pub/sub connection, subscribed to `channel`; a kept connection that Redis dropped
    since (a restart) is replaced once."""
    try:
        pubsub = _subscriber()
        pubsub.subscribe(channel)
    except UNAVAILABLE:
        _forget_subscriber()
        pubsub = _subscriber()
        pubsub.subscribe(channel)
    return pubsub


def _subscriber():
    """This thread's pub/sub connection to this app's Redis, made on first use."""
    pubsub = getattr(_thread, "pubsub", None)
    if pubsub is None or pubsub.connection_pool is not redis_store.client.connection_pool:
        _forget_subscriber()
        pubsub = _thread.pubsub = redis_store.client.pubsub(ignore_subscribe_messages=True)
    return pubsub


def _unsubscribe(channel: bytes) -> None:
    if (pubsub := getattr(_thread, "pubsub", None)) is not None:
        try:
            pubsub.unsubscribe(channel)
        except UNAVAILABLE:
            _forget_subscriber()


def _forget_subscriber() -> None:
    if (pubsub := getattr(_thread, "pubsub", None)) is not None:
        _thread.pubsub = None
        try:
            pubsub.close()
        except UNAVAILABLE:
            pass


def _poll(deadline: float, is_done) -> bool:
    while not is_done():
        if (remaining := deadline - time.monotonic()) <= 0:
            return False
        time.sleep(min(POLL_SECONDS, remaining))
    return True
