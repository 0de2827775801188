"""Checking with the payer through the project's fake clearinghouse over real HTTP, with a real worker:
the 271 feeds the rules, AAA 42 is asked once more, a 999 or a timeout fails in plain words without a
second send, an unsent 270 is tried again, a slow payer never holds a POST, one send per inquiry in 90 s."""

import json
import logging
import secrets
import time
import uuid

import pytest

from service.clearinghouse_fake import STEDI_PATH
from service.extensions import db
from tests.eligibility.conftest import (
    CountingFake,
    configure,
    fake_on,
    free_port,
    inquiries_of,
    patient_request,
    poll,
    separate_stack,
    settled,
)
from workers.clearinghouse.settings import FAKE_API_KEY

pytestmark = pytest.mark.e2e

ACTIVE = "W123456789"


def create(http, live_server, auth, request, wait=0.0, role="intake"):
    return http.post(f"{live_server}/api/v1/verifications", params={"wait": wait}, json=request, headers=auth(role))


def until_settled(http, live_server, auth, verification_id, seconds=30.0) -> dict:
    return poll(http, f"{live_server}/api/v1/verifications/{verification_id}", auth(), settled, seconds)


def test_an_active_271_confirms_eligibility_and_is_stored_as_a_pasted_one(app, clearinghouse, live_server, auth, http):
    sends = clearinghouse.sends
    answer = create(http, live_server, auth, patient_request(ACTIVE), wait=15)

    assert answer.status_code == 200, answer.json().get("eligibility_check")
    result = answer.json()
    assert result["eligibility_status"] == "confirmed_271"
    assert result["eligibility_check"]["status"] == "answered"
    assert result["eligibility_check"]["summary"]["coverage"] == "active"
    assert result["eligibility_check"]["payer_answered_at"]
    assert result["eligibility"]["source"] == "271", "the rules read the 271 as they read a pasted one"
    assert clearinghouse.sends == sends + 1
    [inquiry] = inquiries_of(app, result["id"])
    assert (inquiry.status, inquiry.attempts, inquiry.adapter) == ("answered", 1, "fake")
    assert inquiry.payload_id and inquiry.interchange_control and inquiry.response_interchange_control
    assert "EB*1" in inquiry.response_271 and "N3*" not in inquiry.response_271 and "N4*" not in inquiry.response_271
    stored = http.get(f"{live_server}/api/v1/verifications/{result['id']}", headers=auth()).json()
    assert stored["eligibility_status"] == "confirmed_271"


def test_inactive_coverage_makes_the_rules_say_not_covered(clearinghouse, live_server, auth, http):
    answer = create(http, live_server, auth, patient_request("BVINACTIVE"), wait=15)

    result = answer.json()
    assert result["eligibility_check"]["status"] == "answered"
    assert result["eligibility_check"]["summary"]["coverage"] == "inactive"
    assert result["determination"] == "not_covered"
    assert result["eligibility_status"] != "confirmed_271"


def test_unable_to_respond_now_is_asked_once_more_then_answered(app, clearinghouse, live_server, auth, http):
    sends = clearinghouse.sends
    started = time.monotonic()
    created = create(http, live_server, auth, patient_request("BVAAA42"))
    assert created.status_code == 202

    pending = poll(http, f"{live_server}/api/v1/verifications/{created.json()['id']}", auth(),
                   lambda document: document.get("eligibility_check", {}).get("note"))
    assert pending["eligibility_check"]["status"] == "pending"
    assert "AAA 42" in pending["eligibility_check"]["note"]
    result = until_settled(http, live_server, auth, created.json()["id"])

    assert time.monotonic() - started >= app.config["ELIGIBILITY_RETRY_SECONDS"]
    assert result["eligibility_check"]["status"] == "answered"
    assert result["eligibility_check"]["attempts"] == 2
    assert clearinghouse.sends == sends + 2, "one scheduled retry, no more"
    assert [rejection["code"] for rejection in result["eligibility_check"]["rejections"]] == ["42"]
    assert result["eligibility_check"]["rejections"][0]["meaning"], "the rejection in plain words"
    assert result["eligibility_status"] != "confirmed_271"


def test_a_999_fails_in_plain_words_and_the_rules_answer_stands(app, clearinghouse, live_server, auth, http):
    sends = clearinghouse.sends
    created = create(http, live_server, auth, patient_request("BVREJECT999"))
    result = until_settled(http, live_server, auth, created.json()["id"])

    check = result["eligibility_check"]
    assert check["status"] == "failed"
    assert check["failure"]["kind"] == "rejected_999"
    assert "rejected" in check["failure"]["detail"] and "segment" in check["failure"]["detail"]
    assert result["status"] == "complete" and result["determination"]
    assert result["eligibility_status"] == "unconfirmed", "the rules' answer on the data given stands"
    time.sleep(1.5)
    assert clearinghouse.sends == sends + 1, "a rejected 270 is not sent again"
    assert [row.status for row in inquiries_of(app, result["id"])] == ["failed"]


