"""Requests per API key and minute, by the key's role (fixed windows, counted in Redis by one script).

A staff user signed in to the console is counted like a key, by their role. A request with
neither is counted by client address, under the anonymous limit, so guessing keys (or staff
passwords at /login) is slow too. The counters live under the app's Redis key prefix and hold key ids
only; while Redis is down they are kept in memory, so an outage never turns into 429s or 500s.

Password guessing is slowed per account as well (`SignInFailures`): a few failed sign-ins are free,
then each further one makes that account wait longer, whichever addresses the attempts come from; the
per-address limit stays generous, so one office behind one address is not locked out by one person's typos.

One check per request, before the view, and one Redis command: a script that counts the request
and, past the limit, answers the seconds left in the window; sent on the request thread's own
connection (`redis_store.thread_client`). flask-limiter's per-request machinery (limits re-resolved
and re-parsed on every call) cost as much as the rest of answering a cached verification, and the
`limits` library's Redis storage (its own pool, a second command for the window's end) most of what
remained; `limits` still counts in memory while Redis is down.
"""

import logging
import math
import threading
import time

import redis.exceptions
import sqlalchemy.exc
from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from service import auth, staff
from service.errors import error_response
from service.extensions import redis_store
from service.signing import sign

log = logging.getLogger(__name__)
UNAVAILABLE = (redis.exceptions.RedisError, StorageError)
# After Redis fails, counters stay in memory this long before Redis is tried again.
RETRY_REDIS_SECONDS = 5.0
# KEYS: the counter. ARGV: the window's seconds, the requests it allows. Counts one request; answers -1 while
# within the limit, else the seconds until the window ends. The window starts at its first request.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count <= tonumber(ARGV[2]) then return -1 end
local left = redis.call('TTL', KEYS[1])
if left < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
end
return left
"""


class RateLimits:
    """Fixed-window counters in Redis, or in this process's memory while Redis is unavailable."""

    def __init__(self, redis_client, key_prefix: str):
        self._hit = redis_client.register_script(_HIT)
        self._key_prefix = key_prefix
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._redis_after = 0.0
        self._items: dict[str, RateLimitItem] = {}
        self._lock = threading.Lock()

    def retry_after(self, limit: str, who: str) -> int | None:
        """Count one request of `who` under `limit` ("300/minute"): None if it is allowed, else the seconds
        until the window resets."""
        if (item := self._items.get(limit)) is None:
            item = self._items[limit] = parse(limit)
        if time.monotonic() >= self._redis_after:
            try:
                left = self._hit(keys=[self._key_prefix + item.key_for(who)], args=[item.get_expiry(), item.amount],
                                 client=redis_store.thread_client())
                return None if left < 0 else max(1, left)
            except UNAVAILABLE as error:
                log.warning("rate limit counters unavailable in Redis (%s): counting in memory", type(error).__name__)
                with self._lock:
                    self._redis_after = time.monotonic() + RETRY_REDIS_SECONDS
        if self._memory.hit(item, who):
            return None
        return max(1, int(self._memory.get_window_stats(item, who).reset_time - time.time()))


