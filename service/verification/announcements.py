"""Announcements that a task is done, heard by one listener thread per server process.

The listener keeps one pub/sub connection subscribed to every "done" channel (one pattern), from
the first wait on. A request that will wait registers first, then sends its task, then sleeps until
the listener hands it the announcement: no subscribe or unsubscribe per request, and no connection
per server thread. An announcement nobody in this process waits for is dropped unread.

While the listener is not subscribed (Redis is down, or it is reconnecting), an announcement may
be missed, so a wait registered then, or one whose subscription broke while it waited, reads the
verification's row every POLL_SECONDS instead; every wait reads it once more at its deadline. The
listener stops after IDLE_SECONDS without a waiter and starts again on the next wait.
"""

import logging
import os
import threading
import time

import orjson
import redis

from service.redis_store import UNAVAILABLE

log = logging.getLogger(__name__)

# How often a wait reads the row while it cannot count on hearing the announcement.
POLL_SECONDS = 0.25
# How long a wait gives a listener that is starting to subscribe before it falls back to reading the row.
SUBSCRIBE_SECONDS = 1.0
IDLE_SECONDS = 60.0
RECONNECT_SECONDS = (0.1, 0.5, 1.0, 2.0)


class Waiter:
    """One request's wait for one fingerprint's announcement; use as a context manager."""

    __slots__ = ("_announcements", "channel", "subscription", "heard", "message")

    def __init__(self, announcements: "Announcements", channel: bytes, subscription: int | None):
        self._announcements = announcements
        self.channel = channel
        # The listener's subscription when this wait began (None: it had none): a message can be counted
        # on only while that same subscription lasts.
        self.subscription = subscription
        self.heard = threading.Event()
        self.message: bytes | None = None

    def __enter__(self) -> "Waiter":
        return self

    def __exit__(self, *exc) -> None:
        self._announcements.forget(self)

    def wait(self, seconds: float, is_done) -> dict | bool:
        """The announcement (a dict) if it comes within `seconds`, else whether `is_done()` says the work is done."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            listening = self.subscription is not None and self.subscription == self._announcements.subscription
            if self.heard.wait(remaining if listening else min(remaining, POLL_SECONDS)):
                if self.message is not None:
                    return orjson.loads(self.message)
                self.heard.clear()  # woken because the subscription broke: poll from now on
            elif not listening and is_done():
                return True
        return is_done()


class Announcements:
    """The listener of one app's "done" channels (`prefix` + fingerprint) in this process."""

    def __init__(self, client: redis.Redis, prefix: str):
        self._client = client
        self._prefix = prefix.encode()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._waiters: dict[bytes, set[Waiter]] = {}
        self._thread: threading.Thread | None = None
        # Set once a new listener's first attempt to subscribe has succeeded or failed.
        self._first_attempt = threading.Event()
        # A number per subscription that worked, None while there is none.
        self.subscription: int | None = None
        self._subscriptions = 0
        self._last_waiter = time.monotonic()

    def expect(self, fingerprint: str) -> Waiter:
        if self._pid != os.getpid():
            self._reset()  # a forked child does not have its parent's listener thread
        with self._lock:
            self._last_waiter = time.monotonic()  # a wait is coming: the listener must not stop now
            if self._thread is None:
                self._first_attempt.clear()
                self._thread = threading.Thread(target=self._listen, name=f"announcements {self._prefix.decode()}",
                                                daemon=True)
                self._thread.start()
        # A listener that is starting is given a moment to subscribe; one that is reconnecting is not waited for.
        self._first_attempt.wait(SUBSCRIBE_SECONDS)
        channel = self._prefix + fingerprint.encode()
        with self._lock:
            waiter = Waiter(self, channel, self.subscription)
            self._waiters.setdefault(channel, set()).add(waiter)
            self._last_waiter = time.monotonic()
        return waiter

    def forget(self, waiter: Waiter) -> None:
        with self._lock:
            waiting = self._waiters.get(waiter.channel)
            if waiting is not None:
                waiting.discard(waiter)
                if not waiting:
                    del self._waiters[waiter.channel]
            self._last_waiter = time.monotonic()

    def _listen(self) -> None:
        failures = 0
        while True:
            pubsub = self._client.pubsub()
            try:
                pubsub.psubscribe(self._prefix + b"*")
                failures = 0
                if self._hear(pubsub):
                    return
            except UNAVAILABLE as error:
                self._first_attempt.set()
                if failures == 0:
                    log.warning("announcements: Redis unavailable (%s); waits read the database until it is back",
                                type(error).__name__)
                failures += 1
            except Exception as error:  # a bug here must not leave every wait without its listener
                self._first_attempt.set()
                log.error("announcements: listener failed (%s); starting again", type(error).__name__)
                failures += 1
            finally:
                self._unsubscribed()
                try:
                    pubsub.close()
                except UNAVAILABLE:
                    pass
            time.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS)) - 1])
            if self._idle():
                return

    def _hear(self, pubsub) -> bool:
        """Pass announcements to their waiters; True once the listener is idle (its thread then ends)."""
        while not self._idle():
            message = pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            if message["type"] == "psubscribe":
                with self._lock:
                    self._subscriptions += 1
                    self.subscription = self._subscriptions
                self._first_attempt.set()
            elif message["type"] == "pmessage":
                with self._lock:
                    waiting = list(self._waiters.get(message["channel"], ()))
                for waiter in waiting:
                    waiter.message = message["data"]
                    waiter.heard.set()
        return True

    def _unsubscribed(self) -> None:
        """The subscription is gone: every wait that counted on it must read the row from now on."""
        with self._lock:
            self.subscription = None
            waiting = [waiter for waiters in self._waiters.values() for waiter in waiters]
        for waiter in waiting:
            waiter.heard.set()

    def _idle(self) -> bool:
        """True after IDLE_SECONDS without a waiter; the thread is then forgotten (the next wait starts another)
        and must end at once."""
        with self._lock:
            if self._waiters or time.monotonic() - self._last_waiter < IDLE_SECONDS:
                return False
            self._thread = None
            return True
