"""The loop structure of a 270 or 271 transaction set (005010X279A1), checked and grouped.

pyx12 4.0.0 ships no 005010X279A1 map, so the guide's loops are checked here: the HL hierarchy
(2000A information source 20 → 2000B information receiver 21 → 2000C subscriber 22 → 2000D
dependent 23), each HL's name loop (2100x, opened by NM1 with the entity codes the guide allows),
the eligibility or benefit loops (2110C/D: EB in a 271, EQ in a 270) and the 2120C/D entity loops
between LS and LE. Which segments each loop may hold is data (`SEGMENTS`); their order within a
loop is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import codes
from .envelope import MalformedX12, Problem, Segment, TransactionSet

IMPLEMENTATION = "005010X279A1"
LEVELS = {"20": "A", "21": "B", "22": "C", "23": "D"}
PARENT = {"21": "20", "22": "21", "23": "22"}
LEVEL_NAMES = {
    "20": "information source (payer)",
    "21": "information receiver (provider)",
    "22": "subscriber",
    "23": "dependent",
}
NAME_ENTITIES = {
    "20": codes.PAYER_ENTITIES,
    "21": codes.RECEIVER_ENTITIES,
    "22": codes.SUBSCRIBER_ENTITIES,
    "23": codes.DEPENDENT_ENTITIES,
}
_PERSON_271 = frozenset({"REF", "N3", "N4", "AAA", "PRV", "DMG", "INS", "HI", "DTP", "MPI"})
_PERSON_270 = frozenset({"REF", "N3", "N4", "PRV", "DMG", "INS", "HI", "DTP"})

# kind -> (header segments after each HL, segments of each name loop, the segment that opens a
# 2110 loop, the segments a 2110 loop may hold, the segments a 2120 loop may hold)
SEGMENTS = {
    "271": {
        "header": {"20": {"AAA"}, "21": set(), "22": {"TRN"}, "23": {"TRN"}},
        "name": {"20": {"PER", "AAA"}, "21": {"REF", "AAA", "PRV"}, "22": _PERSON_271, "23": _PERSON_271},
        "benefit": "EB",
        "benefit_segments": {"HSD", "REF", "DTP", "AAA", "MSG", "III", "LS"},
        "entity_segments": {"NM1", "N3", "N4", "PER", "PRV"},
        "bht02": {"11"},
        "group": "HB",
    },
    "270": {
        "header": {"20": set(), "21": set(), "22": {"TRN"}, "23": {"TRN"}},
        "name": {"20": set(), "21": {"REF", "N3", "N4", "PRV"}, "22": _PERSON_270, "23": _PERSON_270},
        "benefit": "EQ",
        "benefit_segments": {"AMT", "III", "REF", "DTP"},
        "entity_segments": set(),
        "bht02": {"13"},
        "group": "HS",
    },
}


@dataclass(slots=True)
class BenefitLoop:
    """2110C/D: one EB (271) or EQ (270) with the segments that qualify it, and its 2120 entity loops."""

    loop: str
    segment: Segment
    details: list[Segment] = field(default_factory=list)
    entities: list[list[Segment]] = field(default_factory=list)


@dataclass(slots=True)
class Level:
    """One HL loop (2000A–D) with its header segments, its name loop (2100A–D) and, for a subscriber or
    dependent, its 2110 loops; `children` are the HL loops that name it as parent."""

    code: str
    hl: Segment
    header: list[Segment] = field(default_factory=list)
    name: list[Segment] = field(default_factory=list)
    benefits: list[BenefitLoop] = field(default_factory=list)
    children: list[Level] = field(default_factory=list)

    @property
    def letter(self) -> str:
        return LEVELS[self.code]

    @property
    def nm1(self) -> Segment | None:
        return self.name[0] if self.name else None


def read_levels(transaction: TransactionSet, kind: str) -> tuple[list[Level], list[Problem]]:
    """The transaction set's HL tree (its 2000A loops), and deviations that leave it readable.

    Raises MalformedX12 for anything that breaks the structure: a wrong transaction set, an HL
    hierarchy that does not follow the guide, a segment where the guide allows none, a missing NM1.
    """
    spec = SEGMENTS[kind]
    problems: list[Problem] = []
    warnings: list[Problem] = []
    segments = transaction.segments
    st = segments[0]
    if transaction.kind != kind:
        problems.append(st.problem(f"ST01 must be {kind}: this reader takes {kind} transaction sets."))
    if transaction.implementation != IMPLEMENTATION:
        problems.append(st.problem(f"ST03 (or GS08) must be {IMPLEMENTATION}, the 270/271 implementation guide of version 005010."))
    if transaction.functional_group != spec["group"]:
        warnings.append(Problem("GS", None, f"GS01 should be {spec['group']} for a {kind}."))
    body = list(segments[1:])
    if body and body[-1].id == "SE":
        body.pop()
    if not body or body[0].id != "BHT":
        problems.append(Problem("BHT", 2, "the transaction set must start with a BHT segment after ST."))
    else:
        bht = body.pop(0)
        if bht.get(1) != "0022":
            problems.append(bht.problem("BHT01 must be 0022 (information source, receiver, subscriber, dependent)."))
        if bht.get(2) not in spec["bht02"]:
            expected = " or ".join(sorted(spec["bht02"]))
            problems.append(bht.problem(f"BHT02 must be {expected} for a {kind}."))
    if problems:
        raise MalformedX12(problems)

    roots: list[Level] = []
    by_number: dict[str, Level] = {}
    level: Level | None = None
    state = "header"
    entity: list[Segment] | None = None
    for segment in body:
        if segment.id == "HL":
            if entity is not None:
                problems.append(segment.problem("an LS loop (2120) is not closed with LE before this HL."))
                entity = None
            level = _open_level(segment, by_number, roots, problems)
            state = "header"
            continue
        if level is None:
            problems.append(segment.problem("is not expected before the first HL segment."))
            continue
        loop = _name_loop(level)
        if entity is not None:
            if segment.id == "LE":
                if segment.get(1) != "2120":
                    problems.append(segment.problem("LE01 must be 2120, as LS01 is."))
                entity = None
            elif segment.id in spec["entity_segments"]:
                entity.append(segment)
            else:
                problems.append(segment.problem(f"is not expected in loop 2120{level.letter} (between LS and LE)."))
            continue
        if state == "header":
            if segment.id in spec["header"][level.code]:
                level.header.append(segment)
                continue
            if segment.id != "NM1":
                problems.append(segment.problem(f"expected NM1 (loop {loop}, the {LEVEL_NAMES[level.code]}'s name) after HL."))
                state = "name"
                continue
            _check_entity(segment, level, loop, warnings)
            level.name.append(segment)
            state = "name"
            continue
        if segment.id == spec["benefit"] and level.code in ("22", "23"):
            level.benefits.append(BenefitLoop(f"2110{level.letter}", segment))
            state = "benefit"
            continue
        if state == "name":
            if segment.id in spec["name"][level.code]:
                level.name.append(segment)
            else:
                problems.append(segment.problem(f"is not expected in loop {loop}."))
            continue
        benefit = level.benefits[-1]
        if segment.id == "LS":
            if segment.get(1) != "2120":
                problems.append(segment.problem("LS01 must be 2120."))
            entity = []
            benefit.entities.append(entity)
        elif segment.id in spec["benefit_segments"]:
            benefit.details.append(segment)
        else:
            problems.append(segment.problem(f"is not expected in loop {benefit.loop}."))
    if entity is not None:
        problems.append(Problem("LE", None, "an LS loop (2120) is not closed with LE before SE."))
    for root in roots:
        _check_children(root, problems)
    if not roots and not problems:
        problems.append(Problem("HL", None, "the transaction set has no HL loop."))
    if problems:
        raise MalformedX12(problems)
    return roots, warnings


def _name_loop(level: Level) -> str:
    return f"2100{level.letter}"


def _open_level(segment: Segment, by_number: dict[str, Level], roots: list[Level], problems: list[Problem]) -> Level:
    code = segment.get(3)
    if code not in LEVELS:
        problems.append(segment.problem("HL03 must be 20 (information source), 21 (receiver), 22 (subscriber) or 23 (dependent)."))
        code = "20"
    level = Level(code, segment)
    parent_number = segment.get(2)
    if code == "20":
        if parent_number:
            problems.append(segment.problem("an information source HL (20) has no parent: HL02 must be empty."))
        roots.append(level)
    else:
        parent = by_number.get(parent_number)
        if parent is None or parent.code != PARENT[code]:
            problems.append(segment.problem(
                f"HL02 must name the {LEVEL_NAMES[PARENT[code]]} HL ({PARENT[code]}) above this {LEVEL_NAMES[code]} HL ({code})."))
        else:
            parent.children.append(level)
    by_number[segment.get(1)] = level
    if segment.get(4) not in ("0", "1"):
        problems.append(segment.problem("HL04 must be 1 (child HL loops follow) or 0 (none follow)."))
    return level


def _check_entity(segment: Segment, level: Level, loop: str, warnings: list[Problem]) -> None:
    allowed = NAME_ENTITIES[level.code]
    if segment.get(1) not in allowed:
        expected = ", ".join(sorted(allowed))
        warnings.append(segment.problem(f"NM101 should be {expected} in loop {loop}; read as the {LEVEL_NAMES[level.code]}."))


def _check_children(level: Level, problems: list[Problem]) -> None:
    if level.nm1 is None and not any(p.segment == "NM1" for p in problems):
        problems.append(level.hl.problem(f"loop {_name_loop(level)} (NM1) is missing after this HL."))
    has_children = "1" if level.children else "0"
    if level.hl.get(4) in ("0", "1") and level.hl.get(4) != has_children:
        says = "child HL loops follow" if level.hl.get(4) == "1" else "no child HL loop follows"
        problems.append(level.hl.problem(f"HL04 says {says}, but the document has {'some' if level.children else 'none'}."))
    for child in level.children:
        _check_children(child, problems)
