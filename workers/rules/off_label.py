"""Off-label use: a ketamine or esketamine service billed for a diagnosis its FDA label does not cover.

Racemic ketamine is labelled only as an anesthetic, so any psychiatric use is off-label; esketamine
(Spravato) is labelled for depression (treatment-resistant depression, MDD with suicidal ideation), by exact MDD code: F32.81 is never
labelled, and F32.89 or F32.A alone make the use "unconfirmed" (status), neither on- nor off-label.
The indication named is PTSD whenever a PTSD code is billed.
"""

from __future__ import annotations

from typing import Any

from .catalog import DRUGS, group_name
from .engine import Evaluation

# The order an indication is named in when several groups are billed.
INDICATION_ORDER = (
    "ptsd", "depression", "depression_not_mdd", "pmdd", "substance_use", "suicidal_ideation", "psychiatric"
)
UNCONFIRMED_NOTICE = (
    "{brand} ({name}) is FDA-approved for major depressive disorder (treatment-resistant, or with acute "
    "suicidal ideation or behavior); {indication} is not coded as major depressive disorder, so whether "
    "this use is on-label is unconfirmed: code the MDD precisely if the record supports it."
)
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
    unconfirmed = []
    for key in drugs:
        drug = DRUGS[key]
        if indication_key is None or not drug.labelled_groups.isdisjoint(groups):
            continue
        if not drug.unconfirmed_groups.isdisjoint(groups):
            name = group_name(next(iter(drug.unconfirmed_groups & groups)))
            unconfirmed.append(
                {
                    "drug": drug.name,
                    "brand": drug.brand,
                    "indication": name,
                    "fda_approved_for_indication": None,
                    "status": "unconfirmed",
                    "fda_label": drug.label,
                    "notice": UNCONFIRMED_NOTICE.format(brand=drug.brand, name=drug.name, indication=name),
                }
            )
            continue
        indication, notice = NOTICES[key, indication_key]
        items.append(
            {
                "drug": drug.name,
                "brand": drug.brand,
                "indication": indication,
                "fda_approved_for_indication": False,
                "status": "off_label",
                "fda_label": drug.label,
                "notice": notice,
            }
        )
    items += unconfirmed
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
        evaluation.record("off_label", "fail" if item["status"] == "off_label" else "info", item["notice"])
    return dict(items[0], items=items)


def off_label_items(off_label: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The drugs used off-label (not those whose use is only unconfirmed)."""
    if off_label is None:
        return []
    return [item for item in off_label["items"] if item["status"] == "off_label"]


def require_informed_consent(evaluation: Evaluation, off_label: dict[str, Any] | None) -> None:
    for item in off_label_items(off_label):
        evaluation.require(
            "informed_consent",
            f"Have the patient sign informed consent that states the off-label use: {item['notice']} "
            "Record the risks, the alternatives (including FDA-approved treatments) and who pays.",
        )
