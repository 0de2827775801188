"""Cost-share arithmetic: who pays what of the allowed amount, across a series of sessions.

All money is Decimal, rounded half-up to cents per line; the payer's share is the allowed amount less
the patient's, so patient + payer == allowed exactly, per line and in total. For each line, in order,
session by session:

1. the remaining deductible is paid first (session 1 consumes it before session 2);
2. on what is left, a copay for a visit line (E/M, psychiatric evaluation, psychotherapy, Spravato
   visit) when the plan has one, otherwise the coinsurance; a copay of 0 beside a coinsurance does
   not waive the coinsurance (a $0 copay on a 271 says no copay applies, not that nothing does);
3. the patient never pays past the out-of-pocket maximum remaining (deductible counts toward it).

The series is played session by session for the patient's share. Sessions that cannot differ from the
one just played are added in one step, as playing them one by one would give: while the deductible
left pays whole sessions; once the deductible is met, while the out-of-pocket maximum left covers
whole sessions; and once the out-of-pocket maximum is reached (the patient pays nothing more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .request import Benefits

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


@dataclass(slots=True)
class CostShareTerms:
    """What is left of the plan's cost sharing, consumed as the series goes on."""

    deductible_left: Decimal
    out_of_pocket_left: Decimal | None  # None: no out-of-pocket maximum given
    coinsurance: Decimal | None  # a fraction, 0.20 for 20%
    copay: Decimal | None

    @classmethod
    def from_benefits(cls, benefits: Benefits) -> CostShareTerms:
        deductible_left = ZERO
        if benefits.deductible is not None:
            deductible_left = max(ZERO, cents(benefits.deductible - (benefits.deductible_met or ZERO)))
        out_of_pocket_left = None
        if benefits.out_of_pocket_max is not None:
            out_of_pocket_left = max(
                ZERO, cents(benefits.out_of_pocket_max - (benefits.out_of_pocket_met or ZERO))
            )
        coinsurance = None
        if benefits.coinsurance_percent is not None:
            coinsurance = min(benefits.coinsurance_percent, HUNDRED) / HUNDRED
        copay = cents(benefits.copay) if benefits.copay is not None else None
        if not copay and coinsurance is not None:  # a $0 copay does not waive the coinsurance
            copay = None
        return cls(deductible_left, out_of_pocket_left, coinsurance, copay)

    def session(self, lines: list[tuple[Decimal, bool]]) -> tuple[list[Decimal], bool]:
        """The patient's share of each (allowed, is_visit) line of one session, in order, and whether the
        out-of-pocket maximum capped any; consumes the deductible and the out-of-pocket maximum."""
        deductible_left, out_of_pocket_left = self.deductible_left, self.out_of_pocket_left
        shares = []
        capped = False
        for allowed, is_visit in lines:
            if deductible_left:
                deductible = min(allowed, deductible_left)
                deductible_left -= deductible
                rest = allowed - deductible
            else:  # the deductible is met: the whole allowed amount is cost-shared
                deductible, rest = ZERO, allowed
            if is_visit and self.copay is not None:
                share = min(self.copay, rest)
            elif self.coinsurance is not None:
                share = cents(rest * self.coinsurance)
            else:
                share = ZERO
            patient = deductible + share
            if out_of_pocket_left is not None:
                if patient > out_of_pocket_left:
                    patient = out_of_pocket_left
                    capped = True
                out_of_pocket_left -= patient
            shares.append(patient)
        self.deductible_left, self.out_of_pocket_left = deductible_left, out_of_pocket_left
        return shares, capped


def assumed_figures(benefits: Benefits, visits: Iterable[bool]) -> list[str]:
    """The cost-share figures nobody gave that the estimate of these lines (is_visit each) takes as zero:
    a deductible, the amount of it met, a copay or coinsurance a line would pay, the out-of-pocket
    amount met. A figure not needed (a copay where only drugs are billed) is not listed."""
    assumed = []
    if benefits.deductible is None:
        assumed.append("deductible")
    elif benefits.deductible and benefits.deductible_met is None:
        assumed.append("deductible_met")
    coinsurance = benefits.coinsurance_percent
    copay_applies = benefits.copay is not None and (benefits.copay > 0 or coinsurance is None)
    kinds = set(visits)
    if True in kinds and benefits.copay is None and coinsurance is None:
        assumed.append("copay")
    if coinsurance is None and (False in kinds or (True in kinds and not copay_applies)):
        assumed.append("coinsurance_percent")
    if benefits.out_of_pocket_max is not None and benefits.out_of_pocket_met is None:
        assumed.append("out_of_pocket_met")
    return assumed


