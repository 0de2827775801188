"""Both wires against the fake clearinghouse over real HTTP: what the eligibility task will get back."""

import logging
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests

from tests.clearinghouse.conftest import HANG_SECONDS, SLOW_SECONDS, free_port, inquiry_270, wire_environ
from workers.clearinghouse import Answer, Failure, adapter_from_env
from workers.x12.envelope import read_interchange
from workers.x12.reader import read_271
from workers.x12.summary import summarize

PATIENT = {"patient": {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": date(1980, 2, 3)},
           "date_of_service": date(2026, 1, 12), "services": []}


def summary_of(answer: Answer, member_id: str) -> dict:
    """What the service reads from the 271 (the same reader a pasted 271 goes through)."""
    return summarize(read_271(answer.x12), {**PATIENT, "coverage": {"member_id": member_id}})[0]


def send(adapter, member_id: str, *, timeout: float = 5.0, **inquiry) -> Answer:
    return adapter.send(inquiry_270(member_id, **inquiry), timeout=timeout, payload_id=str(uuid.uuid4()))


def test_an_active_member_gets_the_payers_271_about_that_patient(adapter):
    answer = send(adapter, "W123456789", reference="4F2A9C01D3B54E6F8A7B")

    interchange = read_interchange(answer.x12)
    assert (answer.interchange_control, answer.transaction_control) == (
        interchange.control_number, interchange.transaction_sets[0].control_number)
    lines = answer.x12.splitlines()
    assert "NM1*IL*1*RIVERA*ANA****MI*W123456789~" in lines
    assert "DMG*D8*19800203~" in lines
    assert any(line.startswith("TRN*2*4F2A9C01D3B54E6F8A7B*") for line in lines), "the 270's trace number is echoed"
    summary = summary_of(answer, "W123456789")
    assert summary["status"] == "active"
    assert set(summary["identity"].values()) == {"match"}, "name, member id and birth date are the patient's"
    assert answer.payload_id and answer.elapsed_seconds > 0


def test_each_answer_has_fresh_control_numbers(adapter):
    first, second = send(adapter, "W1"), send(adapter, "W1")

    assert first.interchange_control != second.interchange_control


def test_unable_to_respond_now_is_an_answer_the_caller_decides_to_retry(adapter):
    answer = send(adapter, "BVAAA42")

    assert "AAA*Y**42*R~" in answer.x12.splitlines()
    assert [rejection["code"] for rejection in summary_of(answer, "BVAAA42")["rejections"]] == ["42"]


def test_an_inactive_member_gets_eb6(adapter):
    answer = send(adapter, "BVINACTIVE")

    assert "EB*6**30~" in answer.x12.splitlines()
    assert summary_of(answer, "BVINACTIVE")["status"] == "inactive"


def test_a_999_is_a_rejection_carrying_the_999(adapter):
    with pytest.raises(Failure) as raised:
        send(adapter, "BVREJECT999")

    failure = raised.value
    assert (failure.kind, failure.sent) == ("rejected_999", True)
    assert "ST*999*" in failure.raw
    assert "segment NM1" in failure.detail and "W123" not in failure.detail


def test_a_payer_that_never_answers_times_out_as_sent(adapter):
    started = time.monotonic()
    with pytest.raises(Failure) as raised:
        send(adapter, "BVTIMEOUT", timeout=1.0)

    assert (raised.value.kind, raised.value.sent) == ("timeout", True)
    assert time.monotonic() - started < HANG_SECONDS - 2, "the send gave up at its own timeout"


def test_a_slow_payer_answers_within_a_longer_timeout(adapter):
    answer = send(adapter, "BVSLOW", timeout=SLOW_SECONDS + 3)

    assert answer.elapsed_seconds >= SLOW_SECONDS
    assert "NM1*IL*1*RIVERA*ANA****MI*BVSLOW~" in answer.x12.splitlines()


def test_a_refused_connection_was_never_sent(wire):
    port = free_port()  # bound a moment ago, now closed: nothing listens
    adapter = adapter_from_env(wire_environ(wire, f"http://127.0.0.1:{port}"))

    with pytest.raises(Failure) as raised:
        send(adapter, "W1")

    assert (raised.value.kind, raised.value.sent) == ("not_sent", False)


def test_an_unknown_host_was_never_sent(wire):
    adapter = adapter_from_env(wire_environ(wire, "http://clearinghouse.invalid"))

    with pytest.raises(Failure) as raised:
        send(adapter, "W1")

    assert (raised.value.kind, raised.value.sent) == ("not_sent", False)


def test_a_connection_closed_after_the_request_went_out_counts_as_sent(wire):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    adapter = adapter_from_env(wire_environ(wire, f"http://127.0.0.1:{listener.getsockname()[1]}"))

    def accept_and_close():
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.close()

    threading.Thread(target=accept_and_close, daemon=True).start()
    with pytest.raises(Failure) as raised:
        send(adapter, "W1")
    listener.close()

    assert (raised.value.kind, raised.value.sent) == ("timeout", True)


WRONG = {"stedi": {"BV_CLEARINGHOUSE_API_KEY": "sk-live-Wrong-Key-7731"},
         "core": {"BV_CLEARINGHOUSE_PASSWORD": "Wrong-Password-7731"}}


def test_wrong_credentials_are_an_envelope_rejection(wire, fake_url):
    adapter = adapter_from_env(wire_environ(wire, fake_url, **WRONG[wire]))

    with pytest.raises(Failure) as raised:
        send(adapter, "W1")

    assert (raised.value.kind, raised.value.sent) == ("envelope_rejected", True)
    assert ("401" if wire == "stedi" else "UnAuthorized") in raised.value.detail


def test_no_credential_reaches_a_log_an_error_or_a_repr(wire, fake_url, caplog):
    secret = next(iter(WRONG[wire].values()))
    good = wire_environ(wire, fake_url)
    good_secret = good.get("BV_CLEARINGHOUSE_API_KEY") or good["BV_CLEARINGHOUSE_PASSWORD"]
    caplog.set_level(logging.DEBUG)
    seen = []

    with caplog.at_level(logging.DEBUG, logger=""):
        adapter = adapter_from_env(good)
        answer = send(adapter, "W1")
        seen += [repr(adapter), repr(answer), answer.x12]
        for member in ("BVREJECT999", "BVTIMEOUT"):
            with pytest.raises(Failure) as raised:
                send(adapter, member, timeout=1.0)
            seen += [str(raised.value), repr(raised.value), raised.value.raw or ""]
        rejected = adapter_from_env(wire_environ(wire, fake_url, **WRONG[wire]))
        with pytest.raises(Failure) as raised:
            send(rejected, "W1")
        seen += [repr(rejected), str(raised.value), repr(raised.value)]

    assert caplog.records, "DEBUG logging was captured (urllib3 logs each connection)"
    for text in [caplog.text, *seen]:
        assert secret not in text
        assert good_secret not in text


def test_the_fake_runs_as_a_module_and_bv_clearinghouse_fake_reaches_it():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "service.clearinghouse_fake", "--port", str(port)],
                               cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == f"Fake clearinghouse on http://127.0.0.1:{port}"
        base = f"http://127.0.0.1:{port}"
        assert "BVAAA42" in requests.get(base + "/", timeout=5).text, "the mock members are listed"
        adapter = adapter_from_env({"BV_CLEARINGHOUSE": "fake", "BV_CLEARINGHOUSE_URL": base})

        answer = send(adapter, "W123456789")

        assert summary_of(answer, "W123456789")["status"] == "active"
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
