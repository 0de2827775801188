"""The 270 eligibility inquiry (005010X279A1): written from an `Inquiry`, and read back.

    write_270(inquiry) -> str           the interchange (ISA … IEA), one segment a line
    read_270(text) -> InquiryView       its content, after the envelope and loop checks a 271 gets

Everything is written deterministically from the inquiry (control numbers and timestamps included),
so the same verification always gives the same 270. Text is upper-cased, stripped of accents, of the
separators (* ~ : ^) and of characters outside X12's extended character set.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from .envelope import MalformedX12, Problem, read_interchange
from .loops import IMPLEMENTATION, read_levels

ELEMENT, COMPONENT, REPETITION, SEGMENT = "*", ":", "^", "~"
_NOT_X12 = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=%@\[\]_{}\\|<>#$]")


@dataclass(frozen=True, slots=True)
class Person:
    last_name: str | None
    first_name: str | None
    birth_date: date | None
    member_id: str | None


@dataclass(frozen=True, slots=True)
class Inquiry:
    control_number: int  # ISA13 and GS06, 1 to 999999999
    created: datetime
    reference: str  # BHT03 and the TRN trace number
    submitter_id: str  # ISA06/GS02
    receiver_id: str  # ISA08/GS03
    usage: str  # ISA15: P production, T test
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    provider_tin: str | None
    subscriber: Person
    dependent: Person | None
    group_number: str | None
    date_of_service: date
    service_types: tuple[str, ...]


def clean(value: str | None, limit: int) -> str:
    """Text as an X12 element may hold it: upper case without accents (Peña -> PENA), no separators,
    single spaces, at most `limit` characters."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value or "") if not unicodedata.combining(c))
    text = _NOT_X12.sub(" ", plain.upper())
    return " ".join(text.split())[:limit].strip()