class SignInFailures:
    """Failed sign-ins per account, in Redis (in this process's memory while Redis is down). Accounts are keyed
    by an HMAC of the username, known or not, so a wait never tells which usernames exist."""

    # A count with no new failure for this long starts again from nothing.
    FORGET_AFTER_SECONDS = 24 * 3600
    MEMORY_ACCOUNTS = 10_000

    def __init__(self, client, key_prefix: str, free: int, first_wait: float, longest_wait: float):
        self._client, self._prefix = client, key_prefix
        self._free, self._first_wait, self._longest_wait = free, first_wait, longest_wait
        self._memory: dict[str, tuple[int, float]] = {}  # key -> (failures, monotonic end of the wait)
        self._lock = threading.Lock()

    def wait_after(self, failures: int) -> float:
        """Seconds an account waits after its `failures`-th failure in a row: none for the free ones, then doubling."""
        if failures < self._free:
            return 0.0
        return min(self._first_wait * 2 ** (failures - self._free), self._longest_wait)

    def _key(self, username: str) -> str:
        return self._prefix + sign("sign-in-failures", staff.normal_username(username).encode())[:32]

    def retry_after(self, username: str) -> int | None:
        """Seconds before this account may try again, or None when it may now."""
        key = self._key(username)
        try:
            until = float(self._client.hget(key, "until") or 0) - time.time()
        except UNAVAILABLE:
            until = self._memory.get(key, (0, 0.0))[1] - time.monotonic()
        return math.ceil(until) if until > 0 else None

    def failed(self, username: str) -> None:
        key = self._key(username)
        try:
            with self._client.pipeline() as pipe:
                failures = pipe.hincrby(key, "failures", 1).expire(key, self.FORGET_AFTER_SECONDS).execute()[0]
                if wait := self.wait_after(failures):
                    self._client.hset(key, "until", time.time() + wait)
            return
        except UNAVAILABLE as error:
            log.warning("sign-in failures unavailable in Redis (%s): counting in memory", type(error).__name__)
        with self._lock:
            if len(self._memory) >= self.MEMORY_ACCOUNTS:
                self._memory.clear()
            failures = self._memory.get(key, (0, 0.0))[0] + 1
            self._memory[key] = (failures, time.monotonic() + self.wait_after(failures))

    def succeeded(self, username: str) -> None:
        key = self._key(username)
        self._memory.pop(key, None)
        try:
            self._client.delete(key)
        except UNAVAILABLE:
            pass


def sign_in_wait(username: str) -> int | None:
    """Seconds this account must wait before its password is checked again, or None."""
    return current_app.extensions["sign_in_failures"].retry_after(username)


def count_sign_in(username: str, succeeded: bool) -> None:
    failures = current_app.extensions["sign_in_failures"]
    if succeeded:
        failures.succeeded(username)
    else:
        failures.failed(username)


def _caller():
    """(the request's live key, else its signed-in staff user, else None; whether they could be looked up at all).

    A request that presents a key is judged by the key alone, as `auth.requires` judges it.
    """
    try:
        if auth.presented_key():
            return auth.current_key(), True
        return staff.signed_in(), True
    except sqlalchemy.exc.SQLAlchemyError:
        return None, False


def _limited() -> bool:
    """Only the API and password attempts are limited."""
    return request.path.startswith("/api/") or (request.path == "/login" and request.method == "POST")


def check_rate_limit():
    """Before every request: a 429 once the caller is over their limit. A request whose caller cannot be
    looked up (database down) is not counted: it gets its 503 instead."""
    if not _limited():
        return None
    caller, looked_up = _caller()
    if not looked_up:
        return None
    if caller is None:
        who, role = f"addr:{request.remote_addr}", "ANONYMOUS"
    else:
        who = f"key:{caller.id}" if isinstance(caller, auth.KeyOnFile) else f"user:{caller.id}"
        role = caller.role.upper()
    limit = current_app.config[f"RATE_LIMIT_{role}"]
    retry_after = current_app.extensions["rate_limits"].retry_after(limit, who)
    if retry_after is None:
        return None
    return error_response(
        429, f"Too many requests for this key ({limit.replace('/', ' per ')}); try again in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )


ROLES = ("INTAKE", "BILLING", "ADMIN", "ANONYMOUS")


def init_app(app: Flask) -> RateLimits:
    for role in ROLES:
        try:
            parse(app.config[f"RATE_LIMIT_{role}"])
        except ValueError as error:
            raise ValueError(f"BV_RATE_LIMIT_{role} must read like 300/minute: {error}") from None
    # One set of counters per app (like the Celery app): the tests run apps on different Redis servers side by side.
    limits = RateLimits(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"] + "ratelimit:")
    app.extensions["rate_limits"] = limits
    app.extensions["sign_in_failures"] = SignInFailures(
        app.extensions["redis"], app.config["REDIS_KEY_PREFIX"] + "signin:", app.config["LOGIN_FREE_FAILURES"],
        app.config["LOGIN_BACKOFF_SECONDS"], app.config["LOGIN_BACKOFF_MAX_SECONDS"],
    )
    app.before_request(check_rate_limit)
    return limits
