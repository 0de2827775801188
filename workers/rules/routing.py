"""Which program (and which carrier row, administrator or plan) decides a request.

The carrier, as written on the card or as a payer id, is read tolerantly: case, spacing and
punctuation do not matter, "BCBS" is "Blue Cross Blue Shield", "of"/"the"/"and" are ignored, and
"Tri West" is "TriWest". The longest alias that starts the name wins ("Aetna Better Health" is
Medicaid, "Aetna Open Access" is Aetna). Nothing is guessed: a name that matches no alias but is a
typing slip or two from one is `needs_review` with `carrier_suggestions` (the near names, best first),
and so is a name that starts with one carrier's alias but reads like a misspelling of a longer alias
of another ("Anthem Blue Cross Medi-Cl"). Near misses are measured with rapidfuzz (optimal string
alignment: a dropped, added, changed or swapped letter is one slip).

`coverage.program` wins when given, but a carrier (or plan type) of another program is a
contradiction, except that a commercial carrier may run a Medicare Advantage or Medicaid plan. The
plan type and words in the carrier's name ("Medi-Cal", "Medicare Advantage", "CHAMPVA") name a
program too. A name that belongs to two programs ("TriWest": VA CCN and TRICARE West; "VA": VA CCN
and CHAMPVA) is told apart by the plan type, the beneficiary category, the kind of authorization and
whether the patient is a veteran; when nothing tells them apart the request needs review.

An unrecognised carrier is never silently commercial: the route says so (`unrecognised`), and the
result is `needs_review` over the whole request, the default commercial policy giving guidance only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .catalog import content_hash
from .policy import CHAMPVA, COMMERCIAL, MEDICAID, MEDICARE, MEDICARE_ADVANTAGE, TRICARE, VA_CCN, Policy, carrier_rows
from .programs import CHAMPVA as CHAMPVA_PROGRAM
from .programs import COMMERCIAL as COMMERCIAL_PROGRAM
from .programs import GOVERNMENT, PROGRAM_NAMES, PROGRAMS
from .programs import MEDICAID as MEDICAID_PROGRAM
from .programs import MEDICARE as MEDICARE_PROGRAM
from .programs import MEDICARE_ADVANTAGE as MEDICARE_ADVANTAGE_PROGRAM
from .programs import SELF_PAY as SELF_PAY_PROGRAM
from .programs import TRICARE as TRICARE_PROGRAM
from .programs import VA_CCN as VA_CCN_PROGRAM
from .request import Verification

__all__ = [
    "COMMERCIAL_PROGRAM", "SELF_PAY_PROGRAM", "TRICARE_PROGRAM", "VA_CCN_PROGRAM", "PROGRAMS",
    "Candidate", "CarrierMatch", "Route", "alias_key", "match_carrier", "route",
]

GOVERNMENT_POLICIES: dict[str, Policy] = {
    VA_CCN_PROGRAM: VA_CCN,
    TRICARE_PROGRAM: TRICARE,
    MEDICARE_PROGRAM: MEDICARE,
    MEDICARE_ADVANTAGE_PROGRAM: MEDICARE_ADVANTAGE,
    MEDICAID_PROGRAM: MEDICAID,
    CHAMPVA_PROGRAM: CHAMPVA,
}

TRICARE_PLAN_WORDS = frozenset(
    word for words in TRICARE.data["plans"].values() for word in words
) | frozenset(TRICARE.data["active_duty"]["plan_type_words"])

# -- reading a name ---------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Words that change nothing about which carrier a name means.
STOP_WORDS = frozenset({"of", "the", "and", "inc"})
ABBREVIATIONS = {"bcbs": "blue cross blue shield"}


def alias_key(name: str) -> str:
    """A name as the alias table compares it: lower case, words of letters and digits, "BCBS" spelled out,
    "of", "the", "and" and "Inc" left out."""
    words = _NOT_ALNUM.sub(" ", name.lower()).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words if word not in STOP_WORDS)


def compact(key: str) -> str:
    return key.replace(" ", "")


def slips_allowed(text: str) -> int:
    """How many typing slips (a letter dropped, added, changed, or two swapped) still make a near miss."""
    return 1 if len(text) < 10 else 2 if len(text) < 20 else 3


# -- the alias table --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    program: str
    key: str | None  # commercial carrier key, or the program's administrator/plan key (None: the program itself)
    name: str


def written_key(name: str) -> str:
    """A name with only case, spacing and punctuation taken out: how a near miss of "BCBS" or of
    "Blue Cross and Blue Shield" is measured, as it was typed."""
    return _NOT_ALNUM.sub("", name.lower())


def _alias_table() -> tuple[
    dict[str, tuple[Candidate, ...]], dict[str, tuple[Candidate, ...]], dict[tuple[str, str], Candidate]
]:
    """(compact alias -> candidates, written alias -> candidates, (program, commercial carrier key) ->
    the plan that carrier runs)."""
    table: dict[str, list[Candidate]] = {}
    written: dict[str, list[Candidate]] = {}
    parents: dict[tuple[str, str], Candidate] = {}

    def add(alias: str, candidate: Candidate) -> None:
        for found, key in ((table, compact(alias_key(alias))), (written, written_key(alias))):
            if not key:
                continue
            entries = found.setdefault(key, [])
            if candidate not in entries:
                entries.append(candidate)

    for program, policy in GOVERNMENT_POLICIES.items():
        for row in carrier_rows(policy):
            candidate = Candidate(program, row["key"], row["name"])
            for alias in (row["name"], *row["aliases"]):  # the console offers the names to pick from
                add(alias, candidate)
            if row.get("parent"):
                parents[program, row["parent"]] = candidate
        for alias in policy.data["program"]["aliases"]:
            add(alias, Candidate(program, None, policy.data["module"]["name"]))
        shared = policy.data.get("shared_names")
        if shared:
            for alias in shared["aliases"]:
                for other in shared["programs"]:
                    add(alias, Candidate(other, None, GOVERNMENT_POLICIES[other].data["module"]["name"]))
    for key, policy in COMMERCIAL.items():
        carrier = policy.data["carrier"]
        names = carrier["aliases"] if carrier.get("default") else (carrier["name"], *carrier["aliases"])
        for alias in names:
            add(alias, Candidate(COMMERCIAL_PROGRAM, key, carrier["name"]))
    return (
        {alias: tuple(entries) for alias, entries in table.items()},
        {alias: tuple(entries) for alias, entries in written.items()},
        parents,
    )


ALIASES, WRITTEN, PARENT_PLANS = _alias_table()
_ALIAS_KEYS = list(ALIASES)
# Near misses are measured against both forms of every alias, each meaning what the alias means.
_NEAR: dict[str, tuple[Candidate, ...]] = {**WRITTEN, **ALIASES}
_NEAR_KEYS = list(_NEAR)
# For each alias, the longer aliases that start with it: a name matching the short one may be a
# misspelling of a long one of another carrier ("UnitedHealthcare Comunity Plan").
_LONGER: dict[str, tuple[str, ...]] = {
    alias: tuple(longer for longer in _ALIAS_KEYS if len(longer) > len(alias) and longer.startswith(alias))
    for alias in _ALIAS_KEYS
}


def _phrases(field: str) -> list[tuple[str, str]]:
    """(phrase, program) for each program's words of `field` (name_words or plan_words), longest first."""
    found = [
        (alias_key(word), program)
        for program, policy in GOVERNMENT_POLICIES.items()
        for word in policy.data["program"].get(field, ())
    ]
    return sorted(found, key=lambda item: -len(item[0]))