def valid_npi(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit of the rest prefixed with 80840 (the NPI standard)."""
    if not re.fullmatch(r"\d{10}", npi or ""):
        return False
    total = 0
    for index, digit in enumerate(reversed("80840" + npi[:9])):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(npi[9])


def _segment(*elements: str) -> str:
    while elements and elements[-1] == "":
        elements = elements[:-1]
    return ELEMENT.join(elements)


def _originator(inquiry: Inquiry) -> str:
    """TRN03: 1 and the clinic's EIN, or 9 and nine digits of its own (the NPI's last nine)."""
    tin = re.sub(r"\D", "", inquiry.provider_tin or "")
    return f"1{tin}" if len(tin) == 9 else f"9{inquiry.provider_npi[1:]}"


def _person_segments(inquiry: Inquiry, person: Person, *, entity: str, patient: bool, with_id: bool) -> list[str]:
    segments = []
    if patient:
        segments.append(_segment("TRN", "1", clean(inquiry.reference, 50), _originator(inquiry)))
    last = clean(person.last_name, 60) if patient else ""
    first = clean(person.first_name, 35) if patient else ""
    member_id = clean(person.member_id, 80).replace(" ", "") if with_id else ""
    segments.append(_segment("NM1", entity, "1", last, first, "", "", "", "MI" if member_id else "", member_id))
    if with_id and inquiry.group_number and clean(inquiry.group_number, 50):
        segments.append(_segment("REF", "6P", clean(inquiry.group_number, 50)))
    if patient and person.birth_date:
        segments.append(_segment("DMG", "D8", person.birth_date.strftime("%Y%m%d")))
    if patient:
        segments.append(_segment("DTP", "291", "D8", inquiry.date_of_service.strftime("%Y%m%d")))
        segments.extend(_segment("EQ", code) for code in inquiry.service_types)
    return segments


def write_270(inquiry: Inquiry) -> str:
    control = f"{inquiry.control_number:09d}"
    group = str(inquiry.control_number)
    when = inquiry.created
    dependent = inquiry.dependent
    body = [
        _segment("ST", "270", "0001", IMPLEMENTATION),
        _segment("BHT", "0022", "13", clean(inquiry.reference, 50), when.strftime("%Y%m%d"), when.strftime("%H%M")),
        _segment("HL", "1", "", "20", "1"),
        _segment("NM1", "PR", "2", clean(inquiry.payer_name, 60), "", "", "", "", "PI", clean(inquiry.payer_id, 80)),
        _segment("HL", "2", "1", "21", "1"),
        _segment("NM1", "1P", "2", clean(inquiry.provider_name, 60), "", "", "", "", "XX", inquiry.provider_npi),
    ]
    tin = re.sub(r"\D", "", inquiry.provider_tin or "")
    if len(tin) == 9:
        body.append(_segment("REF", "TJ", tin))
    body.append(_segment("HL", "3", "2", "22", "1" if dependent else "0"))
    body += _person_segments(inquiry, inquiry.subscriber, entity="IL", patient=dependent is None, with_id=True)
    if dependent is not None:
        body.append(_segment("HL", "4", "3", "23", "0"))
        body += _person_segments(inquiry, dependent, entity="03", patient=True, with_id=False)
    body.append(_segment("SE", str(len(body) + 1), "0001"))
    isa = ELEMENT.join((
        "ISA", "00", " " * 10, "00", " " * 10,
        "ZZ", f"{clean(inquiry.submitter_id, 15):<15}", "ZZ", f"{clean(inquiry.receiver_id, 15):<15}",
        when.strftime("%y%m%d"), when.strftime("%H%M"), REPETITION, "00501", control, "0", inquiry.usage, COMPONENT,
    ))
    segments = [
        isa,
        _segment("GS", "HS", clean(inquiry.submitter_id, 15), clean(inquiry.receiver_id, 15), when.strftime("%Y%m%d"),
                 when.strftime("%H%M"), group, "X", IMPLEMENTATION),
        *body,
        _segment("GE", "1", group),
        _segment("IEA", "1", control),
    ]
    return "".join(segment + SEGMENT + "\n" for segment in segments)


@dataclass(frozen=True, slots=True)
class InquiryView:
    """What a 270 asks, as read back."""

    interchange_control_number: str
    transaction_control_number: str
    payer_name: str | None
    payer_id: str | None
    provider_name: str | None
    provider_npi: str | None
    subscriber: Person
    dependent: Person | None
    date_of_service: date | None
    service_types: tuple[str, ...]


def _read_person(level) -> Person:
    nm1 = level.nm1
    dmg = next((s for s in level.name if s.id == "DMG"), None)
    born = dmg.get(2) if dmg else ""
    return Person(
        last_name=nm1.get(3) or None,
        first_name=nm1.get(4) or None,
        birth_date=date(int(born[:4]), int(born[4:6]), int(born[6:])) if len(born) == 8 and born.isdigit() else None,
        member_id=nm1.get(9) or None,
    )


def read_270(text: str) -> InquiryView:
    interchange = read_interchange(text)
    if len(interchange.transaction_sets) != 1:
        raise MalformedX12([Problem("ST", None, "a 270 written here holds exactly one transaction set.")])
    transaction = interchange.transaction_sets[0]
    roots, _warnings = read_levels(transaction, "270")
    source = roots[0]
    receiver = source.children[0] if source.children else None
    subscriber = receiver.children[0] if receiver and receiver.children else None
    if subscriber is None:
        raise MalformedX12([Problem("HL", None, "a 270 needs a subscriber HL (22) under its receiver.")])
    patient = subscriber.children[0] if subscriber.children else subscriber
    dtp = next((s for s in patient.name if s.id == "DTP" and s.get(1) == "291"), None)
    day = dtp.get(3) if dtp else ""
    return InquiryView(
        interchange_control_number=interchange.control_number,
        transaction_control_number=transaction.control_number,
        payer_name=source.nm1.get(3) or None,
        payer_id=source.nm1.get(9) or None,
        provider_name=(receiver.nm1.get(3) or None) if receiver else None,
        provider_npi=(receiver.nm1.get(9) or None) if receiver else None,
        subscriber=_read_person(subscriber),
        dependent=_read_person(patient) if patient is not subscriber else None,
        date_of_service=date(int(day[:4]), int(day[4:6]), int(day[6:])) if len(day) == 8 and day.isdigit() else None,
        service_types=tuple(code for benefit in patient.benefits for code in benefit.segment.repeats(1)),
    )
