"""Prometheus metrics: what each process counts, and `GET /metrics`, the API's view of them.

Every label is a bounded value the service itself chose (a URL rule, never a raw path; a program, a
determination, a task's name, an outcome): nothing a request carries reaches a metric, so no PHI can.

gunicorn runs several processes, so they count in prometheus_client's multiprocess files (the
directory gunicorn.conf.py gives them) and `/metrics` adds them up; a process without that directory
(tests, `flask run`) counts in memory. The queue's depth and age are read from the database at each
scrape. Celery workers serve their own counts on their own port (workers/task_metrics.py): they may run
on other hosts than the API, whose files it cannot read.
"""

import hmac
import os
import time
from datetime import timezone

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select

from service import auth

# Seconds: a cached POST takes a few ms, an uncached ?wait= tens, a wait up to 30 s.
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

http_requests = Counter("bv_http_requests", "HTTP requests answered, by route (the URL rule) and status.",
                        ("method", "route", "status"))
http_latency = Histogram("bv_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
                         ("method", "route"), buckets=LATENCY_BUCKETS)
checks = Counter("bv_checks", "Verifications finished with a determination, by program and whether the cache answered.",
                 ("program", "determination", "cached"))
cache_lookups = Counter("bv_cache_lookups", "Result cache look-ups of new verifications: cached (a hit), claimed "
                        "(a miss that queues a task), held (an identical request's task is running), unavailable.",
                        ("outcome",))
task_latency = Histogram("bv_task_duration_seconds", "Time a Celery task ran, by task.", ("task",),
                         buckets=LATENCY_BUCKETS)
tasks = Counter("bv_tasks", "Celery tasks run, by task and final state (SUCCESS, FAILURE, RETRY, …).", ("task", "state"))
eligibility_checks = Counter("bv_eligibility_checks", "Eligibility inquiries that reached an outcome, by clearinghouse "
                             "and outcome: answered, or the failure's kind (not_sent, timeout, rejected_999, lost, …). "
                             "One that joined an identical inquiry is counted with it, not again.",
                             ("clearinghouse", "outcome"))
webhooks = Counter("bv_webhook_deliveries", "Webhook delivery attempts, by outcome: delivered, retrying, "
                   "gave_up (out of attempts), refused (the URL is no longer allowed).", ("outcome",))


# Each series' child by its labels, as `labels()` made it: bounded (methods × URL rules × statuses), and a
# look-up here is a dict's where `labels()` checks and converts its values again on every request.
_children: dict = {}


def _child(metric, *labels):
    key = (metric, labels)
    if (child := _children.get(key)) is None:
        child = _children[key] = metric.labels(*labels)
    return child


def check_finished(result: dict, *, cached: bool, count: int = 1) -> None:
    """Count `count` verifications finished with this result."""
    if count:
        _child(checks, str(result.get("program")), str(result.get("determination")), "true" if cached else "false").inc(count)


def eligibility_settled(clearinghouse: str, outcome: str) -> None:
    """Count an inquiry that reached its outcome: "answered" or a failure's kind (fixed words, never PHI)."""
    _child(eligibility_checks, clearinghouse, outcome).inc()


def init_app(app: Flask) -> None:
    """Time and count every request (registered before any other hook, so refusals count too), and serve /metrics."""
    app.before_request(_start_timer)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", scrape)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def cache_lookup(outcome: str) -> None:
    _child(cache_lookups, outcome).inc()


def _count(response: Response) -> Response:
    started = g.get("metrics_started")
    method = request.method if request.method in METHODS else "other"
    rule = request.url_rule
    route = rule.rule if rule is not None else "unmatched"
    _child(http_requests, method, route, response.status_code).inc()
    if started is not None:
        _child(http_latency, method, route).observe(time.perf_counter() - started)
    return response


def scrape():
    """Every count of this host's API processes, and the queue as the database has it: for the metrics
    token (BV_METRICS_TOKEN) as a bearer, or an admin key or staff user."""
    token, presented = current_app.config["METRICS_TOKEN"], auth.presented_key()
    if token and presented and hmac.compare_digest(presented.encode(), token.encode()):
        return _exposition()
    return _exposition_for_admin()


def _exposition() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    queue = CollectorRegistry()
    queue.register(QueueCollector())
    return Response(generate_latest(counted) + generate_latest(queue), content_type=CONTENT_TYPE_PLAIN_0_0_4)


_exposition_for_admin = auth.requires("admin")(_exposition)
scrape.required_role = "admin"


class QueueCollector(Collector):
    """Verifications waiting for a worker, and how long the oldest has waited: one indexed query per scrape."""

    def collect(self):
        from service.extensions import db
        from service.models import Verification, utcnow

        waiting = db.session.execute(
            select(Verification.status, func.count(), func.min(Verification.created_at))
            .where(Verification.status.in_(("queued", "running"))).group_by(Verification.status)
        ).all()
        db.session.rollback()  # nothing was written: end the read transaction at once
        by_status = {status: (count, oldest) for status, count, oldest in waiting}
        depth = GaugeMetricFamily("bv_queue_depth", "Verifications saved and not finished, by status.", labels=("status",))
        for status in ("queued", "running"):
            depth.add_metric((status,), by_status.get(status, (0, None))[0])
        yield depth
        oldest = by_status.get("queued", (0, None))[1]
        age = 0.0
        if oldest is not None:
            # SQLite hands back naive datetimes, stored as UTC.
            age = max(0.0, (utcnow() - (oldest if oldest.tzinfo else oldest.replace(tzinfo=timezone.utc))).total_seconds())
        yield GaugeMetricFamily("bv_oldest_queued_age_seconds", "How long the oldest queued verification has waited "
                                "(0 when none is queued).", value=age)
