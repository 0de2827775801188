"""A 271 eligibility response (005010X279A1) read into a typed view of our own.

    read_271(text) -> EligibilityResponse    (MalformedX12 naming the segment when it cannot be read)

The view keeps what a verification needs: the payer, each subscriber and dependent with their
eligibility or benefit lines (EB), the rejections (AAA) at every level with their meaning and
follow-up, dates, free-text messages and the entities to contact. Amounts are Decimal, dates `date`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from . import codes
from .envelope import MalformedX12, Problem, Segment, read_interchange
from .loops import BenefitLoop, Level, read_levels


@dataclass(frozen=True, slots=True)
class Rejection:
    """An AAA segment: the payer could not answer (part of) the inquiry."""

    loop: str
    code: str
    meaning: str
    follow_up_code: str | None
    follow_up: str | None
    action: str
    valid_request: bool | None


@dataclass(frozen=True, slots=True)
class Period:
    """A DTP segment: one date, or a range (RD8)."""

    qualifier: str
    meaning: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Entity:
    """A 2120 loop: who to contact, or who provides, for the benefit it follows (a carve-out, a PCP)."""

    entity_code: str
    name: str | None
    identifier_qualifier: str | None
    identifier: str | None
    contacts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Benefit:
    """An EB segment (loop 2110C/D) with what qualifies it."""

    position: int
    code: str
    meaning: str
    coverage_level: str | None
    service_types: tuple[str, ...]
    insurance_type: str | None
    plan: str | None
    period: str | None
    amount: Decimal | None
    percent: Decimal | None
    quantity_qualifier: str | None
    quantity: Decimal | None
    authorization_required: str | None
    in_plan_network: str | None
    procedure: str | None
    dates: tuple[Period, ...]
    messages: tuple[str, ...]
    rejections: tuple[Rejection, ...]
    entities: tuple[Entity, ...]

    @property
    def applies_to(self) -> tuple[str, ...]:
        """The service types this line is about; the plan as a whole (30) when EB03 is empty."""
        return self.service_types or ("30",)


@dataclass(frozen=True, slots=True)
class Party:
    """The information source (payer, 2100A) or receiver (provider, 2100B)."""

    loop: str
    entity_code: str
    name: str | None
    identifier_qualifier: str | None
    identifier: str | None
    rejections: tuple[Rejection, ...]


@dataclass(frozen=True, slots=True)
class Member:
    """A subscriber (2000C/2100C) or dependent (2000D/2100D) and their eligibility or benefit lines."""

    loop: str
    role: str  # subscriber | dependent
    last_name: str | None
    first_name: str | None
    middle_name: str | None
    member_id: str | None
    birth_date: date | None
    gender: str | None
    relationship: str | None  # INS02
    dates: tuple[Period, ...]
    rejections: tuple[Rejection, ...]
    benefits: tuple[Benefit, ...]
    dependents: tuple[Member, ...]
    payer: Party
    receiver: Party | None


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    interchange_control_number: str
    transaction_control_numbers: tuple[str, ...]
    reference: str | None  # BHT03
    created: datetime | None  # BHT04/05
    test: bool  # ISA15 T
    payers: tuple[Party, ...]
    receivers: tuple[Party, ...]
    subscribers: tuple[Member, ...]
    warnings: tuple[str, ...]

    def patients(self) -> tuple[Member, ...]:
        """Whom the response is about: each subscriber's dependents, or the subscriber without any."""
        return tuple(person for subscriber in self.subscribers for person in (subscriber.dependents or (subscriber,)))

    def rejections(self) -> tuple[Rejection, ...]:
        found: list[Rejection] = []
        for party in (*self.payers, *self.receivers):
            found.extend(party.rejections)
        for subscriber in self.subscribers:
            for member in (subscriber, *subscriber.dependents):
                found.extend(member.rejections)
                for benefit in member.benefits:
                    found.extend(benefit.rejections)
        return tuple(found)


def read_271(text: str) -> EligibilityResponse:
    interchange = read_interchange(text)
    payers: list[Party] = []
    receivers: list[Party] = []
    subscribers: list[Member] = []
    warnings: list[Problem] = list(interchange.warnings)
    problems: list[Problem] = []
    first = interchange.transaction_sets[0]
    bht = first.segments[1] if len(first.segments) > 1 and first.segments[1].id == "BHT" else None
    for transaction in interchange.transaction_sets:
        roots, found = read_levels(transaction, "271")
        warnings.extend(found)
        for source in roots:
            payer = _party(source, problems)
            payers.append(payer)
            for receiver_level in source.children:
                receiver = _party(receiver_level, problems)
                receivers.append(receiver)
                for subscriber_level in receiver_level.children:
                    subscribers.append(_member(subscriber_level, payer, receiver, problems))
    if problems:
        raise MalformedX12(problems)
    return EligibilityResponse(
        interchange_control_number=interchange.control_number,
        transaction_control_numbers=tuple(t.control_number for t in interchange.transaction_sets),
        reference=(bht.get(3) or None) if bht else None,
        created=_timestamp(bht) if bht else None,
        test=interchange.usage == "T",
        payers=tuple(payers),
        receivers=tuple(receivers),
        subscribers=tuple(subscribers),
        warnings=tuple(str(warning) for warning in warnings),
    )


