"""A check whose task was lost (the broker restarted without its queue, a worker died mid-send) does not stay
pending for good: the sweep fails it without sending anything, and staff can ask the payer again."""

import uuid
from datetime import timedelta

import pytest

from service import sweep
from service.extensions import db
from service.models import EligibilityInquiry, utcnow
from tests.api.test_metrics import scrape, value
from tests.eligibility.conftest import configure, inquiries_of, patient_request

pytestmark = pytest.mark.e2e

ACTIVE = "W123456789"
LOST_AFTER = 600


def stored_verification(app, http, live_server, auth) -> str:
    """A complete verification, asked of no payer (no clearinghouse while it was made)."""
    saved = configure(app, "", CLEARINGHOUSE={})
    created = http.post(f"{live_server}/api/v1/verifications", params={"wait": 10}, json=patient_request(ACTIVE),
                        headers=auth())
    app.config.update(CLEARINGHOUSE=saved["CLEARINGHOUSE"])
    assert created.status_code == 200, created.json()
    return created.json()["id"]


def inquiry_without_a_task(app, verification_id, status: str, idle: timedelta) -> int:
    """An inquiry row as a lost task leaves it: `status`, last moved `idle` ago, and no task coming for it."""
    moved = utcnow() - idle
    with app.app_context():
        inquiry = EligibilityInquiry(verification_id=uuid.UUID(verification_id), adapter="fake", reason="staff",
                                     status=status, attempts=0 if status == "queued" else 1, created_at=moved,
                                     sent_at=None if status == "queued" else moved)
        db.session.add(inquiry)
        db.session.commit()
        return inquiry.id


def run_sweep(app) -> int:
    with app.app_context():
        return sweep.fail_lost_inquiries(LOST_AFTER)


@pytest.mark.parametrize("status", ["queued", "sent"])
def test_a_check_whose_task_was_lost_is_failed_and_can_be_asked_again(app, clearinghouse, live_server, auth, http,
                                                                       client, status):
    verification_id = stored_verification(app, http, live_server, auth)
    inquiry_without_a_task(app, verification_id, status, timedelta(hours=1))
    sends_at_first = clearinghouse.sends
    check_url = f"{live_server}/api/v1/verifications/{verification_id}/eligibility-check"
    stuck = http.post(check_url, headers=auth())
    assert stuck.json()["eligibility_check"]["status"] == "pending"
    assert len(inquiries_of(app, verification_id)) == 1  # asking again only waits on the lost one
    _, before = scrape(client, auth("admin"))

    assert run_sweep(app) == 1

    shown = http.get(check_url, headers=auth()).json()["eligibility_check"]
    assert shown["status"] == "failed"
    assert "Ask again" in shown["failure"]["detail"] and shown["failure"]["kind"] == "lost"
    assert clearinghouse.sends == sends_at_first  # the sweep sent nothing
    checked = http.post(check_url, params={"wait": 15}, headers=auth())
    assert checked.json()["eligibility_check"]["status"] == "answered"
    assert checked.json()["eligibility_status"] == "confirmed_271"
    assert [inquiry.status for inquiry in inquiries_of(app, verification_id)] == ["failed", "answered"]
    assert clearinghouse.sends == sends_at_first + 1
    _, after = scrape(client, auth("admin"))
    for outcome in ("lost", "answered"):  # what an operator watches: checks settled, by outcome
        name, labels = "bv_eligibility_checks_total", {"clearinghouse": "fake", "outcome": outcome}
        assert value(after, name, **labels) - value(before, name, **labels) == 1, outcome


def test_the_sweep_leaves_checks_that_are_still_moving_alone(app, clearinghouse, live_server, auth, http):
    waiting = stored_verification(app, http, live_server, auth)
    sending = stored_verification(app, http, live_server, auth)
    retrying = stored_verification(app, http, live_server, auth)
    inquiry_without_a_task(app, waiting, "queued", timedelta(seconds=LOST_AFTER - 60))
    inquiry_without_a_task(app, sending, "sent", timedelta(seconds=30))
    # Idle past the limit, but a retry may wait out its backoff first.
    saved = configure(app, clearinghouse.url, ELIGIBILITY_RETRY_SECONDS=3600)
    inquiry_without_a_task(app, retrying, "retry_scheduled", timedelta(seconds=LOST_AFTER + 60))

    assert run_sweep(app) == 0

    app.config.update(saved)
    assert [inquiries_of(app, verification)[0].status for verification in (waiting, sending, retrying)] == [
        "queued", "sent", "retry_scheduled"]
