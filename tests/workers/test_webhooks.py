"""Webhooks to a real local HTTP receiver: signed with the key's secret, retried after a failure, allowlisted hosts only."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import UUID

import pytest

from schemas.callbacks import refusal
from service import sweep
from service.cli import keys as keys_cli
from service.extensions import db
from service.models import Verification, WebhookDelivery, utcnow
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


def test_allowlist_entries_name_a_host_and_its_port_443_or_a_host_and_port(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ("intake.example.org", "hooks.example.org:8443"))
    with app.app_context():
        assert refusal("https://intake.example.org/hook") is None
        assert refusal("https://INTAKE.example.org:443/hook") is None
        assert refusal("https://intake.example.org:9000/hook") is not None, "a host alone means port 443 only"
        assert refusal("http://intake.example.org/hook") is not None, "port 80 is not 443"
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


def _stored_delivery(app, url: str) -> int:
    """A pending verification.completed delivery to `url`, of a finished verification, as the worker leaves it."""
    from service.models import Verification

    with app.app_context():
        verification = Verification(request={}, request_digest="d" * 64, fingerprint="f" * 64, status="complete",
                                    result={"determination": "covered"})
        db.session.add(verification)
        db.session.flush()
        delivery = WebhookDelivery(event="verification.completed", verification_id=verification.id, url=url,
                                   api_key_id=None, staff_user_id=_a_user_id())
        db.session.add(delivery)
        db.session.commit()
        return delivery.id


def _a_user_id() -> int:
    from service.models import StaffUser

    return db.session.scalar(db.select(StaffUser.id).limit(1))


def _attempt(app, delivery_id: int) -> WebhookDelivery:
    from service import webhooks

    with app.app_context():
        try:
            webhooks.deliver(delivery_id)
        except webhooks.RetryLater:
            pass
        return db.session.get(WebhookDelivery, delivery_id)


def _resolving(monkeypatch, *answers):
    """The system resolver answering `answers` in turn (then the last again), counting its calls."""
    import socket

    real, calls = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in ("127.0.0.1", "::1"):
            return real(host, port, *args, **kwargs)
        address = answers[min(len(calls), len(answers) - 1)]
        calls.append(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "192.168.1.20", "100.64.0.1", "224.0.0.1",
                                     "240.0.0.1", "0.0.0.0", "::ffff:10.0.0.7", "fe80::1", "fc00::1"])
def test_an_allowlisted_name_that_resolves_to_a_private_address_is_never_called(app, staff, monkeypatch, address):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ("hooks.example.org",))
    _resolving(monkeypatch, address)
    delivery_id = _stored_delivery(app, "https://hooks.example.org/hook")

    delivery = _attempt(app, delivery_id)

    assert (delivery.status, delivery.last_status_code) == ("failed", None), "no retry, no connection"
    assert "private, loopback" in delivery.last_error


def test_loopback_is_refused_unless_the_test_setting_allows_it(app, staff, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOOPBACK", False)
    delivery_id = _stored_delivery(app, receiver.url)

    delivery = _attempt(app, delivery_id)

    assert delivery.status == "failed" and "loopback" in delivery.last_error
    assert receiver.received == []


def test_the_name_is_resolved_once_and_the_post_goes_to_that_address(app, staff, receiver, monkeypatch):
    """DNS rebinding: the name answers a harmless address first and an internal one afterwards."""
    port = receiver.server.server_port
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", (f"receiver.test:{port}",))
    calls = _resolving(monkeypatch, "127.0.0.1", "169.254.169.254")
    delivery_id = _stored_delivery(app, f"http://receiver.test:{port}/bv-hook")

    delivery = _attempt(app, delivery_id)

    assert delivery.status == "delivered", delivery.last_error
    assert calls == ["receiver.test"]
    ((headers, _),) = receiver.received
    assert headers["Host"] == f"receiver.test:{port}"


@pytest.fixture
def tls_receiver(monkeypatch):
    """An HTTPS receiver on loopback with a certificate for `hooks.test` from a throwaway CA the client trusts."""
    import ssl

    import requests.adapters
    import trustme

    authority = trustme.CA()
    with Receiver() as running:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("hooks.test").configure_cert(context)
        running.server.socket = context.wrap_socket(running.server.socket, server_side=True)
        with authority.cert_pem.tempfile() as ca_file:
            monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", ca_file)
            yield running


@pytest.mark.parametrize("name, delivered", [("hooks.test", True), ("other.test", False)])
def test_https_to_the_pinned_address_checks_the_certificate_against_the_name(app, staff, tls_receiver, monkeypatch,
                                                                             name, delivered):
    port = tls_receiver.server.server_port
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", (f"{name}:{port}",))
    _resolving(monkeypatch, "127.0.0.1")
    delivery_id = _stored_delivery(app, f"https://{name}:{port}/bv-hook")

    delivery = _attempt(app, delivery_id)

    assert (delivery.status == "delivered") is delivered, delivery.last_error
    if delivered:
        ((headers, _),) = tls_receiver.received
        assert headers["Host"] == f"hooks.test:{port}"
    else:
        assert delivery.last_error == "SSLError" and tls_receiver.received == []


def test_the_sweep_sends_a_delivery_whose_task_never_came_and_leaves_one_in_backoff(app, client, auth, receiver,
                                                                                 celery_worker):
    finished = client.post("/api/v1/verifications?wait=10", json=body(**{"coverage.member_id": "HOOK-SWEEP"}),
                           headers=auth())
    assert finished.json["status"] == "complete"
    with app.app_context():
        verification = db.session.get(Verification, UUID(finished.json["id"]))
        long_ago = utcnow() - timedelta(hours=1)
        common = {"event": "verification.completed", "verification_id": verification.id, "url": receiver.url,
                  "api_key_id": verification.api_key_id, "created_at": long_ago}
        never_sent = WebhookDelivery(**common)  # its task never came (the broker was down)
        in_backoff = WebhookDelivery(**common, attempts=1, last_attempt_at=utcnow())
        db.session.add_all([never_sent, in_backoff])
        db.session.commit()
        never_sent_id, in_backoff_id = never_sent.id, in_backoff.id

        assert sweep.requeue_webhooks(60) == 1

    ((headers, _),) = receiver.wait_for(1)
    assert headers["X-Webhook-Delivery"] == str(never_sent_id)
    deadline = time.monotonic() + 10
    while {d.id: d.status for d in deliveries(app)}[never_sent_id] != "delivered":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert {d.id: d.status for d in deliveries(app)}[in_backoff_id] == "pending", "a retry in its backoff is left alone"
