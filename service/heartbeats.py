"""Which Celery workers are alive, for /readyz: one Redis command, not a broadcast over the broker.

Each worker, while it consumes, records itself in one sorted set every INTERVAL_SECONDS
(workers/heartbeat.py); /readyz counts the entries fresher than FRESH_SECONDS.
"""

import time

from service.extensions import redis_store

INTERVAL_SECONDS = 5.0
FRESH_SECONDS = 3 * INTERVAL_SECONDS


def _key() -> str:
    return redis_store.key("workers")


def record(name: str) -> None:
    now = time.time()
    pipe = redis_store.client.pipeline()
    pipe.zadd(_key(), {name: now})
    pipe.zremrangebyscore(_key(), "-inf", now - 10 * FRESH_SECONDS)  # workers long gone
    pipe.execute()


def forget(name: str) -> None:
    redis_store.client.zrem(_key(), name)


def alive() -> int:
    """How many workers recorded themselves within FRESH_SECONDS."""
    return redis_store.client.zcount(_key(), time.time() - FRESH_SECONDS, "+inf")
