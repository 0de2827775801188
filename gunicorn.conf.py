"""gunicorn settings, read from the environment; used by `make run`, docker-compose and `make bench`."""

import gc
import os

bind = f"{os.environ.get('BV_BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, because POST ?wait= holds a request open while the worker runs the rules.
worker_class = "gthread"
threads = int(os.environ.get("BV_THREADS", "16"))
# Longer than the longest ?wait= (30 s).
timeout = 60
graceful_timeout = 30
# gunicorn's largest: a request line up to this long reaches the app, which answers one over 4 KiB with a
# 414 in the API's error shape (service/request_limits.py); only longer ones get gunicorn's own HTML page.
limit_request_line = 8190
# Off unless asked for: URLs carry no PHI, but the log costs time on every request.
accesslog = "-" if os.environ.get("BV_ACCESS_LOG") else None


def on_starting(server):
    # Before any worker loads the app: its processes count in files that GET /metrics adds up (service/metrics.py).
    from service.metrics_files import private_directory

    private_directory("api")


def post_worker_init(worker):
    # What is loaded by now (the app, its schemas, the rule catalogs) lives as long as the process. Frozen,
    # the collector stops walking it: a full collection went from about 50 ms, a stall of every request in
    # flight, to under 2 ms (measured under `make bench`'s cached load).
    gc.freeze()