def _party(level: Level, problems: list[Problem]) -> Party:
    nm1 = level.nm1
    rejections = [_rejection(s, f"2000{level.letter}", problems) for s in level.header if s.id == "AAA"]
    rejections += [_rejection(s, f"2100{level.letter}", problems) for s in level.name if s.id == "AAA"]
    return Party(
        loop=f"2100{level.letter}",
        entity_code=nm1.get(1) if nm1 else "",
        name=_name(nm1) if nm1 else None,
        identifier_qualifier=(nm1.get(8) or None) if nm1 else None,
        identifier=(nm1.get(9) or None) if nm1 else None,
        rejections=tuple(rejections),
    )


def _name(nm1: Segment) -> str | None:
    """An organisation's name (NM102 2), or a person's as "FIRST LAST" (NM102 1)."""
    if nm1.get(2) == "1":
        return " ".join(filter(None, (nm1.get(4), nm1.get(3)))) or None
    return nm1.get(3) or None


def _member(level: Level, payer: Party, receiver: Party | None, problems: list[Problem]) -> Member:
    nm1 = level.nm1
    loop = f"2100{level.letter}"
    dmg = next((s for s in level.name if s.id == "DMG"), None)
    ins = next((s for s in level.name if s.id == "INS"), None)
    birth = None
    if dmg is not None and dmg.get(2):
        if dmg.get(1) != "D8":
            problems.append(dmg.problem("DMG01 must be D8 (a CCYYMMDD date)."))
        birth = _date(dmg, 2, problems)
    return Member(
        loop=loop,
        role="subscriber" if level.code == "22" else "dependent",
        last_name=(nm1.get(3) or None) if nm1 else None,
        first_name=(nm1.get(4) or None) if nm1 else None,
        middle_name=(nm1.get(5) or None) if nm1 else None,
        member_id=(nm1.get(9) or None) if nm1 and nm1.get(8) in ("MI", "II", "") else None,
        birth_date=birth,
        gender=(dmg.get(3) or None) if dmg else None,
        relationship=(ins.get(2) or None) if ins else None,
        dates=tuple(_period(s, problems) for s in level.name if s.id == "DTP"),
        rejections=tuple(_rejection(s, loop, problems) for s in level.name if s.id == "AAA"),
        benefits=tuple(_benefit(loop_, problems) for loop_ in level.benefits),
        dependents=tuple(_member(child, payer, receiver, problems) for child in level.children),
        payer=payer,
        receiver=receiver,
    )


def _benefit(loop: BenefitLoop, problems: list[Problem]) -> Benefit:
    eb = loop.segment
    code = eb.get(1)
    if code not in codes.ELIGIBILITY_OR_BENEFIT:
        problems.append(eb.problem("EB01 is not an eligibility or benefit code of the 005010 code list (1, 6, A, B, C, G, …)."))
    _check_code(eb, 2, codes.COVERAGE_LEVEL, "a coverage level (IND, FAM, …)", problems)
    _check_code(eb, 6, codes.TIME_PERIOD, "a time period qualifier (23 calendar year, 29 remaining, …)", problems)
    _check_code(eb, 9, codes.QUANTITY, "a quantity qualifier (VS visits, …)", problems)
    _check_code(eb, 11, codes.YES_NO_UNKNOWN, "Y, N or U", problems)
    _check_code(eb, 12, codes.IN_PLAN_NETWORK, "Y, N, U or W", problems)
    procedure = eb.components(13)
    return Benefit(
        position=eb.position,
        code=code,
        meaning=codes.ELIGIBILITY_OR_BENEFIT.get(code, ""),
        coverage_level=eb.get(2) or None,
        service_types=eb.repeats(3),
        insurance_type=eb.get(4) or None,
        plan=eb.get(5) or None,
        period=eb.get(6) or None,
        amount=_decimal(eb, 7, problems),
        percent=_decimal(eb, 8, problems),
        quantity_qualifier=eb.get(9) or None,
        quantity=_decimal(eb, 10, problems),
        authorization_required=eb.get(11) or None,
        in_plan_network=eb.get(12) or None,
        procedure=procedure[1] if len(procedure) > 1 else None,
        dates=tuple(_period(s, problems) for s in loop.details if s.id == "DTP"),
        messages=tuple(s.get(1) for s in loop.details if s.id == "MSG" and s.get(1)),
        rejections=tuple(_rejection(s, loop.loop, problems) for s in loop.details if s.id == "AAA"),
        entities=tuple(_entity(segments) for segments in loop.entities),
    )


