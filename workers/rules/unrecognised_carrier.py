"""The result for a carrier nobody recognises (CONTRACT.md "No silent default").

The default commercial policy still prices the lines, so staff see what such a plan would likely do,
but nothing of it is an answer: the request and every line are `needs_review`, the default policy's
decisions and denial reasons move to `default_policy_guidance` (labelled as guidance), and an
`eligibility_confirmation` requirement says what to find out.
"""

from __future__ import annotations

from typing import Any

from .engine import NEEDS_REVIEW
from .routing import Route

LABEL = (
    "Default commercial policy, guidance only: the carrier is not recognised, so no policy of its own "
    "applies. These are what a typical commercial plan would decide; confirm the coverage before relying on them."
)


def as_guidance(result: dict[str, Any], route: Route) -> dict[str, Any]:
    """Turn the default commercial policy's result into `needs_review` with that result kept as guidance."""
    result["default_policy_guidance"] = {
        "label": LABEL,
        "policy": (result.get("policy") or {}).get("name"),
        "determination": result["determination"],
        "lines": [
            {"code": line["code"], "determination": line["determination"], "denial_reasons": line["denial_reasons"]}
            for line in result["lines"]
        ],
        "denial_reasons": result["denial_reasons"],
    }
    for line in result["lines"]:
        line["determination"] = NEEDS_REVIEW
        line["denial_reasons"] = []
    result["determination"] = NEEDS_REVIEW
    result["denial_reasons"] = []
    result["requirements"].insert(0, {"kind": "eligibility_confirmation", "text": route.question})
    result["notes"].insert(0, LABEL)
    if result.get("estimate"):
        result["estimate"]["confirmed"] = False
    result["carrier_suggestions"] = list(route.suggestions)
    result["trace"].append({
        "rule": "routing.unrecognised_carrier", "outcome": "fail",
        "detail": f"{route.review} Every line needs review; the default commercial policy's decisions are kept as guidance.",
    })
    return result
