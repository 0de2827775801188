"""An X12 interchange read into segments: pyx12's `X12Reader` tokenises it and checks the ISA/GS/ST
envelopes (control numbers, counts, trailers); this module names every problem by segment and
position in our own words, never quoting an element's value (a 270/271 is full of PHI).

Positions inside a transaction set count from ST = 1, as a 999 acknowledgment counts them;
envelope segments (ISA, GS, GE, IEA) are named without one.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pyx12.errors
from pyx12.x12file import X12Reader

ISA_LENGTH = 106
VERSION = "00501"
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
ENVELOPE = frozenset({"ISA", "GS", "GE", "IEA"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document, located by segment id and position, free of its values."""

    segment: str | None
    position: int | None
    text: str

    def __str__(self) -> str:
        if self.segment is None:
            return self.text
        where = f"segment {self.segment}" + (f" at position {self.position}" if self.position else "")
        return f"{where}: {self.text}"


class MalformedX12(ValueError):
    """The document is not a well-formed X12 interchange of the expected kind; `problems` say where."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in problems[:5]))

    def messages(self, limit: int = 20) -> list[str]:
        shown = [str(problem) for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            shown.append(f"… and {len(self.problems) - limit} more problems.")
        return shown


@dataclass(frozen=True, slots=True)
class Separators:
    element: str
    component: str
    repetition: str | None
    segment: str


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    elements: tuple[str, ...]
    position: int  # in its transaction set, ST = 1; 0 for envelope segments
    separators: Separators

    def get(self, index: int) -> str:
        """Element `index` (1-based, as in NM103), stripped; "" when absent."""
        return self.elements[index - 1].strip() if 0 < index <= len(self.elements) else ""

    def repeats(self, index: int) -> tuple[str, ...]:
        """A repeating element's values (EB03 1^33^MH -> ("1", "33", "MH"))."""
        value = self.get(index)
        if not value:
            return ()
        if self.separators.repetition:
            return tuple(part.strip() for part in value.split(self.separators.repetition) if part.strip())
        return (value,)

    def components(self, index: int) -> tuple[str, ...]:
        """A composite element's components (EB13 HC:90834 -> ("HC", "90834"))."""
        value = self.get(index)
        return tuple(part.strip() for part in value.split(self.separators.component)) if value else ()

    def problem(self, text: str) -> Problem:
        return Problem(self.id, self.position or None, text)


@dataclass(frozen=True, slots=True)
class TransactionSet:
    kind: str  # ST01: 270, 271
    control_number: str  # ST02
    implementation: str  # ST03, or GS08 when ST03 is absent
    functional_group: str  # GS01: HS (270), HB (271)
    segments: tuple[Segment, ...]  # ST to SE


@dataclass(frozen=True, slots=True)
class Interchange:
    control_number: str  # ISA13
    usage: str  # ISA15: P production, T test
    separators: Separators
    transaction_sets: tuple[TransactionSet, ...]
    warnings: tuple[Problem, ...]


def _isa_problem(text: str) -> Problem | None:
    if not text.startswith("ISA"):
        return Problem("ISA", None, "the document must start with an ISA interchange header.")
    if len(text) < ISA_LENGTH:
        return Problem("ISA", None, f"the interchange header is {len(text)} characters long; it must be {ISA_LENGTH}.")
    element = text[3]
    fields = text[:ISA_LENGTH].split(element)
    if len(fields) != 17:
        length = _isa_length(text, element)
        measured = f"is {length} characters long" if length else "does not have its 16 elements"
        return Problem(
            "ISA", None,
            f"the interchange header {measured}; it must be {ISA_LENGTH} (its elements are fixed-width: "
            "ISA06 and ISA08 are padded with spaces to 15 characters).",
        )
    if fields[12] != VERSION:
        return Problem("ISA", None, f"ISA12 must be {VERSION} (version 005010); this interchange has another version.")
    return None


def _isa_length(text: str, element: str) -> int | None:
    """Where the ISA really ends (one character after its 16th element separator), to say by how much it is off."""
    count = 0
    for index, character in enumerate(text[:200]):
        if character == element:
            count += 1
            if count == 16:
                return index + 3 if index + 2 < len(text) else None
    return None


# pyx12's error codes (kind, code), in our words.
_ENVELOPE_ERRORS = {
    ("isa", "001"): ("IEA", "IEA02 does not match the interchange control number in ISA13."),
    ("isa", "021"): ("IEA", "IEA01 does not match the number of functional groups in the interchange."),
    ("isa", "023"): ("IEA", "the interchange trailer (IEA) is missing."),
    ("isa", "025"): ("ISA", "the interchange control number (ISA13) is repeated in this document."),
    ("gs", "3"): ("GE", "the functional group trailer (GE) is missing."),
    ("gs", "4"): ("GE", "GE02 does not match the group control number in GS06."),
    ("gs", "5"): ("GE", "GE01 does not match the number of transaction sets in the group."),
    ("gs", "6"): ("GS", "the group control number (GS06) is repeated in this interchange."),
    ("st", "2"): ("SE", "the transaction set trailer (SE) is missing."),
    ("st", "3"): ("SE", "SE02 does not match the transaction set control number in ST02."),
    ("st", "4"): ("SE", "SE01 does not match the number of segments in the transaction set (ST to SE)."),
    ("st", "23"): ("ST", "the transaction set control number (ST02) is repeated in this group."),
    ("seg", "8"): (None, "the segment is empty."),
    ("seg", "HL1"): ("HL", "HL01 must number the HL segments 1, 2, 3, … in order."),
    ("seg", "HL2"): ("HL", "HL02 does not name an HL segment above it as the parent."),
}
# Deviations pyx12 reports that leave the document readable.
_WARNINGS = {("seg", "SEG1"): "has empty elements at its end (trailing separators)."}


