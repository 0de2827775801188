"""A Flask extension holding one Redis connection pool per app."""

import threading

import redis
import redis.exceptions
from flask import current_app

# What a Redis call raises when the server cannot be reached (down, restarting, too slow): callers degrade.
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisStore:
    def init_app(self, app):
        app.extensions["redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"],
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=30,
        )
        app.extensions["redis_threads"] = threading.local()

    @property
    def client(self) -> redis.Redis:
        return current_app.extensions["redis"]

    def thread_client(self) -> redis.Redis:
        """This thread's client, holding one connection of the app's pool for the thread's life: a command
        sent on it skips the pool's checkout and return (about sixty Python calls, and a poll of the
        socket). For the hot path's one command; it connects on first use, so call it where a Redis
        error is handled."""
        threads = current_app.extensions["redis_threads"]
        if (client := getattr(threads, "client", None)) is None:
            client = threads.client = redis.Redis(connection_pool=self.client.connection_pool,
                                                  single_connection_client=True)
        return client

    def key(self, *parts: str) -> str:
        """A namespaced key; every part must already be free of PHI (an HMAC, an id)."""
        return current_app.config["REDIS_KEY_PREFIX"] + ":".join(parts)