def test_a_timeout_is_not_sent_again(app, clearinghouse, live_server, auth, http):
    sends = clearinghouse.sends
    created = create(http, live_server, auth, patient_request("BVTIMEOUT"))
    result = until_settled(http, live_server, auth, created.json()["id"])

    assert result["eligibility_check"]["failure"]["kind"] == "timeout"
    time.sleep(2 * app.config["ELIGIBILITY_BACKOFF_SECONDS"] + 1)
    assert clearinghouse.sends == sends + 1, "the payer may have had it: it is not sent twice"
    [inquiry] = inquiries_of(app, result["id"])
    assert (inquiry.status, inquiry.attempts) == ("failed", 1)


def test_an_unsent_270_is_tried_again_until_the_clearinghouse_answers(app, clearinghouse, live_server, auth, http):
    port = free_port()  # nothing listens there yet: the 270 cannot leave
    configure(app, f"http://127.0.0.1:{port}", ELIGIBILITY_BACKOFF_SECONDS=1.0)
    created = create(http, live_server, auth, patient_request(ACTIVE))
    verification = f"{live_server}/api/v1/verifications/{created.json()['id']}"
    poll(http, verification, auth(), lambda document: (document.get("eligibility_check") or {}).get("note"))
    assert inquiries_of(app, created.json()["id"])[0].failure_kind == "not_sent"

    late = CountingFake()
    with fake_on(port, late):
        result = until_settled(http, live_server, auth, created.json()["id"])

    assert result["eligibility_check"]["status"] == "answered"
    assert result["eligibility_status"] == "confirmed_271"
    assert late.sends == 1
    assert result["eligibility_check"]["attempts"] >= 2


def test_an_unsent_270_fails_after_its_retries(app, clearinghouse, live_server, auth, http):
    configure(app, f"http://127.0.0.1:{free_port()}", ELIGIBILITY_SEND_RETRIES=1, ELIGIBILITY_BACKOFF_SECONDS=0.3)
    created = create(http, live_server, auth, patient_request(ACTIVE))
    result = until_settled(http, live_server, auth, created.json()["id"])

    assert result["eligibility_check"]["failure"]["kind"] == "not_sent"
    assert "not sent after 2 tries" in result["eligibility_check"]["failure"]["detail"]
    assert result["eligibility_status"] == "unconfirmed"


def test_a_slow_payer_gets_202_at_once_then_the_answer_is_stored(app, fake, auth, http, tmp_path):
    request = patient_request("BVSLOW")
    with separate_stack(app, fake, tmp_path) as (live_server, _, _):
        started = time.monotonic()
        answer = create(http, live_server, auth, request, wait=2)
        waited = time.monotonic() - started

        assert answer.status_code == 202
        assert waited < 3.5, f"the POST took {waited:.1f} s with wait=2"
        early = answer.json()
        assert early["determination"], "what is known: the rules on the data given"
        assert early["eligibility_status"] == "unconfirmed"
        assert early["eligibility_check"]["status"] == "pending"
        assert answer.headers["Location"].endswith(early["id"])

        result = until_settled(http, live_server, auth, early["id"])
        assert result["eligibility_status"] == "confirmed_271"
        assert result["eligibility_check"]["payer_answered_at"]

        sends = fake.sends
        again = create(http, live_server, auth, request, wait=10)
        assert again.status_code == 200
        assert again.json()["eligibility_status"] == "confirmed_271", "the cache does not keep serving the pre-271 answer"
        assert fake.sends == sends, "the same inquiry within 90 s takes the first one's answer"


def test_the_same_inquiry_twice_within_the_window_is_sent_once(app, clearinghouse, live_server, auth, http):
    request = patient_request(ACTIVE)
    sends = clearinghouse.sends
    first = create(http, live_server, auth, request)
    second = create(http, live_server, auth, request)
    assert first.json()["id"] != second.json()["id"]

    results = [until_settled(http, live_server, auth, created.json()["id"]) for created in (first, second)]

    assert [result["eligibility_status"] for result in results] == ["confirmed_271", "confirmed_271"]
    assert clearinghouse.sends == sends + 1
    joined = inquiries_of(app, second.json()["id"])[0]
    assert joined.joined_inquiry_id == inquiries_of(app, first.json()["id"])[0].id
    assert joined.attempts == 0


def test_staff_check_with_payer_on_a_stored_verification(app, clearinghouse, live_server, auth, http):
    request = patient_request(ACTIVE)
    saved = configure(app, "", CLEARINGHOUSE={})
    created = create(http, live_server, auth, request, wait=10)
    assert created.json()["eligibility_status"] == "unconfirmed"
    check_url = f"{live_server}/api/v1/verifications/{created.json()['id']}/eligibility-check"
    refused = http.post(check_url, headers=auth())
    assert refused.status_code == 409 and "BV_CLEARINGHOUSE" in refused.json()["error"]["message"]
    app.config.update(CLEARINGHOUSE=saved["CLEARINGHOUSE"])

    checked = http.post(check_url, params={"wait": 15}, headers=auth("billing"))

    assert checked.status_code == 200
    assert checked.json()["eligibility_status"] == "confirmed_271"
    assert checked.json()["eligibility_check"]["status"] == "answered"
    assert checked.json()["eligibility_check"]["reason"] == "staff"
    shown = http.get(check_url, headers=auth()).json()
    assert shown["eligibility_check"]["summary"]["coverage"] == "active"
    assert http.get(f"{live_server}/api/v1/verifications/{created.json()['id']}", headers=auth()).json()[
        "eligibility_status"] == "confirmed_271"


