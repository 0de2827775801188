"""The reference round trip: a no-op Celery task on the benchmark's broker, with a Redis result backend.

    celery -A bench.celery_reference worker      # BV_BENCH_REDIS_URL set (the harness sets it, then imports `noop`)

The worker runs with the service worker's pool settings (prefork, default concurrency, prefetch 1,
late acks, JSON), so `noop.delay().get()` is the fastest any Celery round trip can be here.
"""

import os

from celery import Celery

QUEUE = "bench-reference"


def make_app(redis_url: str) -> Celery:
    app = Celery("bench_reference", broker=redis_url, backend=redis_url)
    app.conf.update(
        broker_connection_retry_on_startup=True,
        broker_transport_options={"global_keyprefix": "bvbench:reference:"},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
    )
    return app


app = make_app(os.environ["BV_BENCH_REDIS_URL"])


@app.task(name="bench.noop")
def noop() -> None:
    return None
