"""A program's published cost sharing, for the figures a request leaves out.

Medicare Part B's deductible and coinsurance and CHAMPVA's are the same for every beneficiary (they
are in the program's policy file); what differs per patient is how much of the deductible and of the
out-of-pocket cap is already met. The program's figures fill the gaps; an amount met that nobody
gave is assumed to be nothing, and the estimate then says so and is not `confirmed` (the patient's
share is at most the figure shown).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .engine import Evaluation, estimate_lines
from .request import Benefits

MET = {"deductible": "deductible_met", "out_of_pocket_max": "out_of_pocket_met"}


def with_program_figures(benefits: Benefits | None, figures: dict[str, Any]) -> tuple[Benefits, list[str], list[str]]:
    """(benefits with the program's figures where the request has none, figures filled, amounts assumed unmet)."""
    given = benefits._asdict() if benefits is not None else dict.fromkeys(Benefits._fields)
    filled, assumed = [], []
    for name, value in figures.items():
        if given.get(name) is None and value is not None:
            given[name] = Decimal(str(value))
            filled.append(name)
    for figure, met in MET.items():
        if given[figure] is not None and given[met] is None:
            given[met] = Decimal(0)
            assumed.append(met)
    return Benefits(**given), filled, assumed


def estimate_with_program_figures(evaluation: Evaluation, figures: dict[str, Any], program: str) -> None:
    """The estimate from the benefits on file, the program's published figures filling the gaps."""
    verification = evaluation.verification
    benefits, filled, assumed = with_program_figures(verification.benefits, figures)
    evaluation.verification = verification._replace(benefits=benefits)
    estimate_lines(evaluation, "benefits_on_file")
    evaluation.verification = verification
    if filled:
        evaluation.note(f"{program}'s published figures are used for {', '.join(name.replace('_', ' ') for name in filled)}.")
    if assumed:
        evaluation.estimate["confirmed"] = False
        evaluation.estimate["assumed"] = list(dict.fromkeys([*evaluation.estimate["assumed"], *assumed]))
        evaluation.note(
            f"Not given, so assumed to be nothing yet: {', '.join(name.replace('_', ' ') for name in assumed)}. "
            "The patient's share shown is the most they would pay; look up what is met (271 or the portal) for the real figure."
        )
