"""Rules Medicare, Medicare Advantage, Medicaid and CHAMPVA run the same way."""

from __future__ import annotations

from .catalog import BEHAVIORAL_VISIT_CATEGORIES
from .engine import NEEDS_REVIEW, Evaluation, Line, codes_of


def psychiatric_ketamine_lines(evaluation: Evaluation) -> list[Line]:
    """The open ketamine lines billed for a psychiatric condition, which each program decides; ketamine
    billed without one is outside these rules and needs review."""
    lines = evaluation.open_lines(drug="ketamine")
    if not lines:
        evaluation.record("ketamine", "skip", "No ketamine service open to decide.")
        return []
    if "psychiatric" not in evaluation.verification.diagnosis_groups:
        for line in lines:
            line.decide(NEEDS_REVIEW)
        evaluation.record("ketamine", "fail", "Ketamine billed without a psychiatric diagnosis: outside these rules.")
        return []
    return lines


def covered_visits(evaluation: Evaluation, basis: str) -> list[Line]:
    """The open behavioral-health visits, covered on `basis`."""
    lines = evaluation.open_lines(BEHAVIORAL_VISIT_CATEGORIES)
    if lines:
        evaluation.record("behavioral_visits", "pass", f"{codes_of(lines)}: {basis}")
    else:
        evaluation.record("behavioral_visits", "skip", "No behavioral-health visit open to decide.")
    return lines