def read_interchange(text: str) -> Interchange:
    """The interchange's transaction sets; MalformedX12 naming every problem found."""
    text = text.lstrip()
    if problem := _isa_problem(text):
        raise MalformedX12([problem])
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        reader = X12Reader(io.StringIO(text))
    except pyx12.errors.X12Error:
        raise MalformedX12([Problem("ISA", None, "the interchange header is not valid.")]) from None
    separators = Separators(reader.ele_term, reader.subele_term, reader.repetition_term, reader.seg_term)
    sets: list[TransactionSet] = []
    isa13 = usage = ""
    current: list[Segment] | None = None
    group = ""
    implementation = ""
    position = 0
    try:
        for raw in reader:
            seg_id = raw.get_seg_id() or ""
            elements = tuple(composite.format() for composite in raw.elements)
            if seg_id == "ST":
                position = 0
                current = []
            if current is not None:
                position += 1
            segment = Segment(seg_id if _SEGMENT_ID.match(seg_id) else "?", elements, 0 if seg_id in ENVELOPE else position, separators)
            if not _SEGMENT_ID.match(seg_id):
                problems.append(Problem("?", position or None, "not a segment: it has no valid segment identifier (two or three capital letters or digits)."))
            if seg_id == "ISA":
                isa13, usage = segment.get(13), segment.get(15)
            elif seg_id == "GS":
                group, implementation = segment.get(1), segment.get(8)
            elif seg_id in ENVELOPE:
                if current is not None:  # its SE is missing: pyx12 says so
                    sets.append(_transaction_set(current, group, implementation))
                    current = None
            elif current is not None:
                current.append(segment)
                if seg_id == "SE":
                    sets.append(_transaction_set(current, group, implementation))
                    current = None
            elif seg_id not in ENVELOPE:
                problems.append(segment.problem("found outside a transaction set (between SE and ST, or before ST)."))
            _collect(reader.pop_errors(), segment, problems, warnings)
        reader.cleanup()
    except pyx12.errors.X12Error:
        problems.append(Problem("ISA", None, "an interchange header inside the document is not valid (it must have 16 elements)."))
    except (IndexError, KeyError, ValueError):
        # pyx12 pops its envelope stack without looking: a GE or IEA with no GS or ISA open breaks it.
        problems.append(Problem("GE", None, "an envelope trailer (GE or IEA) comes without its header (GS or ISA) open."))
    _collect(reader.pop_errors(), None, problems, warnings)
    if current is not None:
        sets.append(_transaction_set(current, group, implementation))
    if not sets and not problems:
        problems.append(Problem("ST", None, "the interchange holds no transaction set."))
    if problems:
        raise MalformedX12(problems)
    return Interchange(isa13, usage, separators, tuple(sets), tuple(warnings))


def _transaction_set(segments: list[Segment], group: str, implementation: str) -> TransactionSet:
    st = segments[0]
    return TransactionSet(st.get(1), st.get(2), st.get(3) or implementation, group, tuple(segments))


def _collect(errors, segment: Segment | None, problems: list[Problem], warnings: list[Problem]) -> None:
    for kind, code, message, _value, _line in errors:
        if (kind, code) in _WARNINGS:
            warnings.append(segment.problem(_WARNINGS[kind, code]) if segment else Problem(None, None, _WARNINGS[kind, code]))
            continue
        if kind == "seg" and code == "1":
            # A bad segment identifier is reported where it is read; a leading space is only a warning.
            if "leading space" in message and segment is not None:
                warnings.append(segment.problem("starts with a space."))
            continue
        if (kind, code) == ("gs", "3") and segment is not None and segment.id == "GE":
            problems.append(Problem("SE", None, "the transaction set trailer (SE) is missing before GE."))
            continue
        if (kind, code) == ("isa", "024"):
            problems.append(Problem("GE", None, "the functional group trailer (GE) is missing before IEA."))
            continue
        if (kind, code) == ("st", "4") and segment is not None and segment.get(1).isdigit():
            problems.append(segment.problem(
                f"SE01 says {int(segment.get(1))} segments, but the transaction set has {segment.position} (ST to SE)."))
            continue
        seg_id, text = _ENVELOPE_ERRORS.get((kind, code), (None, "is not valid X12."))
        if segment is not None and (seg_id is None or seg_id == segment.id):
            problems.append(segment.problem(text))
        else:
            problems.append(Problem(seg_id or "?", None, text))
