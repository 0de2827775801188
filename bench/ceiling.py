"""The ceiling: a bare Flask view that answers with one Redis GET, served by the same gunicorn settings.

    gunicorn -c gunicorn.conf.py 'bench.ceiling:create_app()'   # REDIS_URL and BV_BENCH_CEILING_KEY set

Nothing the service does per request can be cheaper than this, so it is the most this stack can do.

With BV_BENCH_CEILING_DATABASE_URL set, `/write` is the floor of a cached verification: the same GET,
then one durable INSERT of what it read (a PostgreSQL row of the same size, committed synchronously,
one statement on the thread's own connection) before answering; the service must record every check.

With BV_BENCH_REDIS_URL set too, `POST /carry` is the floor of an uncached verification over HTTP: it
inserts the body as a row (durably), has bench/celery_reference.py's `carry` task read and write it,
waits for the task, and answers with the GET's value.
"""

import os
import threading
import uuid

import psycopg
import redis
from flask import Flask, Response, request

TABLE = "bench_ceiling_writes"  # made by bench/stack.py's reference_tables()


def create_app() -> Flask:
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = os.environ["BV_BENCH_CEILING_KEY"]

    @app.get("/")
    def ceiling():
        return Response(client.get(key), mimetype="application/json")

    if database_url := os.environ.get("BV_BENCH_CEILING_DATABASE_URL"):
        connections = threading.local()

        def connection() -> psycopg.Connection:
            if getattr(connections, "one", None) is None:
                connections.one = psycopg.connect(database_url, autocommit=True)
            return connections.one

        @app.get("/write")
        def ceiling_with_write():
            body = client.get(key)
            connection().execute(f"INSERT INTO {TABLE} (id, at, body) VALUES (%s, now(), %s)",
                                 (uuid.uuid4(), body.decode()))
            return Response(body, mimetype="application/json")

    if database_url and os.environ.get("BV_BENCH_REDIS_URL"):
        from bench.celery_reference import TABLE as CARRIED
        from bench.celery_reference import carry

        @app.post("/carry")
        def carried():
            row_id = uuid.uuid4()
            connection().execute(f"INSERT INTO {CARRIED} (id, state, body) VALUES (%s, 'queued', %s)",
                                 (row_id, request.get_data(as_text=True)))
            carry.delay(str(row_id)).get(timeout=10)
            return Response(client.get(key), mimetype="application/json")

    return app
