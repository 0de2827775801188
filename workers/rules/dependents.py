"""Whether the patient's relationship and age still let the coverage cover them.

A child is covered by a parent's plan only to an age limit: 26 on a commercial plan (ACA, 45 CFR
147.120), 18 on CHAMPVA (23 as a full-time student). Past the limit the patient is not "covered":
every line needs review, and the requirement says what to confirm (plans may keep a disabled child,
or cover to the end of the month or year, so it is a question, not a denial).
"""

from __future__ import annotations

from .engine import NEEDS_REVIEW, Evaluation

# 45 CFR 147.120: a plan that covers dependent children covers them until they turn 26.
ACA_DEPENDENT_AGE = 26
ACA_QUESTION = (
    "The patient is the subscriber's child, aged {age} on {dos}: a parent's plan must cover children only "
    "until they turn 26 (ACA, 45 CFR 147.120). Confirm with the payer that the patient is still covered "
    "(some plans keep a disabled adult child, or cover to the end of the month or year), or bill the "
    "patient's own coverage."
)


def child_past_age_limit(evaluation: Evaluation, limits: list[tuple[int, str]]) -> bool:
    """True (every line needs review) when the patient is the subscriber's child aged at least one of
    `limits` ((age, question) pairs, lowest first: the highest reached gives the question)."""
    verification = evaluation.verification
    if verification.relationship != "child":
        evaluation.record("dependent_age", "skip", "The patient is not recorded as the subscriber's child.")
        return False
    age = verification.age
    if age is None:
        evaluation.record("dependent_age", "info", "The patient's age on the date of service is not known.")
        return False
    reached = [question for limit, question in limits if age >= limit]
    if not reached:
        evaluation.record("dependent_age", "pass", f"The patient is a child aged {age}, under the limit of {limits[0][0]}.")
        return False
    question = reached[-1].format(age=age, dos=verification.date_of_service.isoformat())
    evaluation.decide_all(NEEDS_REVIEW)
    evaluation.record("dependent_age", "fail", f"The patient is a child aged {age}: past the coverage's age limit for children.")
    evaluation.require("eligibility_confirmation", question)
    return True
