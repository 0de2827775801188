"""The ceiling: a bare Flask view that answers with one Redis GET, served by the same gunicorn settings.

    gunicorn -c gunicorn.conf.py 'bench.ceiling:create_app()'   # REDIS_URL and BV_BENCH_CEILING_KEY set

Nothing the service does per request can be cheaper than this, so it is the most this stack can do.
"""

import os

import redis
from flask import Flask, Response


def create_app() -> Flask:
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = os.environ["BV_BENCH_CEILING_KEY"]

    @app.get("/")
    def ceiling():
        return Response(client.get(key), mimetype="application/json")

    return app
