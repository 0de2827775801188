"""The Redis broker transport, with one redis-py client per channel instead of one per message sent.

kombu's Redis channel builds a new `redis.Redis` for every message it publishes (on a pooled
connection, but the client object itself: redis-py fills two dictionaries of some 160 response
callbacks each time), which cost an uncached POST more than the LPUSH it sends. A channel is
used by one producer at a time (Celery's producer pool hands it out), so its client is kept.

`SocketTransport` is the same over a Unix socket (`make run`'s Redis): kombu spells that broker
`redis+socket://`, a prefix that names kombu's own transport whatever `broker_transport` says, so
the URL is `socket://<path>` instead, handed to the channel as it is (which reads the path from it).
"""

from contextlib import contextmanager

from kombu.transport import redis


class Channel(redis.Channel):
    _publishing_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        if self._publishing_client is None:
            self._publishing_client = self._create_client()
        yield self._publishing_client


class Transport(redis.Transport):
    Channel = Channel


class SocketTransport(Transport):
    # kombu leaves the URL whole (no host, port or database to take from it): the channel parses `socket://`.
    can_parse_url = True