def test_check_with_payer_needs_a_key_and_a_known_verification(clearinghouse, live_server, auth, http):
    missing = f"{live_server}/api/v1/verifications/00000000-0000-4000-8000-000000000000/eligibility-check"

    assert http.post(missing).status_code == 401
    assert http.post(missing, headers=auth()).status_code == 404
    assert http.post(missing, params={"wait": 99}, headers=auth()).status_code == 422


def test_no_credential_reaches_a_log_or_a_row(app, fake, auth, http, tmp_path, caplog):
    for name in ("", "service", "workers", "celery", "urllib3", "requests", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    password, api_key = f"pw-{secrets.token_hex(12)}", f"key-{secrets.token_hex(12)}"
    with separate_stack(app, fake, tmp_path, BV_CLEARINGHOUSE_PASSWORD=password,
                        BV_CLEARINGHOUSE_API_KEY=api_key) as (live_server, worker_log, separate_app):
        created = create(http, live_server, auth, patient_request(ACTIVE))
        result = until_settled(http, live_server, auth, created.json()["id"])
        with separate_app.app_context():
            rows = [repr(row) for table in db.metadata.sorted_tables
                    for row in db.session.execute(db.select(table)).all()]

    assert result["eligibility_check"]["status"] == "failed", "the fake refuses a password it does not know"
    assert result["eligibility_check"]["failure"]["kind"] == "envelope_rejected"
    written = "\n".join([worker_log.read_text(), *(record.getMessage() for record in caplog.records), *rows,
                         str(result)])
    assert "eligibility inquiry" in worker_log.read_text(), "the worker logged at DEBUG while it asked"
    for secret in (password, api_key):
        assert secret not in written


def test_a_callback_hears_the_answer_then_the_payers_update(app, clearinghouse, live_server, auth, http, monkeypatch):
    from tests.workers.test_webhooks import Receiver

    with Receiver() as receiver:
        monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", (receiver.host,))
        created = create(http, live_server, auth, {**patient_request(ACTIVE), "callback_url": receiver.url})
        until_settled(http, live_server, auth, created.json()["id"])
        receiver.wait_for(2)

    events = [headers["X-Webhook-Event"] for headers, _ in receiver.received]
    assert events == ["verification.completed", "verification.updated"]
    updated = json.loads(receiver.received[1][1])
    assert updated["eligibility_status"] == "confirmed_271"
    assert updated["eligibility_check"]["status"] == "answered"


@pytest.mark.parametrize("member_id, coverage", [(ACTIVE, "active"), ("BVINACTIVE", "inactive")])
def test_stedis_raw_x12_wire_feeds_the_rules_as_the_core_wire_does(app, clearinghouse, live_server, auth, http,
                                                                   member_id, coverage):
    app.config["CLEARINGHOUSE"] = {"BV_CLEARINGHOUSE": "stedi", "BV_CLEARINGHOUSE_URL": clearinghouse.url + STEDI_PATH,
                                   "BV_CLEARINGHOUSE_API_KEY": FAKE_API_KEY}
    sends = clearinghouse.sends
    answer = create(http, live_server, auth, patient_request(member_id), wait=15)

    assert answer.status_code == 200, answer.json().get("eligibility_check")
    result = answer.json()
    assert result["eligibility_check"]["summary"]["coverage"] == coverage
    assert (result["eligibility_status"] == "confirmed_271") is (coverage == "active")
    assert clearinghouse.sends == sends + 1
    [inquiry] = inquiries_of(app, result["id"])
    assert (inquiry.status, inquiry.adapter) == ("answered", "stedi")


def test_a_verification_read_before_its_271_was_applied_is_shown_with_the_271s_result(app, clearinghouse, live_server,
                                                                                      auth, http):
    # A reader that loaded the row just before the payer's answer was committed with it, then the check just
    # after (PostgreSQL gives each statement the commits made before it), must not show "answered" beside the
    # result from before the 271. The row as it stood before is stood in for by the settled one with the
    # eligibility the rules gave without the 271.
    from service.verification import document, store

    answer = create(http, live_server, auth, patient_request(ACTIVE), wait=15)
    assert answer.json()["eligibility_status"] == "confirmed_271"
    with app.test_request_context():
        settled_row = store.get(uuid.UUID(answer.json()["id"]))
        read_before = settled_row._replace(result={**settled_row.result, "eligibility_status": "unconfirmed"})
        shown = document.document(read_before)

    assert shown["eligibility_check"]["status"] == "answered"
    assert shown["eligibility_status"] == "confirmed_271"
