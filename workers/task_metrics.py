"""The worker's metrics: each task's duration and final state (counted in service/metrics.py's series, as
are the checks and webhooks the tasks finish), served by the worker itself on WORKER_METRICS_PORT.

A worker serves its own because it may run on another host than the API (`--scale worker=N`, or
workers on machines of their own), where the API could not read its counts: Prometheus scrapes each
worker. Its pool's processes count in the multiprocess files of a directory the worker's main process
makes before it loads the app (workers/make_celery.py), and the main process serves their sum.
"""

import logging
import os
import time

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server

from service import metrics

log = logging.getLogger(__name__)
_started: dict[str, float] = {}


@task_prerun.connect
def _start(task_id=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _finish(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        metrics.task_latency.labels(task.name).observe(time.perf_counter() - started)
    metrics.tasks.labels(task.name, str(state)).inc()


def init_app(app: Flask, celery_app: Celery) -> None:
    """Serve this worker's metrics when WORKER_METRICS_PORT is set (only a worker does: not beat, not the API)."""
    port, address = app.config["WORKER_METRICS_PORT"], app.config["WORKER_METRICS_ADDRESS"]
    if not port:
        return

    @worker_init.connect(weak=False)
    def serve(sender=None, **kwargs) -> None:
        if sender.app is not celery_app:
            return
        registry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        start_http_server(port, address, registry=registry)
        log.info("worker metrics at http://%s:%s/metrics", address, port)
