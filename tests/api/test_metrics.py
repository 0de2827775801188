"""GET /metrics: the series an operator watches, only for the metrics token or an admin key, and no PHI."""

import time
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas.verification_request import VerificationRequestSchema
from service.extensions import db
from service.models import Verification, utcnow
from service.verification import accept
from tests.api.test_phi_in_redis import PHI
from tests.requests import VETERAN_WITH_REFERRAL, body

TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return {"Authorization": f"Bearer {TOKEN}"}


def scrape(client, headers) -> tuple[str, dict]:
    """The text of /metrics, and its samples as {(name, frozenset(labels)): value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.json
    text = response.get_data(as_text=True)
    samples = {(sample.name, frozenset(sample.labels.items())): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}
    return text, samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.e2e
def test_metrics_count_requests_by_route_checks_cache_hits_and_tasks_and_carry_no_phi(app, client, auth, metrics_token,
                                                                                     celery_worker):
    patient = body(VETERAN_WITH_REFERRAL, **PHI, sessions=4)
    _, before = scrape(client, metrics_token)

    first = client.post("/api/v1/verifications?wait=10", json=patient, headers=auth())
    again = client.post("/api/v1/verifications?wait=10", json=patient, headers=auth())
    read = client.get(first.json["links"]["self"], headers=auth())
    invalid = client.post("/api/v1/verifications", json=body(patient, **{"patient.date_of_birth": "1968-13-45"}),
                          headers=auth())
    text, after = scrape(client, metrics_token)

    assert (first.json["cached"], again.json["cached"], read.status_code, invalid.status_code) == (False, True, 200, 422)
    determination = first.json["determination"]
    grew = {
        ("bv_http_requests_total", (("method", "POST"), ("route", "/api/v1/verifications"), ("status", "200"))): 2,
        ("bv_http_requests_total", (("method", "POST"), ("route", "/api/v1/verifications"), ("status", "422"))): 1,
        ("bv_http_requests_total", (("method", "GET"), ("route", "/api/v1/verifications/<uuid:verification_id>"),
                                    ("status", "200"))): 1,
        ("bv_http_request_duration_seconds_count", (("method", "POST"), ("route", "/api/v1/verifications"))): 3,
        ("bv_checks_total", (("program", "va_ccn"), ("determination", determination), ("cached", "false"))): 1,
        ("bv_checks_total", (("program", "va_ccn"), ("determination", determination), ("cached", "true"))): 1,
        ("bv_cache_lookups_total", (("outcome", "claimed"),)): 1,
        ("bv_cache_lookups_total", (("outcome", "cached"),)): 1,
        ("bv_tasks_total", (("task", "workers.tasks.verify"), ("state", "SUCCESS"))): 1,
        ("bv_task_duration_seconds_count", (("task", "workers.tasks.verify"),)): 1,
    }
    for (name, labels), count in grew.items():
        assert value(after, name, **dict(labels)) - value(before, name, **dict(labels)) == count, (name, labels)
    assert "# TYPE bv_http_request_duration_seconds histogram" in text
    assert "# TYPE bv_webhook_deliveries_total counter" in text
    assert first.json["id"] not in text, "routes are URL rules, never raw paths"
    for phi in (*PHI.values(), "1968-13-45"):
        assert phi not in text, phi


@pytest.mark.db
def test_queue_depth_and_the_oldest_queued_check_come_from_the_database(app, client, metrics_token, clean_verifications):
    request = accept.canonical(VerificationRequestSchema().load(body()))
    with app.app_context():
        for minutes, status in ((5, "queued"), (1, "queued"), (0, "running"), (30, "complete")):
            db.session.add(Verification(request=request, request_digest="d" * 64, fingerprint=f"{minutes}".ljust(64, "q"),
                                        status=status, created_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()

    _, samples = scrape(client, metrics_token)

    assert value(samples, "bv_queue_depth", status="queued") == 2
    assert value(samples, "bv_queue_depth", status="running") == 1
    assert 5 * 60 <= value(samples, "bv_oldest_queued_age_seconds") < 6 * 60


def test_an_empty_queue_is_zero_deep_and_zero_old(client, metrics_token, clean_verifications):
    _, samples = scrape(client, metrics_token)

    assert value(samples, "bv_queue_depth", status="queued") == 0
    assert value(samples, "bv_oldest_queued_age_seconds") == 0


def test_metrics_need_the_metrics_token_or_an_admin_key(client, auth, metrics_token):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
    assert client.get("/metrics", headers=auth("intake")).status_code == 403
    assert client.get("/metrics", headers=auth("billing")).status_code == 403
    assert client.get("/metrics", headers=auth("admin")).status_code == 200
    assert client.get("/metrics", headers=metrics_token).status_code == 200
    assert TOKEN not in client.get("/metrics", headers={"Authorization": "Bearer wrong"}).get_data(as_text=True)


def test_without_a_metrics_token_only_an_admin_key_reads_metrics(client, auth, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")

    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/metrics", headers=auth("admin")).status_code == 200


@pytest.mark.e2e
def test_webhook_outcomes_are_counted(app, client, auth, metrics_token, celery_worker, monkeypatch):
    from tests.workers.test_webhooks import Receiver

    with Receiver(statuses=[500]) as receiver:
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", (receiver.host,))
        monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SECONDS", 0.2)
        _, before = scrape(client, metrics_token)
        client.post("/api/v1/verifications?wait=10", headers=auth(),
                    json=body(**{"coverage.member_id": "HOOK-METRICS", "callback_url": receiver.url}))
        receiver.wait_for(2)
        deadline = time.monotonic() + 10
        while value(after := scrape(client, metrics_token)[1], "bv_webhook_deliveries_total", outcome="delivered") \
                == value(before, "bv_webhook_deliveries_total", outcome="delivered"):
            assert time.monotonic() < deadline, "the delivery was never counted"
            time.sleep(0.05)

    for outcome in ("retrying", "delivered"):
        assert value(after, "bv_webhook_deliveries_total", outcome=outcome) \
            - value(before, "bv_webhook_deliveries_total", outcome=outcome) == 1, outcome