NAME_WORDS = _phrases("name_words")
PLAN_WORDS = _phrases("plan_words")
SUPPLEMENT_WORDS = [alias_key(word) for word in MEDICARE.data["program"]["supplement_words"]]
ADVANTAGE_PLAN_TYPES = frozenset(MEDICARE.data["program"]["advantage_plan_types"])
SHARED_QUESTIONS = {
    frozenset(policy.data["shared_names"]["programs"]): policy.data["shared_names"]["question"]
    for policy in GOVERNMENT_POLICIES.values()
    if "shared_names" in policy.data
}
ROUTING_VERSION = content_hash(
    sorted((alias, [(c.program, c.key) for c in found]) for alias, found in ALIASES.items()),
    NAME_WORDS, PLAN_WORDS, SUPPLEMENT_WORDS, sorted(ADVANTAGE_PLAN_TYPES),
)


class CarrierMatch(NamedTuple):
    candidates: tuple[Candidate, ...]  # what the name means (empty: not recognised)
    suggestions: tuple[Candidate, ...]  # near misses, best first (only when nothing is recognised)


NO_MATCH = CarrierMatch((), ())


def _near(probe: str) -> list[tuple[int, int, float, str]]:
    """(slips, -probe length, -similarity, alias) of the aliases within the slips allowed of `probe`: the
    fewest slips first, then the most of the name explained, then the closest by rapidfuzz's ratio."""
    if not probe:
        return []
    return [
        (int(slips), -len(probe), -fuzz.ratio(probe, choice), choice)
        for choice, slips, _ in process.extract(probe, _NEAR_KEYS, scorer=OSA.distance, score_cutoff=slips_allowed(probe), limit=12)
    ]