class SeriesEstimate(NamedTuple):
    first_session: tuple[tuple[Decimal, Decimal], ...]  # per line: (patient, payer), session 1
    series: tuple[tuple[Decimal, Decimal], ...]  # per line: (patient, payer), all sessions
    sessions_differ: bool  # the deductible or the out-of-pocket maximum makes sessions unequal

    @property
    def per_session(self) -> tuple[Decimal, Decimal]:
        """(patient, payer) for session 1, all lines."""
        return sum([patient for patient, _ in self.first_session], ZERO), sum([payer for _, payer in self.first_session], ZERO)

    @property
    def total(self) -> tuple[Decimal, Decimal]:
        """(patient, payer) for the whole series, all lines."""
        return sum([patient for patient, _ in self.series], ZERO), sum([payer for _, payer in self.series], ZERO)


def cost_share_series(
    lines: list[tuple[Decimal, bool]], benefits: Benefits, sessions: int
) -> SeriesEstimate:
    """Split each (allowed, is_visit) line of every session between patient and payer: the series is
    played session by session for the patient's share; the payer pays the rest of the allowed amount."""
    terms = CostShareTerms.from_benefits(benefits)
    allowed = [(cents(amount), is_visit) for amount, is_visit in lines]
    session_allowed = sum([amount for amount, _ in allowed], ZERO)
    totals = [ZERO] * len(lines)  # the patient's share of each line over the sessions played
    first: list[Decimal] = []
    previous: list[Decimal] | None = None
    differ = False
    done = 0
    while done < sessions:
        steady = not terms.deductible_left
        # The deductible left pays the whole session: every line's patient share is its allowed amount.
        from_deductible = session_allowed and terms.deductible_left >= session_allowed
        session, capped_any = terms.session(allowed)
        for index, patient in enumerate(session):
            totals[index] += patient
        if previous is None:
            first = session
        elif session != previous:
            differ = True
        previous = session
        done += 1
        remaining = sessions - done
        if remaining and terms.out_of_pocket_left is not None and not terms.out_of_pocket_left:
            # The out-of-pocket maximum is reached: the patient pays nothing in the sessions left.
            if any(session):
                differ = True
            done = sessions
        elif from_deductible and not capped_any and remaining:
            # The next sessions repeat this one while the deductible left still pays a whole session
            # and the out-of-pocket maximum left is not reached (as session-by-session arithmetic would).
            repeats = min(remaining, int(terms.deductible_left // session_allowed))
            if terms.out_of_pocket_left is not None:
                repeats = min(repeats, int(terms.out_of_pocket_left // session_allowed))
            if repeats:
                for index, patient in enumerate(session):
                    totals[index] += patient * repeats
                terms.deductible_left -= session_allowed * repeats
                if terms.out_of_pocket_left is not None:
                    terms.out_of_pocket_left -= session_allowed * repeats
                done += repeats
        elif steady and not capped_any and remaining:
            # Deductible met and no cap reached: the next sessions repeat this one while the
            # out-of-pocket maximum left covers a whole session.
            session_patient = sum(session, ZERO)
            repeats = remaining
            if terms.out_of_pocket_left is not None and session_patient:
                repeats = min(remaining, int(terms.out_of_pocket_left // session_patient))
            if repeats:
                for index, patient in enumerate(session):
                    totals[index] += patient * repeats
                if terms.out_of_pocket_left is not None:
                    terms.out_of_pocket_left -= session_patient * repeats
                done += repeats
    return SeriesEstimate(
        tuple([(patient, amount - patient) for patient, (amount, _) in zip(first, allowed)]),
        tuple([(total, amount * sessions - total) for total, (amount, _) in zip(totals, allowed)]),
        differ,
    )
