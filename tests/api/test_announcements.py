"""A waiting POST hears that its task is done from one listener per process (service/verification/announcements.py).

Each wait hears its own announcement and no other; when Redis restarts the listener subscribes
again by itself; a wait whose subscription broke ends as soon as the row is finished, not at its
deadline; and a listener that went idle is back for the next wait.
"""

import threading
import time

import orjson
import redis

from service.verification import announcements
from service.verification.announcements import Announcements
from tests.faults.private_services import private_redis, wait_until

PREFIX = "bvtest:done:"


def announce(client: redis.Redis, fingerprint: str, status: str = "complete") -> None:
    client.publish(PREFIX + fingerprint, orjson.dumps({"status": status}))


def never_done() -> bool:
    return False


def test_each_wait_hears_its_own_announcement_only(tmp_path):
    with private_redis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        listener = Announcements(client, PREFIX)
        with listener.expect("first") as first, listener.expect("second") as second:
            announce(client, "first")

            assert first.wait(5, never_done) == {"status": "complete"}
            assert second.wait(0.3, never_done) is False, "no announcement of its own: the row is read at the deadline"


def test_the_listener_subscribes_again_after_redis_restarts(tmp_path):
    with private_redis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        listener = Announcements(client, PREFIX)
        with listener.expect("before") as before:
            announce(client, "before")
            assert before.wait(5, never_done) == {"status": "complete"}

            server.stop()
            server.start()
            wait_until(lambda: listener.subscription is not None, 10, "the listener subscribed again")
            with listener.expect("after") as after:
                announce(client, "after", "failed")

                assert after.wait(5, never_done) == {"status": "failed"}


def test_a_wait_that_lost_its_subscription_ends_when_the_row_is_finished(tmp_path, monkeypatch):
    monkeypatch.setattr(announcements, "POLL_SECONDS", 0.05)
    finished = threading.Event()
    with private_redis(tmp_path) as server:
        listener = Announcements(redis.Redis.from_url(server.url), PREFIX)
        with listener.expect("lost") as waiting:
            server.stop()
            threading.Timer(0.5, finished.set).start()
            started = time.monotonic()

            assert waiting.wait(20, finished.is_set) is True
            assert time.monotonic() - started < 5, "it read the row instead of waiting out its 20 s"


def test_a_wait_after_the_listener_went_idle_still_hears_its_announcement(tmp_path, monkeypatch):
    monkeypatch.setattr(announcements, "IDLE_SECONDS", 0.2)
    with private_redis(tmp_path) as server:
        client = redis.Redis.from_url(server.url)
        listener = Announcements(client, PREFIX)
        with listener.expect("early"):
            pass
        wait_until(lambda: not _listening_threads(), 10, "the idle listener stopped")

        with listener.expect("later") as later:
            announce(client, "later")

            assert later.wait(5, never_done) == {"status": "complete"}
            assert len(_listening_threads()) == 1


def _listening_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == f"announcements {PREFIX}" and thread.is_alive()]


def test_while_redis_is_down_a_wait_reads_the_row_without_waiting_for_the_listener(tmp_path, monkeypatch):
    monkeypatch.setattr(announcements, "POLL_SECONDS", 0.05)
    with private_redis(tmp_path) as server:
        server.stop()
        listener = Announcements(redis.Redis.from_url(server.url), PREFIX)
        for fingerprint in ("first", "second"):
            started = time.monotonic()
            with listener.expect(fingerprint) as waiting:
                assert waiting.wait(10, lambda: True) is True
            assert time.monotonic() - started < 0.5, "the row was read at once, not after waiting on the listener"