def _ranked(scored: list[tuple[int, int, float, str]]) -> tuple[Candidate, ...]:
    """The candidates of ranked near misses, best first, each carrier once."""
    found: list[Candidate] = []
    for *_, alias in sorted(scored):
        for candidate in _NEAR[alias]:
            if candidate not in found:
                found.append(candidate)
    return tuple(found)


# Cards name the same few carriers over and over: each name is looked up once (bounded memo).
@lru_cache(maxsize=4096)
def match_carrier(carrier: str | None) -> CarrierMatch:
    if not carrier:
        return NO_MATCH
    words = alias_key(carrier).split()
    if not words:
        return NO_MATCH
    prefixes = ["".join(words[:count]) for count in range(1, len(words) + 1)]
    for count in range(len(words), 0, -1):  # the longest alias that starts the name
        alias = prefixes[count - 1]
        if alias not in ALIASES:
            continue
        longer = _LONGER[alias] if count < len(words) else ()
        misspelt = [
            (slips, -len(tail), -fuzz.ratio(tail, rest), longer_alias)
            for longer_alias in longer
            for rest in [longer_alias[len(alias):]]
            for tail in ("".join(words[count:end]) for end in range(count + 1, len(words) + 1))
            for slips in [OSA.distance(tail, rest, score_cutoff=slips_allowed(rest))]
            if slips <= slips_allowed(rest)
        ]
        if any(set(ALIASES[entry[-1]]) != set(ALIASES[alias]) for entry in misspelt):
            # The name reads like a misspelling of a longer alias of another carrier.
            return CarrierMatch((), _ranked([*misspelt, (99, 0, 0, alias)]))
        return CarrierMatch(ALIASES[alias], ())
    probes = {*(probe for probe in prefixes if len(probe) >= 4), prefixes[-1], written_key(carrier)}
    scored = [entry for probe in probes for entry in _near(probe)]
    return CarrierMatch((), _ranked(scored)) if scored else NO_MATCH


# -- program words in the name or the plan type ----------------------------------------------

CONFLICT = "conflict"


