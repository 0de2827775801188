"""Off-label use: a ketamine or esketamine service billed for a diagnosis its FDA label does not cover.

Racemic ketamine is labelled only as an anesthetic, so any psychiatric use is off-label; esketamine
(Spravato) is labelled for depression (treatment-resistant depression, MDD with suicidal ideation).
The indication named is PTSD whenever a PTSD code is billed.
"""

from __future__ import annotations

from typing import Any

from .catalog import DRUGS, group_name
from .engine import Evaluation

# The order an indication is named in when several groups are billed.
INDICATION_ORDER = ("ptsd", "depression", "substance_use", "suicidal_ideation", "psychiatric")
# Each drug's notice for each indication, worded once: (drug key, indication key) -> (indication, notice).
NOTICES = {
    (key, indication_key): (group_name(indication_key), drug.notice.format(indication=group_name(indication_key)))
    for key, drug in DRUGS.items()
    for indication_key in INDICATION_ORDER
}


def find_off_label(evaluation: Evaluation) -> dict[str, Any] | None:
    """The off-label notice for the drugs billed, or None when every drug is used on-label."""
    verification = evaluation.verification
    groups = verification.diagnosis_groups
    indication_key = None
    for key in INDICATION_ORDER:
        if key in groups:
            indication_key = key
            break
    drugs = list(dict.fromkeys([line.drug for line in evaluation.lines if line.drug]))
    items = []
    for key in drugs:
        drug = DRUGS[key]
        if indication_key is None or not drug.labelled_groups.isdisjoint(groups):
            continue
        indication, notice = NOTICES[key, indication_key]
        items.append(
            {
                "drug": drug.name,
                "brand": drug.brand,
                "indication": indication,
                "fda_approved_for_indication": False,
                "fda_label": drug.label,
                "notice": notice,
            }
        )
    if not items:
        for key in drugs:
            drug = DRUGS[key]
            if not drug.labelled_groups.isdisjoint(groups):
                evaluation.record(
                    "off_label",
                    "pass",
                    f"{drug.brand} ({drug.name}) is billed with a diagnosis its FDA label covers.",
                )
        if not drugs:
            evaluation.record("off_label", "skip", "No ketamine or esketamine service billed.")
        elif indication_key is None:
            evaluation.record(
                "off_label", "info", "No psychiatric diagnosis billed: the off-label check does not apply."
            )
        return None
    for item in items:
        evaluation.record("off_label", "fail", item["notice"])
    return dict(items[0], items=items)


def require_informed_consent(evaluation: Evaluation, off_label: dict[str, Any] | None) -> None:
    if off_label is None:
        return
    for item in off_label["items"]:
        evaluation.require(
            "informed_consent",
            f"Have the patient sign informed consent that states the off-label use: {item['notice']} "
            "Record the risks, the alternatives (including FDA-approved treatments) and who pays.",
        )
