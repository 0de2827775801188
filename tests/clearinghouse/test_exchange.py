"""What a clearinghouse's X12 answer becomes: a 271 Answer, or a typed Failure in plain words that
quote no value of the 270 (names, member ids)."""

import pickle
from pathlib import Path

import pytest

from service.clearinghouse_fake import answers
from tests.clearinghouse.conftest import inquiry_270
from workers.clearinghouse import Failure, answer_or_failure

SAMPLES = Path(__file__).resolve().parents[2] / "service" / "clearinghouse_fake" / "samples"
TA1 = ("ISA*00*          *00*          *ZZ*FAKECH         *ZZ*BVCLINIC       *260105*1020*^*00501*000000778*0*T*:~"
       "TA1*000004711*260105*1020*R*006~IEA*0*000000778~")


def test_a_271_is_an_answer_with_its_control_numbers():
    answer = answer_or_failure((SAMPLES / "01-aetna-choice-pos-ii.271").read_text(), payload_id="p", elapsed_seconds=0.2)

    assert (answer.interchange_control, answer.transaction_control) == ("605043497", "605043497")
    assert "SAMPLE" not in repr(answer), "a repr that may reach a log carries none of the 271"


def test_a_271_with_a_broken_trailer_is_still_the_payers_answer():
    text = (SAMPLES / "11-anon-payer-aaa42-ebp-oopfactory.271").read_text().replace("GE*1*41439", "GX*1*41439")

    answer = answer_or_failure(text, payload_id="p", elapsed_seconds=0.2)

    assert answer.transaction_control == "41439" and "AAA*Y**42*R" in answer.x12


def test_a_999_names_the_segment_and_position_never_the_value():
    x999 = answers.rejection_999(inquiry_270("W987654321"))

    with pytest.raises(Failure) as raised:
        answer_or_failure(x999, payload_id="p", elapsed_seconds=0.2)

    assert raised.value.kind == "rejected_999" and raised.value.raw == x999.strip()
    assert "segment NM1 at position" in raised.value.detail and "invalid code value" in raised.value.detail
    assert "W987654321" not in raised.value.detail and "RIVERA" not in raised.value.detail


def test_a_ta1_is_an_interchange_rejection_with_its_note_in_words():
    with pytest.raises(Failure) as raised:
        answer_or_failure(TA1, payload_id="p", elapsed_seconds=0.2)

    assert raised.value.kind == "rejected_ta1"
    assert "006 (invalid interchange sender id)" in raised.value.detail


def test_something_that_is_not_x12_is_an_envelope_rejection():
    with pytest.raises(Failure) as raised:
        answer_or_failure("<html><body>Bad gateway</body></html>", payload_id="p", elapsed_seconds=0.2)

    assert (raised.value.kind, raised.value.raw) == ("envelope_rejected", None)


def test_a_failure_survives_pickling_and_only_unsent_is_unsent():
    failure = pickle.loads(pickle.dumps(Failure("not_sent", "refused", sent=False)))

    assert (failure.kind, failure.detail, failure.sent) == ("not_sent", "refused", False)
    assert Failure("timeout", "no answer").sent is True
    with pytest.raises(ValueError):
        Failure("lost", "not a kind")