def _programs_named(text: str | None, phrases: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(phrase, program) found as whole words in `text`; a phrase inside a longer one found is left out."""
    if not text:
        return []
    padded = f" {alias_key(text)} "
    found: list[tuple[str, str]] = []
    for phrase, program in phrases:  # longest first
        if f" {phrase} " in padded and not any(phrase in longer for longer, _ in found):
            found.append((phrase, program))
    return found


@lru_cache(maxsize=4096)
def program_named(carrier: str | None, plan_type: str | None) -> tuple[str | None, str]:
    """The program the carrier's name or the plan type names (None: neither does; CONFLICT: they
    name different programs), and the words that said so."""
    found = _programs_named(carrier, NAME_WORDS) + _programs_named(plan_type, PLAN_WORDS)
    programs = {program for _, program in found}
    if {MEDICARE_PROGRAM, MEDICARE_ADVANTAGE_PROGRAM} <= programs:  # a Medicare Advantage plan is Medicare
        programs.discard(MEDICARE_PROGRAM)
    words = ", ".join(f"'{phrase}'" for phrase, _ in found)
    if not programs:
        return None, ""
    if len(programs) > 1:
        return CONFLICT, words
    return programs.pop(), words


def fits(named: str | None, program: str) -> bool:
    """Whether a program named by words is consistent with `program`."""
    return named is None or named == program or (named == MEDICARE_PROGRAM and program == MEDICARE_ADVANTAGE_PROGRAM)


@lru_cache(maxsize=4096)
def supplement_named(carrier: str | None, plan_type: str | None) -> bool:
    text = f" {alias_key(carrier or '')} {alias_key(plan_type or '')} "
    return any(f" {word} " in text for word in SUPPLEMENT_WORDS)


# -- the route --------------------------------------------------------------------------------


class Route(NamedTuple):
    program: str | None
    candidate: Candidate | None
    review: str | None = None  # why a person must decide (the request cannot be routed)
    question: str | None = None  # what to ask to route it
    suggestions: tuple[str, ...] = ()  # near carrier names, best first
    unrecognised: bool = False  # the carrier is not recognised: the default commercial policy is guidance only


def tricare_plan(plan: str | None) -> bool:
    return bool(plan) and (plan in TRICARE_PLAN_WORDS or "TRICARE" in plan or "ADSM" in plan)


def tricare_hint(verification: Verification) -> bool:
    return bool(verification.beneficiary_category) or tricare_plan(verification.plan_type)


def va_hint(verification: Verification) -> bool:
    authorization = verification.authorization
    return authorization is not None and authorization.kind == "va_referral"


AMBIGUOUS_TRIWEST = (
    "The card says TriWest, which runs two different programs: the VA Community Care Network "
    "(veterans referred by the VA) and TRICARE West (active-duty members, retirees and their "
    "families). Ask the patient whether this care comes with a VA referral (authorization number "
    "starting 'VA') or is billed to their TRICARE plan (Prime, Select or For Life), then check the "
    "referral in HSRM or TRICARE eligibility in the TriWest portal, and set coverage.program."
)
UNKNOWN_CARRIER = (
    "The carrier '{carrier}' is not one these rules recognise{suggested}. Find out who insures the "
    "patient and under which program (call the number on the card or send a 270 eligibility inquiry): "
    "the company and plan, whether the coverage is active on {dos}, its mental-health benefits "
    "(deductible, copay, coinsurance, out-of-pocket maximum) and whether behavioral health is carved out "
    "to another company; then correct coverage.carrier or set coverage.program."
)
CONTRADICTION = "Confirm which program this card belongs to and correct coverage.program, the plan type or the carrier."


def _names(candidates: tuple[Candidate, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(candidate.name for candidate in candidates))


def unknown_carrier_question(verification: Verification, suggestions: tuple[str, ...]) -> str:
    suggested = f" (near: {', '.join(suggestions)})" if suggestions else ""
    dos = verification.date_of_service.isoformat() if verification.date_of_service else "the date of service"
    return UNKNOWN_CARRIER.format(carrier=verification.carrier, suggested=suggested, dos=dos)


def route(verification: Verification, trace: list[tuple[str, str, str]]) -> Route:
    """The program for a request; `trace` receives (rule, outcome, detail) entries."""
    program = verification.program
    if program == SELF_PAY_PROGRAM:
        trace.append(("routing.program", "pass", "coverage.program is self_pay."))
        return Route(SELF_PAY_PROGRAM, None)
    found = match_carrier(verification.carrier)
    suggestions = _names(found.suggestions)
    if supplement_named(verification.carrier, verification.plan_type):
        question = MEDICARE.data["program"]["supplement_question"]
        trace.append(("routing.carrier", "fail", "The carrier or plan type names a Medicare supplement (Medigap)."))
        return Route(None, None, review="A Medicare supplement pays after Original Medicare.", question=question)
    named, words = program_named(verification.carrier, verification.plan_type)
    if named == CONFLICT:
        detail = f"The carrier's name and the plan type name different programs ({words})."
        trace.append(("routing.plan", "fail", detail))
        return Route(None, None, review=detail, question=CONTRADICTION, suggestions=suggestions)
    if program is not None:
        return _given_program(verification, program, found.candidates, suggestions, named, words, trace)
    if found.candidates:
        return _by_carrier(verification, found.candidates, named, words, trace)
    return _unrecognised(verification, found, suggestions, named, words, trace)


def _given_program(
    verification: Verification, program: str, candidates: tuple[Candidate, ...], suggestions: tuple[str, ...],
    named: str | None, words: str, trace: list[tuple[str, str, str]],
) -> Route:
    if program not in PROGRAMS:
        trace.append(("routing.program", "fail", f"Unknown program {program!r}."))
        return Route(None, None, review=f"Unknown program {program!r}.", question=f"Set coverage.program to one of {', '.join(PROGRAMS)}.")
    if not fits(named, program):
        detail = f"coverage.program is {program}, but the carrier's name or plan type says {named} ({words})."
        trace.append(("routing.program", "fail", detail))
        return Route(program, None, review=detail, question=CONTRADICTION)
    own = [c for c in candidates if c.program == program]
    if own:
        trace.append(("routing.program", "pass", f"coverage.program is {program} (carrier: {own[0].name})."))
        return Route(program, own[0])
    programs = {c.program for c in candidates}
    if candidates:
        runs = _plan_of_carrier(candidates, program)
        if runs is not False:
            trace.append(("routing.program", "pass", _runs_detail(verification, program, runs)))
            return Route(program, runs)
        detail = f"coverage.program is {program}, but carrier '{verification.carrier}' is a {', '.join(sorted(programs))} carrier."
        trace.append(("routing.program", "fail", detail))
        return Route(program, None, review=detail, question=CONTRADICTION)
    if program == COMMERCIAL_PROGRAM and verification.carrier:
        return _commercial_guidance(verification, suggestions, trace)
    trace.append(("routing.program", "pass", f"coverage.program is {program}; the carrier is not in the alias table."))
    return Route(program, None, suggestions=suggestions)


def _plan_of_carrier(candidates: tuple[Candidate, ...], program: str) -> Candidate | None | bool:
    """The plan a commercial carrier runs in a Medicare Advantage or Medicaid program (None: a plan of
    that program not in the table), or False when the carrier cannot be in that program."""
    programs = {c.program for c in candidates}
    if programs == {COMMERCIAL_PROGRAM} and program in (MEDICARE_ADVANTAGE_PROGRAM, MEDICAID_PROGRAM):
        return PARENT_PLANS.get((program, candidates[0].key))
    if programs == {MEDICARE_PROGRAM} and program == MEDICARE_ADVANTAGE_PROGRAM:
        return None
    return False


def _runs_detail(verification: Verification, program: str, plan: Candidate | None) -> str:
    which = plan.name if plan else f"a {PROGRAM_NAMES[program]} plan not in the table"
    return f"'{verification.carrier}' with program {program}: {which}."


def _by_carrier(
    verification: Verification, candidates: tuple[Candidate, ...], named: str | None, words: str,
    trace: list[tuple[str, str, str]],
) -> Route:
    programs = {c.program for c in candidates}
    if named is not None and not any(fits(named, p) for p in programs):
        target = MEDICARE_ADVANTAGE_PROGRAM if named == MEDICARE_PROGRAM else named
        runs = _plan_of_carrier(candidates, target)
        if runs is not False:
            trace.append(("routing.carrier", "pass", _runs_detail(verification, target, runs) + f" (named by {words})"))
            return Route(target, runs)
        detail = f"Carrier '{verification.carrier}' is a {', '.join(sorted(programs))} carrier, but {words} names {named}."
        trace.append(("routing.carrier", "fail", detail))
        return Route(None, None, review=detail, question=CONTRADICTION)
    if named is not None:
        candidates = tuple(c for c in candidates if fits(named, c.program))
        programs = {c.program for c in candidates}
    if programs == {MEDICARE_PROGRAM} and verification.plan_type in ADVANTAGE_PLAN_TYPES:
        trace.append(("routing.carrier", "pass", f"'{verification.carrier}' with plan type {verification.plan_type}: Original Medicare has no network plans, so this is a Medicare Advantage plan (not in the table)."))
        return Route(MEDICARE_ADVANTAGE_PROGRAM, None)
    if len(programs) > 1:
        return _shared_name(verification, candidates, programs, trace)
    candidate = candidates[0]
    trace.append(("routing.carrier", "pass", f"Carrier '{verification.carrier}' is {candidate.name} ({candidate.program})."))
    return Route(candidate.program, candidate)


def _shared_name(
    verification: Verification, candidates: tuple[Candidate, ...], programs: set[str], trace: list[tuple[str, str, str]],
) -> Route:
    """A name two programs share ("TriWest", "VA"): the request's other fields must tell them apart."""
    hinted: set[str] = set()
    hints = []
    if tricare_hint(verification):  # outside TRICARE's names, a contradiction the hints below cannot settle
        hinted.add(TRICARE_PROGRAM)
        hints.append("the plan type or beneficiary category is TRICARE's")
    if va_hint(verification):
        hinted.add(VA_CCN_PROGRAM)
        hints.append("the authorization is a VA referral")
    if verification.veteran is False and VA_CCN_PROGRAM in programs and len(programs - {VA_CCN_PROGRAM}) == 1:
        hinted |= programs - {VA_CCN_PROGRAM}
        hints.append("the patient is not a veteran, so not VA CCN")
    if {CHAMPVA_PROGRAM, VA_CCN_PROGRAM} <= programs:
        if verification.veteran is True:
            hinted.add(VA_CCN_PROGRAM)
            hints.append("the patient is a veteran, and CHAMPVA covers veterans' families")
        if verification.relationship in ("spouse", "child"):
            hinted.add(CHAMPVA_PROGRAM)
            hints.append(f"the patient is the subscriber's {verification.relationship}, and VA community care is for the veteran")
    if len(hinted) == 1 and hinted <= programs:
        chosen = hinted.pop()
        candidate = next(c for c in candidates if c.program == chosen)
        trace.append(("routing.carrier", "pass", f"'{verification.carrier}' could be {' or '.join(sorted(programs))}; {chosen} because {' and '.join(hints)}."))
        return Route(chosen, candidate)
    detail = f"'{verification.carrier}' could be {' or '.join(sorted(programs))}" + (
        f", and the hints disagree ({'; '.join(hints)})." if hints else ", and nothing in the request tells them apart."
    )
    trace.append(("routing.carrier", "fail", detail))
    return Route(None, None, review=detail, question=SHARED_QUESTIONS.get(frozenset(programs), AMBIGUOUS_TRIWEST))


