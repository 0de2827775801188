"""Sending tasks: one broker client per channel, kept from message to message, whether Redis is reached
over TCP or over a Unix socket (`make run`'s Redis)."""

import secrets
import uuid
from contextlib import contextmanager
from unittest import mock

import pytest
import redis

from service import queue
from tests.conftest import another_app, delete_keys
from tests.faults.private_services import private_redis


@contextmanager
def tcp_redis(app, tmp_path):
    yield app.config["REDIS_URL"]


@contextmanager
def socket_redis(app, tmp_path):
    with private_redis(tmp_path) as server:
        yield server.url


@pytest.mark.parametrize("reached", [tcp_redis, socket_redis], ids=["tcp", "unix-socket"])
def test_sending_tasks_builds_no_redis_client_per_message(app, tmp_path, reached):
    prefix, name = f"bvtest-broker-{secrets.token_hex(3)}:", f"bvtest-broker-{secrets.token_hex(3)}"
    with reached(app, tmp_path) as url, another_app(app, REDIS_URL=url, REDIS_KEY_PREFIX=prefix, CELERY_QUEUE=name) as sender:
        client = redis.Redis.from_url(url)
        try:
            with sender.test_request_context():
                queue.verify(uuid.uuid4())  # the producer's channel, and its client, are made here
                with mock.patch.object(redis.Redis, "__init__", side_effect=AssertionError("a client built for one message")):
                    for _ in range(5):
                        queue.verify(uuid.uuid4())
            assert client.llen(prefix + name) == 6
        finally:
            delete_keys(client, prefix)
            client.close()
