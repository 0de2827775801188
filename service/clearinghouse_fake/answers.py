"""The fake clearinghouse's answers: a real 271 from `samples/` rewritten to the 270 it answers (the
subscriber's name, member id and birth date, the 270's trace number echoed in TRN*2, the provider and
payer it asked, fresh control numbers), or a 999 rejecting the 270.

Pure functions over text, so the tests read what the fake would say without a server.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from datetime import date, datetime
from pathlib import Path

from workers.x12.envelope import read_interchange
from workers.x12.inquiry import InquiryView, read_270

SAMPLES = Path(__file__).parent / "samples"
ACTIVE = "01-aetna-choice-pos-ii.271"
UNABLE_TO_RESPOND = "11-anon-payer-aaa42-ebp-oopfactory.271"
INVALID_MEMBER = "07-cms-hets-aaa72-indented.271"
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")

_lock = threading.Lock()
_numbers = itertools.count(int(time.time()) % 800_000_000 + 100_000_000)


def next_control_number() -> int:
    with _lock:
        return next(_numbers)


class Sample:
    """A 271 as a list of segments (each a list of elements) with its own separators."""

    def __init__(self, text: str):
        text = text.lstrip("\ufeff").lstrip()
        self.element, self.component, self.terminator = text[3], text[104], text[105]
        self.segments = [segment.strip().split(self.element) for segment in text.split(self.terminator)]
        self.segments = [segment for segment in self.segments if _SEGMENT_ID.match(segment[0])]

    def text(self) -> str:
        return "".join(self.element.join(segment) + self.terminator + "\n" for segment in self.segments)


def load(name: str) -> Sample:
    return Sample((SAMPLES / name).read_text(encoding="utf-8"))


def _set(segment: list[str], index: int, value: str) -> None:
    while len(segment) <= index:
        segment.append("")
    segment[index] = value


def _270_envelope(x12_270: str) -> dict[str, str]:
    """What the answer echoes from the 270: its ISA/GS parties and usage, BHT03, the TRN, ST02, GS06."""
    interchange = read_interchange(x12_270)
    transaction = interchange.transaction_sets[0]
    text = x12_270.lstrip("\ufeff").lstrip()
    isa = text[:106].split(text[3])
    found = {"isa05": isa[5], "isa06": isa[6], "isa07": isa[7], "isa08": isa[8], "usage": interchange.usage,
             "st02": transaction.control_number, "gs06": "", "gs02": "", "gs03": "", "bht03": "", "trn": []}
    gs = next((segment for segment in text.split(text[105]) if segment.strip().startswith("GS" + text[3])), "")
    if gs:
        parts = gs.strip().split(text[3])
        found.update(gs02=parts[2], gs03=parts[3], gs06=parts[6])
    for segment in transaction.segments:
        if segment.id == "BHT":
            found["bht03"] = segment.get(3)
        elif segment.id == "TRN" and not found["trn"]:
            found["trn"] = [segment.get(2), segment.get(3), segment.get(4)]
    return found


def _envelope_segments(sample: Sample, asked: dict[str, str], control: int, now: datetime) -> None:
    for segment in sample.segments:
        kind = segment[0]
        if kind == "ISA":
            _set(segment, 5, asked["isa07"])
            _set(segment, 6, asked["isa08"].ljust(15)[:15])
            _set(segment, 7, asked["isa05"])
            _set(segment, 8, asked["isa06"].ljust(15)[:15])
            _set(segment, 9, now.strftime("%y%m%d"))
            _set(segment, 10, now.strftime("%H%M"))
            _set(segment, 13, f"{control:09d}")
            _set(segment, 15, asked["usage"] or "T")
        elif kind == "GS":
            _set(segment, 2, asked["gs03"] or segment[2])
            _set(segment, 3, asked["gs02"] or segment[3])
            _set(segment, 4, now.strftime("%Y%m%d"))
            _set(segment, 5, now.strftime("%H%M%S"))
            _set(segment, 6, str(control))
        elif kind == "ST":
            _set(segment, 2, f"{control % 10000:04d}")
        elif kind == "GE":
            _set(segment, 1, "1")
            _set(segment, 2, str(control))
        elif kind == "IEA":
            _set(segment, 1, "1")
            _set(segment, 2, f"{control:09d}")
    st = next(index for index, segment in enumerate(sample.segments) if segment[0] == "ST")
    se = next(index for index, segment in enumerate(sample.segments) if segment[0] == "SE")
    _set(sample.segments[se], 1, str(se - st + 1))
    _set(sample.segments[se], 2, sample.segments[st][2])


def _person(inquiry: InquiryView):
    """Who the answer is about: the patient (a dependent asked about is answered as the subscriber)."""
    patient = inquiry.dependent or inquiry.subscriber
    return patient, inquiry.subscriber.member_id or patient.member_id or ""


def _rewrite(sample: Sample, x12_270: str, *, inactive: bool = False) -> str:
    inquiry = read_270(x12_270)
    asked = _270_envelope(x12_270)
    now = datetime.now()
    control = next_control_number()
    patient, member_id = _person(inquiry)
    served = inquiry.date_of_service or date.today()
    out: list[list[str]] = []
    level = ""
    trn_written = False
    before_benefits = True
    for segment in sample.segments:
        kind = segment[0]
        if kind == "HL":
            level = segment[3] if len(segment) > 3 else ""
            out.append(segment)
            if level in ("22", "23") and asked["trn"] and not trn_written:
                out.append(["TRN", "2", *asked["trn"][:2]] + ([asked["trn"][2]] if asked["trn"][2] else []))
                trn_written = True
            continue
        if kind == "TRN" and len(segment) > 1 and segment[1] == "2":
            continue  # the sample's own echo of someone else's 270: replaced above
        if kind == "BHT":
            _set(segment, 3, asked["bht03"] or segment[3])
            _set(segment, 4, now.strftime("%Y%m%d"))
            _set(segment, 5, now.strftime("%H%M%S"))
        elif kind == "NM1" and segment[1] == "PR" and level == "20":
            _set(segment, 3, inquiry.payer_name or segment[3])
            _set(segment, 9, inquiry.payer_id or segment[9])
        elif kind == "NM1" and segment[1] == "1P" and level == "21":
            _set(segment, 3, inquiry.provider_name or segment[3])
            _set(segment, 8, "XX")
            _set(segment, 9, inquiry.provider_npi or segment[9])
        elif kind == "NM1" and segment[1] == "IL":
            _set(segment, 3, patient.last_name or "")
            _set(segment, 4, patient.first_name or "")
            _set(segment, 5, "")
            _set(segment, 8, "MI")
            _set(segment, 9, member_id)
        elif kind == "DMG" and level in ("22", "23"):
            # The 270's birth date; no sex (the 270 asks none, so the sample's would be a stranger's).
            segment = ["DMG", "D8", patient.birth_date.strftime("%Y%m%d") if patient.birth_date else segment[2]]
        elif kind == "DTP" and level in ("22", "23") and before_benefits:
            if segment[1] == "346":  # plan begin: the start of the year asked about
                segment = ["DTP", "346", "D8", f"{served.year}0101"]
            elif segment[1] == "472":  # the service date asked about
                segment = ["DTP", "472", "D8", served.strftime("%Y%m%d")]
        elif kind == "EB" and inactive:
            out.append(["EB", "6", "", "30"])
            out.extend(s for s in sample.segments if s[0] in ("SE", "GE", "IEA"))
            break
        if kind == "EB":
            before_benefits = False
        out.append(segment)
    sample.segments = out
    _envelope_segments(sample, asked, control, now)
    return sample.text()


def active_271(x12_270: str) -> str:
    """An active plan (a real Aetna Choice POS II answer) about the 270's patient."""
    return _rewrite(load(ACTIVE), x12_270)