def _entity(segments: list[Segment]) -> Entity:
    nm1 = next((s for s in segments if s.id == "NM1"), None)
    contacts = []
    for per in (s for s in segments if s.id == "PER"):
        for qualifier, number in ((per.get(3), per.get(4)), (per.get(5), per.get(6)), (per.get(7), per.get(8))):
            if number:
                contacts.append(f"{_COMMUNICATION.get(qualifier, qualifier)}: {number}")
    return Entity(
        entity_code=nm1.get(1) if nm1 else "",
        name=_name(nm1) if nm1 else None,
        identifier_qualifier=(nm1.get(8) or None) if nm1 else None,
        identifier=(nm1.get(9) or None) if nm1 else None,
        contacts=tuple(contacts),
    )


_COMMUNICATION = {"TE": "phone", "FX": "fax", "EM": "email", "UR": "web", "EX": "extension", "WP": "work phone"}


def _rejection(aaa: Segment, loop: str, problems: list[Problem]) -> Rejection:
    code = aaa.get(3)
    follow_up = aaa.get(4) or None
    if aaa.get(1) not in ("Y", "N"):
        problems.append(aaa.problem("AAA01 must be Y or N (whether the inquiry was valid)."))
    if not code:
        problems.append(aaa.problem("AAA03 (the reject reason code) is required."))
    if follow_up is not None and follow_up not in codes.FOLLOW_UP:
        problems.append(aaa.problem("AAA04 must be a follow-up action code (C, N, P, R, S, W, X or Y)."))
    meaning, action = codes.REJECT_REASON.get(code, ("Reject reason not in the 005010 code list", "Call the payer."))
    return Rejection(
        loop=loop,
        code=code,
        meaning=meaning,
        follow_up_code=follow_up,
        follow_up=codes.FOLLOW_UP.get(follow_up) if follow_up else None,
        action=action,
        valid_request={"Y": True, "N": False}.get(aaa.get(1)),
    )


def _period(dtp: Segment, problems: list[Problem]) -> Period:
    qualifier, form, value = dtp.get(1), dtp.get(2), dtp.get(3)
    start = end = None
    if form == "D8":
        start = _parse_date(value)
    elif form == "RD8" and "-" in value:
        first, _, last = value.partition("-")
        start, end = _parse_date(first), _parse_date(last)
        if start and end and end < start:
            problems.append(dtp.problem("DTP03 is a range whose end comes before its start."))
    else:
        problems.append(dtp.problem("DTP02 must be D8 (CCYYMMDD) or RD8 (CCYYMMDD-CCYYMMDD) with a matching DTP03."))
        return Period(qualifier, codes.DATE_QUALIFIER.get(qualifier, ""), date.min, None)
    if start is None or (form == "RD8" and end is None):
        problems.append(dtp.problem("DTP03 is not a valid date in the form DTP02 gives."))
        start = start or date.min
    return Period(qualifier, codes.DATE_QUALIFIER.get(qualifier, ""), start, end)


def _parse_date(value: str) -> date | None:
    if len(value) != 8 or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _date(segment: Segment, index: int, problems: list[Problem]) -> date | None:
    value = _parse_date(segment.get(index))
    if value is None:
        problems.append(segment.problem(f"{segment.id}{index:02d} is not a valid CCYYMMDD date."))
    return value


def _timestamp(bht: Segment) -> datetime | None:
    day = _parse_date(bht.get(4))
    if day is None:
        return None
    clock = bht.get(5)
    if len(clock) >= 4 and clock[:4].isdigit() and int(clock[:2]) < 24 and int(clock[2:4]) < 60:
        return datetime(day.year, day.month, day.day, int(clock[:2]), int(clock[2:4]))
    return datetime(day.year, day.month, day.day)


def _decimal(segment: Segment, index: int, problems: list[Problem]) -> Decimal | None:
    value = segment.get(index)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        problems.append(segment.problem(f"{segment.id}{index:02d} must be a number of zero or more."))
        return None
    return number


def _check_code(segment: Segment, index: int, table: dict[str, str], what: str, problems: list[Problem]) -> None:
    value = segment.get(index)
    if value and value not in table:
        problems.append(segment.problem(f"{segment.id}{index:02d} must be {what}."))