def _unrecognised(
    verification: Verification, found: CarrierMatch, suggestions: tuple[str, ...], named: str | None, words: str,
    trace: list[tuple[str, str, str]],
) -> Route:
    if named is not None:
        program = named
        if found.suggestions:  # a misspelt name of this program's carrier, or of another program's
            program = found.suggestions[0].program
            if not fits(named, program):
                detail = f"Carrier '{verification.carrier}' is not in the alias table; {words} names {named}, but the nearest names are {', '.join(suggestions)}."
                trace.append(("routing.carrier", "fail", detail))
                return Route(None, None, review=detail, question=unknown_carrier_question(verification, suggestions), suggestions=suggestions)
        trace.append(("routing.carrier", "pass", f"Carrier not in the alias table; {words} names {named}: {PROGRAM_NAMES[program]}, plan not in the table."))
        return Route(program, None, suggestions=suggestions)
    if va_hint(verification):
        trace.append(("routing.carrier", "pass", "Carrier not in the alias table; the authorization is a VA referral: va_ccn."))
        return Route(VA_CCN_PROGRAM, None, suggestions=suggestions)
    if tricare_hint(verification):
        trace.append(("routing.carrier", "pass", "Carrier not in the alias table; the plan type is TRICARE's: tricare."))
        return Route(TRICARE_PROGRAM, None, suggestions=suggestions)
    if not verification.carrier:
        trace.append(("routing.carrier", "fail", "No program and no carrier: the request cannot be routed."))
        return Route(None, None, review="No program and no carrier given.", question="Ask for the insurance card (carrier and plan), or set coverage.program to self_pay.")
    if any(candidate.program in GOVERNMENT for candidate in found.suggestions):
        # A near miss of a government program's name: no commercial guidance for it.
        detail = f"Carrier '{verification.carrier}' is not in the alias table; near: {', '.join(suggestions)}."
        trace.append(("routing.carrier", "fail", detail))
        return Route(None, None, review=detail, question=unknown_carrier_question(verification, suggestions), suggestions=suggestions)
    return _commercial_guidance(verification, suggestions, trace)


def _commercial_guidance(verification: Verification, suggestions: tuple[str, ...], trace: list[tuple[str, str, str]]) -> Route:
    near = f"; near: {', '.join(suggestions)}" if suggestions else ""
    trace.append(("routing.carrier", "fail", f"Carrier '{verification.carrier}' is not recognised{near}: the default commercial policy prices the lines as guidance only, and a person must confirm the coverage."))
    return Route(
        COMMERCIAL_PROGRAM, None,
        review=f"The carrier '{verification.carrier}' is not recognised.",
        question=unknown_carrier_question(verification, suggestions),
        suggestions=suggestions, unrecognised=True,
    )