def inactive_271(x12_270: str) -> str:
    """The same payer's answer cut after the subscriber's dates, with EB*6 (inactive coverage)."""
    return _rewrite(load(ACTIVE), x12_270, inactive=True)


def unable_to_respond_271(x12_270: str) -> str:
    """AAA*Y**42*R: the payer's system cannot respond now (a real answer); retry later."""
    return _rewrite(load(UNABLE_TO_RESPOND), x12_270)


def invalid_member_271(x12_270: str) -> str:
    """AAA*N**72*C: invalid member id (a real CMS HETS answer)."""
    return _rewrite(load(INVALID_MEMBER), x12_270)


def rejection_999(x12_270: str) -> str:
    """A 999 rejecting the 270's transaction set: NM109 (the member id) in the subscriber's NM1 refused."""
    now = datetime.now()
    control = next_control_number()
    try:
        asked = _270_envelope(x12_270)
        position = next((segment.position for segment in read_interchange(x12_270).transaction_sets[0].segments
                         if segment.id == "NM1" and segment.get(1) == "IL"), 1)
    except Exception:  # a 270 too broken to read is rejected all the same, against the whole set
        asked = {"isa05": "ZZ", "isa06": "SENDER", "isa07": "ZZ", "isa08": "FAKECH", "usage": "T",
                 "gs02": "SENDER", "gs03": "FAKECH", "gs06": "1", "st02": "0001"}
        position = 1
    segments = [
        ["ISA", "00", " " * 10, "00", " " * 10, asked["isa07"], asked["isa08"].ljust(15)[:15], asked["isa05"],
         asked["isa06"].ljust(15)[:15], now.strftime("%y%m%d"), now.strftime("%H%M"), "^", "00501", f"{control:09d}",
         "0", asked["usage"] or "T", ":"],
        ["GS", "FA", asked["gs03"] or "FAKECH", asked["gs02"] or "SENDER", now.strftime("%Y%m%d"), now.strftime("%H%M%S"),
         str(control), "X", "005010X231A1"],
        ["ST", "999", "0001", "005010X231A1"],
        ["AK1", "HS", asked["gs06"] or "1", "005010X279A1"],
        ["AK2", "270", asked["st02"] or "0001", "005010X279A1"],
        ["IK3", "NM1", str(position), "2100", "8"],
        ["IK4", "9", "67", "7"],
        ["IK5", "R", "5"],
        ["AK9", "R", "1", "1", "0"],
    ]
    segments.append(["SE", str(len(segments) - 1), "0001"])
    segments += [["GE", "1", str(control)], ["IEA", "1", f"{control:09d}"]]
    return "".join("*".join(segment) + "~\n" for segment in segments)
