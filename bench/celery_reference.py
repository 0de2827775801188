"""The reference round trips: Celery tasks on the benchmark's broker, with a Redis result backend.

    celery -A bench.celery_reference worker      # BV_BENCH_REDIS_URL set (the harness sets it, then imports the tasks)

The worker runs with the service worker's pool settings (prefork, default concurrency, prefetch 1,
late acks, JSON), so `noop.delay().get()` is the fastest any Celery round trip can be here.

With BV_BENCH_DATABASE_URL set, `carry` is the floor of an uncached verification through Celery: the
caller inserts a row (a durable commit), then the task marks it running (reading its body back) and
writes a result of the size of a real one, each in one statement, as the service's worker does.
"""

import os

from celery import Celery
from celery.signals import worker_process_init

QUEUE = "bench-reference"
TABLE = "bench_reference_rows"  # made by bench/stack.py's reference_tables()
RESULT = "x" * 8000


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
_connection = None


@worker_process_init.connect
def _fresh_connection(**kwargs):
    global _connection
    _connection = None


def _database():
    import psycopg

    global _connection
    if _connection is None:
        # Like the service's worker: its writes do not wait for the disk.
        _connection = psycopg.connect(os.environ["BV_BENCH_DATABASE_URL"], autocommit=True,
                                      options="-c synchronous_commit=off")
    return _connection


@app.task(name="bench.noop")
def noop() -> None:
    return None


@app.task(name="bench.carry")
def carry(row_id: str) -> None:
    database = _database()
    database.execute(f"UPDATE {TABLE} SET state = 'running' WHERE id = %s RETURNING body", (row_id,)).fetchone()
    database.execute(f"UPDATE {TABLE} SET state = 'done', result = %s WHERE id = %s", (f'"{RESULT}"', row_id))
