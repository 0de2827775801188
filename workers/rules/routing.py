"""Which program (and which carrier row or administrator) decides a request.

`coverage.program` wins when given (a carrier that belongs to another program is a contradiction).
Otherwise the carrier, as written on the card or as a payer id, is looked up in the alias table built
from the policy files; the longest alias that starts the carrier's name wins ("Aetna Open Access"
-> Aetna). A name that belongs to two programs ("TriWest": VA CCN and TRICARE West) is told apart by
the plan type, the beneficiary category, the kind of authorization and whether the patient is a
veteran; when nothing tells them apart the request needs review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .catalog import content_hash
from .policy import COMMERCIAL, TRICARE, VA_CCN
from .request import VerificationRequest

VA_CCN_PROGRAM = "va_ccn"
TRICARE_PROGRAM = "tricare"
COMMERCIAL_PROGRAM = "commercial"
SELF_PAY_PROGRAM = "self_pay"
PROGRAMS = (VA_CCN_PROGRAM, TRICARE_PROGRAM, COMMERCIAL_PROGRAM, SELF_PAY_PROGRAM)

TRICARE_PLAN_WORDS = frozenset(
    word for words in TRICARE.data["plans"].values() for word in words
) | frozenset(TRICARE.data["active_duty"]["plan_type_words"])

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def alias_key(name: str) -> str:
    return _NOT_ALNUM.sub(" ", name.lower()).strip()


@dataclass(frozen=True, slots=True)
class Candidate:
    program: str
    key: str | None  # commercial carrier key, or VA CCN / TRICARE administrator key
    name: str


def _alias_table() -> dict[str, tuple[Candidate, ...]]:
    table: dict[str, list[Candidate]] = {}

    def add(alias: str, candidate: Candidate) -> None:
        entries = table.setdefault(alias_key(alias), [])
        if candidate not in entries:
            entries.append(candidate)

    for program, policy in ((VA_CCN_PROGRAM, VA_CCN), (TRICARE_PROGRAM, TRICARE)):
        for row in policy.data["administrator"]:
            for alias in row["aliases"]:
                add(alias, Candidate(program, row["key"], row["name"]))
        for alias in policy.data["program"]["aliases"]:
            add(alias, Candidate(program, None, policy.data["module"]["name"]))
    for key, policy in COMMERCIAL.items():
        carrier = policy.data["carrier"]
        for alias in carrier["aliases"]:
            add(alias, Candidate(COMMERCIAL_PROGRAM, key, carrier["name"]))
    return {alias: tuple(entries) for alias, entries in table.items()}


ALIASES = _alias_table()
# Longest first, so the most specific alias that starts a carrier's name wins.
_PREFIXES = sorted(ALIASES, key=len, reverse=True)
ROUTING_VERSION = content_hash(sorted((alias, [c.program for c in found]) for alias, found in ALIASES.items()))


# Cards name the same few carriers over and over: each name is looked up once (bounded memo).
@lru_cache(maxsize=2048)
def match_carrier(carrier: str | None) -> tuple[Candidate, ...]:
    if not carrier:
        return ()
    key = alias_key(carrier)
    if key in ALIASES:
        return ALIASES[key]
    for alias in _PREFIXES:
        if key.startswith(alias + " "):
            return ALIASES[alias]
    return ()


class Route(NamedTuple):
    program: str | None
    candidate: Candidate | None
    review: str | None = None  # why a person must decide (the request cannot be routed)
    question: str | None = None  # what to ask to route it


def tricare_plan(plan: str | None) -> bool:
    return bool(plan) and (plan in TRICARE_PLAN_WORDS or "TRICARE" in plan or "ADSM" in plan)


def tricare_hint(verification: VerificationRequest) -> bool:
    return bool(verification.beneficiary_category) or tricare_plan(verification.plan_type)


def va_hint(verification: VerificationRequest) -> bool:
    authorization = verification.authorization
    return authorization is not None and authorization.kind == "va_referral"


AMBIGUOUS_TRIWEST = (
    "The card says TriWest, which runs two different programs: the VA Community Care Network "
    "(veterans referred by the VA) and TRICARE West (active-duty members, retirees and their "
    "families). Ask the patient whether this care comes with a VA referral (authorization number "
    "starting 'VA') or is billed to their TRICARE plan (Prime, Select or For Life), then check the "
    "referral in HSRM or TRICARE eligibility in the TriWest portal, and set coverage.program."
)


def route(verification: VerificationRequest, trace: list[tuple[str, str, str]]) -> Route:
    """The program for a request; `trace` receives (rule, outcome, detail) entries."""
    program = verification.program
    candidates = match_carrier(verification.carrier)
    if program == SELF_PAY_PROGRAM:
        trace.append(("routing.program", "pass", "coverage.program is self_pay."))
        return Route(SELF_PAY_PROGRAM, None)

    if program is not None:
        if program not in PROGRAMS:
            trace.append(("routing.program", "fail", f"Unknown program {program!r}."))
            return Route(None, None, review=f"Unknown program {program!r}.", question="Set coverage.program to va_ccn, tricare, commercial or self_pay.")
        own = [c for c in candidates if c.program == program]
        if candidates and not own:
            names = ", ".join(sorted({c.program for c in candidates}))
            detail = f"coverage.program is {program}, but carrier '{verification.carrier}' is a {names} carrier."
            trace.append(("routing.program", "fail", detail))
            return Route(program, None, review=detail, question="Confirm which program this card belongs to and correct coverage.program or the carrier.")
        candidate = own[0] if own else None
        detail = f"coverage.program is {program}" + (f" (carrier: {candidate.name})." if candidate else "; the carrier is not in the alias table.")
        trace.append(("routing.program", "pass", detail))
        return Route(program, candidate)

    programs = {c.program for c in candidates}
    if len(programs) > 1:
        hinted = set()
        hints = []
        if tricare_hint(verification):
            hinted.add(TRICARE_PROGRAM)
            hints.append("the plan type or beneficiary category is TRICARE's")
        if va_hint(verification):
            hinted.add(VA_CCN_PROGRAM)
            hints.append("the authorization is a VA referral")
        if verification.veteran is False and VA_CCN_PROGRAM in programs:
            hinted.add(TRICARE_PROGRAM)
            hints.append("the patient is not a veteran, so not VA CCN")
        if len(hinted) == 1 and hinted <= programs:
            chosen = hinted.pop()
            candidate = next(c for c in candidates if c.program == chosen)
            trace.append(("routing.carrier", "pass", f"'{verification.carrier}' could be {' or '.join(sorted(programs))}; {chosen} because {' and '.join(hints)}."))
            return Route(chosen, candidate)
        detail = f"'{verification.carrier}' could be {' or '.join(sorted(programs))}" + (
            f", and the hints disagree ({'; '.join(hints)})." if hints else ", and nothing in the request tells them apart."
        )
        trace.append(("routing.carrier", "fail", detail))
        return Route(None, None, review=detail, question=AMBIGUOUS_TRIWEST)

    if candidates:
        candidate = candidates[0]
        trace.append(("routing.carrier", "pass", f"Carrier '{verification.carrier}' is {candidate.name} ({candidate.program})."))
        return Route(candidate.program, candidate)

    if va_hint(verification):
        trace.append(("routing.carrier", "pass", "Carrier not in the alias table; the authorization is a VA referral: va_ccn."))
        return Route(VA_CCN_PROGRAM, None)
    if tricare_hint(verification):
        trace.append(("routing.carrier", "pass", "Carrier not in the alias table; the plan type is TRICARE's: tricare."))
        return Route(TRICARE_PROGRAM, None)
    if verification.carrier:
        trace.append(("routing.carrier", "info", f"Carrier '{verification.carrier}' is not in the alias table: the default commercial policy applies."))
        return Route(COMMERCIAL_PROGRAM, None)
    trace.append(("routing.carrier", "fail", "No program and no carrier: the request cannot be routed."))
    return Route(None, None, review="No program and no carrier given.", question="Ask for the insurance card (carrier and plan), or set coverage.program to self_pay.")
