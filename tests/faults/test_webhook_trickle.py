"""A webhook receiver that trickles its answer (a header line a second, never finished).

requests' timeouts are per read, so without a deadline of its own an attempt would last until the
task's time limit killed it, uncounted. Each attempt ends at its deadline, counts, is retried with
backoff and the delivery then fails; webhook deliveries run on their own queue and workers, so
verifications asked for meanwhile finish as promptly as ever.
"""

import secrets
import time
from uuid import UUID

import pytest

from service.extensions import db
from service.models import WebhookDelivery
from tests.conftest import another_app
from tests.faults.private_services import TricklingReceiver, wait_until, worker_process
from tests.requests import body

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.usefixtures("clean_verifications")]


def delivery_of(app, verification_id):
    with app.app_context():
        found = db.session.scalars(
            db.select(WebhookDelivery).where(WebhookDelivery.verification_id == UUID(verification_id))).one_or_none()
        db.session.expunge_all()
    return found


def test_a_trickling_receiver_costs_bounded_attempts_and_delays_no_verification(app, auth, tmp_path):
    receiver = TricklingReceiver(every=1.0)
    settings = {"BV_WEBHOOK_ALLOWED_HOSTS": receiver.host, "BV_WEBHOOK_ALLOW_LOOPBACK": "1",
                "BV_WEBHOOK_TIMEOUT_SECONDS": "3", "BV_WEBHOOK_MAX_ATTEMPTS": "2", "BV_WEBHOOK_RETRY_SECONDS": "0.5"}
    try:
        with another_app(
            app, REDIS_KEY_PREFIX=f"bvtrickle{secrets.token_hex(3)}:",
            CELERY_QUEUE=f"{app.config['CELERY_QUEUE']}-trickle-{secrets.token_hex(3)}",
            WEBHOOK_ALLOWED_HOSTS=(receiver.host,), WEBHOOK_ALLOW_LOOPBACK=True,
        ) as api_app, worker_process(api_app, tmp_path / "verifier.log", name="verifier",
                                     env={**settings, "BV_WORKER_QUEUES": "verifications"}), \
                worker_process(api_app, tmp_path / "hooks.log", name="hooks",
                               env={**settings, "BV_WORKER_QUEUES": "webhooks"}):
            client = api_app.test_client()
            hooked = client.post("/api/v1/verifications?wait=10", headers=auth(),
                                 json=body(**{"coverage.member_id": "TRICKLE-0", "callback_url": receiver.url}))
            assert hooked.status_code == 200
            wait_until(lambda: receiver.connections >= 1, 10, "the first attempt")

            # While the receiver holds the webhook worker, verifications come back as promptly as ever.
            for n in range(1, 4):
                started = time.monotonic()
                answer = client.post("/api/v1/verifications?wait=10", headers=auth(),
                                     json=body(**{"coverage.member_id": f"TRICKLE-{n}"}))
                assert answer.status_code == 200 and answer.json["status"] == "complete"
                assert time.monotonic() - started < 3, "a verification waited behind a webhook"

            delivery = wait_until(
                lambda: (found := delivery_of(api_app, hooked.json["id"])) and found.status != "pending" and found,
                30, "the delivery to end")
    finally:
        receiver.close()
    # Each attempt ended at its deadline, counted, was retried, and the delivery then failed.
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert delivery.last_error == "DeadlineExceeded"
    assert receiver.connections == 2
