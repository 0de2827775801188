"""A Flask extension holding one Redis connection pool per app."""

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

    @property
    def client(self) -> redis.Redis:
        return current_app.extensions["redis"]

    def key(self, *parts: str) -> str:
        """A namespaced key; every part must already be free of PHI (an HMAC, an id)."""
        return current_app.config["REDIS_KEY_PREFIX"] + ":".join(parts)
