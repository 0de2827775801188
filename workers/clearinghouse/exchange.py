"""What a clearinghouse send gives back: an `Answer` (the payer's 271) or a `Failure` of a named kind,
and the `Adapter` every wire implements.

Only a failure with `sent=False` (the request never left this machine: connection refused, DNS, TLS)
is safe to retry automatically; every other kind may have reached the payer. A 271 carrying AAA*42
("unable to respond now") is an Answer: deciding to retry it is the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from workers.x12.envelope import MalformedX12, read_interchange

KINDS = ("not_sent", "timeout", "envelope_rejected", "rejected_999", "rejected_ta1")


@dataclass(frozen=True)
class Answer:
    """The payer's 271 as received, with the control numbers that identify it."""

    x12: str  # the raw 271
    interchange_control: str  # the response's ISA13
    transaction_control: str  # the response's ST02
    payload_id: str  # CORE PayloadID, or the vendor's own request id
    elapsed_seconds: float

    def __repr__(self) -> str:  # the 271 holds PHI: never in a repr that may reach a log
        return (f"Answer(interchange_control={self.interchange_control!r}, transaction_control={self.transaction_control!r}, "
                f"payload_id={self.payload_id!r}, elapsed_seconds={self.elapsed_seconds:.3f})")


class Failure(Exception):
    """A send that brought back no 271. `detail` is plain words, never a credential or PHI; `raw` is the
    999 or TA1 text when there is one."""

    def __init__(self, kind: str, detail: str, *, sent: bool = True, raw: str | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown failure kind {kind!r}")
        self.kind = kind
        self.detail = detail
        self.sent = sent
        self.raw = raw
        super().__init__(f"{kind}: {detail}")

    def __repr__(self) -> str:
        return f"Failure(kind={self.kind!r}, detail={self.detail!r}, sent={self.sent!r})"

    def __reduce__(self):  # picklable (Celery's result backends, multiprocessing) despite keyword arguments
        return _failure, (self.kind, self.detail, self.sent, self.raw)


def _failure(kind: str, detail: str, sent: bool, raw: str | None) -> Failure:
    return Failure(kind, detail, sent=sent, raw=raw)


class Adapter(Protocol):
    """One clearinghouse wire. `send` returns the 271 or raises Failure; nothing else escapes it."""

    name: str

    def send(self, x12_270: str, *, timeout: float, payload_id: str) -> Answer: ...


def answer_or_failure(x12: str, *, payload_id: str, elapsed_seconds: float) -> Answer:
    """The Answer a response's X12 makes; Failure rejected_999 / rejected_ta1 when it is an
    acknowledgment instead of a 271, envelope_rejected when it holds no 271 at all."""
    text = x12.lstrip("\ufeff").strip()
    ids = _segment_ids(text)
    if "TA1" in ids and "ST" not in ids:
        raise Failure("rejected_ta1", "the clearinghouse rejected the interchange (TA1): " + _ta1_words(text), raw=text)
    try:
        interchange = read_interchange(text)
    except MalformedX12:
        # A 271 whose envelope the strict reader refuses is still the payer's answer: the service's
        # tolerant 271 reader says what is wrong with it, as it does for a pasted one.
        if found := _ST_271.search(text):
            return Answer(text, _isa13(text), found.group(1), payload_id, elapsed_seconds)
        raise Failure("envelope_rejected", "the clearinghouse answered with something that is not a 271.") from None
    for transaction in interchange.transaction_sets:
        if transaction.kind == "999":
            raise Failure("rejected_999", "the payer or clearinghouse rejected the 270 (999): " + _999_words(transaction),
                          raw=text)
        if transaction.kind == "271":
            return Answer(text, interchange.control_number, transaction.control_number, payload_id, elapsed_seconds)
    kinds = ", ".join(sorted({t.kind for t in interchange.transaction_sets})) or "none"
    raise Failure("envelope_rejected", f"the answer holds no 271 (transaction sets: {kinds}).")


_ST_271 = re.compile(r"(?:^|[~\s])ST[*|^:]271[*|^:]([A-Za-z0-9]+)")


def _isa13(text: str) -> str:
    elements = text[:106].split(text[3]) if len(text) > 3 else []
    return elements[13].strip() if len(elements) > 13 else ""


def _segment_ids(text: str) -> set[str]:
    terminator = text[105] if len(text) > 105 else "~"
    return {segment.strip().split(text[3] if len(text) > 3 else "*", 1)[0] for segment in text.split(terminator)}


# TA105 codes (X12 interchange acknowledgment), the ones a real-time sender meets.
_TA1_NOTES = {
    "000": "no error", "001": "the interchange control numbers in ISA13 and IEA02 do not match",
    "005": "invalid interchange sender id qualifier", "006": "invalid interchange sender id",
    "007": "invalid interchange receiver id qualifier", "008": "invalid interchange receiver id",
    "009": "unknown interchange receiver id", "014": "invalid interchange date", "015": "invalid interchange time",
    "016": "invalid interchange standards identifier", "017": "invalid interchange version id",
    "018": "invalid interchange control number", "020": "invalid test indicator",
    "022": "invalid control structure", "024": "invalid interchange content",
}


def _ta1_words(text: str) -> str:
    element = text[3] if len(text) > 3 else "*"
    terminator = text[105] if len(text) > 105 else "~"
    for segment in text.split(terminator):
        parts = segment.strip().split(element)
        if parts[0] == "TA1" and len(parts) > 5:
            return f"note code {parts[5]} ({_TA1_NOTES.get(parts[5], 'see the TA1 code list')})."
    return "no note code given."


# IK304 (segment) and IK403 (element) syntax error codes of the 999, in plain words.
_IK3 = {"1": "unrecognized segment", "2": "unexpected segment", "3": "required segment missing",
        "4": "loop occurs over maximum times", "5": "segment exceeds maximum use", "7": "segment not in defined transaction set",
        "8": "segment has data element errors", "I4": "implementation 'not used' segment present",
        "I6": "implementation dependent segment missing", "I7": "implementation loop occurs under minimum times",
        "I8": "implementation segment below minimum use", "I9": "implementation dependent 'not used' segment present"}
_IK4 = {"1": "required element missing", "2": "conditional required element missing", "3": "too many elements",
        "4": "element too short", "5": "element too long", "6": "invalid character", "7": "invalid code value",
        "8": "invalid date", "9": "invalid time", "I10": "implementation 'not used' element present",
        "I12": "implementation pattern match failure", "I13": "implementation dependent 'not used' element present",
        "I6": "code value not used in implementation", "I9": "implementation dependent element missing"}


def _999_words(transaction) -> str:
    """What the 999 says went wrong, by segment and position (never an element's value)."""
    notes = []
    for segment in transaction.segments:
        if segment.id == "IK3":
            notes.append(f"segment {segment.get(1)} at position {segment.get(2)}: "
                         f"{_IK3.get(segment.get(4), 'error ' + segment.get(4))}")
        elif segment.id == "IK4":
            notes.append(f"element {segment.get(1).split(segment.separators.component)[0]}: "
                         f"{_IK4.get(segment.get(3), 'error ' + segment.get(3))}")
        elif segment.id == "AK9" and not notes:
            notes.append(f"the functional group was {'rejected' if segment.get(1) == 'R' else 'acknowledged ' + segment.get(1)}")
    return "; ".join(notes) + "." if notes else "no reason given."
