"""Webhooks to a real local HTTP receiver: signed with the key's secret, retried after a failure, allowlisted hosts only."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from schemas.callbacks import refusal
from service.cli import keys as keys_cli
from service.extensions import db
from service.models import WebhookDelivery
from tests.requests import body

pytestmark = pytest.mark.e2e


class Receiver:
    """An HTTP server on a free loopback port that answers each POST with the next of `statuses` (then 200)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), payload))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "http://127.0.0.2:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}/bv-hook?token=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def wait_for(self, count: int, seconds: float = 20) -> list:
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} deliveries arrived"
            time.sleep(0.05)
        return self.received


@pytest.fixture
def receiver(app, monkeypatch):
    with Receiver() as running:
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", (running.host,))
        monkeypatch.setitem(app.config, "WEBHOOK_RETRY_SECONDS", 0.2)
        yield running


@pytest.fixture
def signing_key(app):
    """A new intake key and the webhook secret `keys create` printed with it."""
    lines = app.test_cli_runner().invoke(keys_cli, ["create", "--role", "intake"]).output.strip().splitlines()
    return lines[-1], lines[1]


def signed_by(secret: str, headers: dict, payload: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Signature"], expected)


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def test_result_is_posted_signed_and_retried_after_a_failed_first_delivery(app, client, receiver, signing_key, celery_worker):
    plain, secret = signing_key
    receiver.statuses = [500]
    payload = body(**{"coverage.member_id": "HOOK-1", "callback_url": receiver.url})

    answer = client.post("/api/v1/verifications?wait=10", json=payload, headers={"X-API-Key": plain})

    assert answer.status_code == 200
    (first_headers, first), (headers, delivered) = receiver.wait_for(2)
    assert first == delivered, "a retry sends the same body"
    assert first_headers["X-Webhook-Delivery"] == headers["X-Webhook-Delivery"]
    assert signed_by(secret, headers, delivered)
    assert not signed_by(secret + "x", headers, delivered)
    document = json.loads(delivered)
    assert document["id"] == answer.json["id"] and document["determination"] == answer.json["determination"]
    assert headers["X-Webhook-Event"] == "verification.completed"
    for patient_detail in (b"Dana", b"Reyes", b"1979-03-14", b"HOOK-1"):
        assert patient_detail not in delivered
    deadline = time.monotonic() + 10
    while (stored := [d for d in deliveries(app) if str(d.verification_id) == answer.json["id"]])[0].status != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert stored[0].attempts == 2 and stored[0].last_status_code == 200


def test_delivery_gives_up_after_its_attempts_and_does_not_follow_redirects(app, client, receiver, signing_key,
                                                                            celery_worker, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    receiver.statuses = [302, 503]
    payload = body(**{"coverage.member_id": "HOOK-2", "callback_url": receiver.url})

    answer = client.post("/api/v1/verifications?wait=10", json=payload, headers={"X-API-Key": signing_key[0]})

    receiver.wait_for(2)
    deadline = time.monotonic() + 10
    while (stored := [d for d in deliveries(app) if str(d.verification_id) == answer.json["id"]])[0].status == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert (stored[0].status, stored[0].attempts, stored[0].last_error) == ("failed", 2, "HTTP 503")
    time.sleep(0.5)
    assert len(receiver.received) == 2, "nothing after the last attempt, and the redirect was not followed"


def test_a_finished_batch_is_posted_once_with_its_counts(client, receiver, signing_key, celery_worker):
    from tests.api.test_batches import HEADER, row

    text = "\n".join([HEADER, row("HOOK-B1"), row("HOOK-B2"), row("HOOK-B3", sessions="x")]) + "\n"
    accepted = client.post("/api/v1/batches", data=text, content_type="text/csv", query_string={"callback_url": receiver.url},
                           headers={"X-API-Key": signing_key[0]})

    assert accepted.status_code == 202
    ((headers, delivered),) = receiver.wait_for(1)
    document = json.loads(delivered)
    assert headers["X-Webhook-Event"] == "batch.completed" and signed_by(signing_key[1], headers, delivered)
    assert (document["id"], document["status"], document["done"], document["rejected"]) == (accepted.json["id"], "complete", 3, 1)
    assert document["items"] == []
    time.sleep(0.5)
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://169.254.169.254/latest/meta-data", "allowlist"),
        ("http://127.0.0.1:1/hook", "allowlist"),
        ("ftp://{host}/hook", "http or https"),
        ("http://user:secret@{host}/hook", "user name or password"),
    ],
)
def test_a_callback_url_off_the_allowlist_is_a_422_naming_the_field(client, auth, receiver, url, reason):
    payload = body(callback_url=url.format(host=receiver.host))

    response = client.post("/api/v1/verifications", json=payload, headers=auth())

    assert response.status_code == 422
    assert reason in response.json["error"]["fields"]["callback_url"][0]
    assert "secret" not in response.get_data(as_text=True) and "169.254" not in response.get_data(as_text=True)


def test_without_an_allowlist_webhooks_are_off(client, auth):
    response = client.post("/api/v1/verifications", json=body(callback_url="https://intake.example.org/hook"), headers=auth())

    assert response.status_code == 422
    assert "turned off" in response.json["error"]["fields"]["callback_url"][0]


def test_allowlist_entries_name_a_host_or_a_host_and_port(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ("intake.example.org", "hooks.example.org:8443"))
    with app.app_context():
        assert refusal("https://intake.example.org/hook") is None
        assert refusal("https://INTAKE.example.org:9000/hook") is None
        assert refusal("https://hooks.example.org:8443/x") is None
        assert refusal("https://hooks.example.org/x") is not None
        assert refusal("https://intake.example.org.evil.example/hook") is not None


def test_a_callback_url_changes_no_fingerprint(app, monkeypatch):
    from schemas.verification_request import VerificationRequestSchema
    from service.verification.accept import canonical

    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ("intake.example.org",))
    with app.app_context():
        plain = canonical(VerificationRequestSchema().load(body()))
        called = canonical(VerificationRequestSchema().load(body(callback_url="https://intake.example.org/h")))

    assert plain == called
