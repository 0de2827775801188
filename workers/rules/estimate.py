"""Cost-share arithmetic: who pays what of the allowed amount, across a series of sessions.

All money is Decimal, rounded half-up to cents per line; the payer's share is the allowed amount less
the patient's, so patient + payer == allowed exactly, per line and in total. For each line, in order,
session by session:

1. the remaining deductible is paid first (session 1 consumes it before session 2);
2. on what is left, a copay for a visit line (E/M, psychiatric evaluation, psychotherapy, Spravato
   visit) when the plan has one, otherwise the coinsurance;
3. the patient never pays past the out-of-pocket maximum remaining (deductible counts toward it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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
        return cls(deductible_left, out_of_pocket_left, coinsurance, copay)

    def split(self, allowed: Decimal, is_visit: bool) -> tuple[Decimal, Decimal, bool]:
        """(patient, payer, capped) for one line of one session; consumes deductible and OOP."""
        deductible = min(allowed, self.deductible_left)
        self.deductible_left -= deductible
        rest = allowed - deductible
        if is_visit and self.copay is not None:
            share = min(self.copay, rest)
        elif self.coinsurance is not None:
            share = cents(rest * self.coinsurance)
        else:
            share = ZERO
        patient = deductible + share
        capped = False
        if self.out_of_pocket_left is not None:
            if patient > self.out_of_pocket_left:
                patient = self.out_of_pocket_left
                capped = True
            self.out_of_pocket_left -= patient
        return patient, allowed - patient, capped


@dataclass(frozen=True, slots=True)
class SeriesEstimate:
    first_session: tuple[tuple[Decimal, Decimal], ...]  # per line: (patient, payer), session 1
    series: tuple[tuple[Decimal, Decimal], ...]  # per line: (patient, payer), all sessions
    per_session: tuple[Decimal, Decimal]
    total: tuple[Decimal, Decimal]
    sessions_differ: bool  # the deductible or the out-of-pocket maximum makes sessions unequal


def cost_share_series(
    lines: list[tuple[Decimal, bool]], benefits: Benefits, sessions: int
) -> SeriesEstimate:
    """Split each (allowed, is_visit) line of every session between patient and payer."""
    terms = CostShareTerms.from_benefits(benefits)
    allowed = [cents(amount) for amount, _ in lines]
    totals = [[ZERO, ZERO] for _ in lines]
    first: list[tuple[Decimal, Decimal]] = []
    previous: list[tuple[Decimal, Decimal]] | None = None
    differ = False
    done = 0
    while done < sessions:
        steady = terms.deductible_left == ZERO
        session = []
        capped_any = False
        for (amount, (_, is_visit)) in zip(allowed, lines):
            patient, payer, capped = terms.split(amount, is_visit)
            capped_any |= capped
            session.append((patient, payer))
        for index, (patient, payer) in enumerate(session):
            totals[index][0] += patient
            totals[index][1] += payer
        if previous is None:
            first = session
        elif session != previous:
            differ = True
        previous = session
        done += 1
        remaining = sessions - done
        if steady and not capped_any and remaining:
            # Deductible met and no cap reached: the next session repeats this one unless the
            # out-of-pocket maximum runs out during the rest of the series.
            session_patient = sum((patient for patient, _ in session), ZERO)
            if terms.out_of_pocket_left is None or terms.out_of_pocket_left >= session_patient * remaining:
                for index, (patient, payer) in enumerate(session):
                    totals[index][0] += patient * remaining
                    totals[index][1] += payer * remaining
                if terms.out_of_pocket_left is not None:
                    terms.out_of_pocket_left -= session_patient * remaining
                done = sessions
    per_session = (
        sum((patient for patient, _ in first), ZERO),
        sum((payer for _, payer in first), ZERO),
    )
    total = (sum((t[0] for t in totals), ZERO), sum((t[1] for t in totals), ZERO))
    return SeriesEstimate(
        first_session=tuple(first),
        series=tuple((t[0], t[1]) for t in totals),
        per_session=per_session,
        total=total,
        sessions_differ=differ,
    )
