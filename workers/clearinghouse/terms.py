"""What each payer's policy file says about asking it in real time: its `[clearinghouse]` table.

    [clearinghouse]
    service_types = ["30", "MH"]   # EQ01 codes this payer answers best; empty: the service's defaults
    timeout_seconds = 20           # how long to wait for its 271 before giving up on this send

A policy without the table, or a key it leaves out, gets the defaults below. Pure data: no network.
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.rules import policy

# CAQH CORE's real-time rule: the 271 (or a 999) within 20 seconds of the request.
DEFAULT_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Terms:
    service_types: tuple[str, ...]  # empty: the service's own choice (service/x12_exchange.py)
    timeout_seconds: float


def _rule_module(item: policy.Policy) -> str:
    if "carrier" in item.data:
        key = item.data["carrier"]["key"]
        return "commercial" if key == "default" else f"commercial_{key}"
    return item.data["module"]["rule_module"]


_POLICIES = {
    _rule_module(item): item
    for item in (policy.VA_CCN, policy.TRICARE, policy.SELF_PAY, policy.MEDICARE, policy.MEDICARE_ADVANTAGE,
                 policy.MEDICAID, policy.CHAMPVA, *policy.COMMERCIAL.values())
}


def terms_for(rule_module: str | None) -> Terms:
    """The clearinghouse terms of the policy a result names (`result["rule_module"]`); the defaults
    for an unknown or missing module (a request the rules could not route still gets asked)."""
    item = _POLICIES.get(rule_module or "") or policy.COMMERCIAL_DEFAULT
    table = item.data.get("clearinghouse") or {}
    default = policy.COMMERCIAL_DEFAULT.data.get("clearinghouse") or {}
    return Terms(
        service_types=tuple(table.get("service_types", default.get("service_types", ()))),
        timeout_seconds=float(table.get("timeout_seconds", default.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))),
    )


def timeout_for(rule_module: str | None) -> float:
    """Seconds to wait for this payer's 271."""
    return terms_for(rule_module).timeout_seconds


def service_types_for(rule_module: str | None) -> tuple[str, ...]:
    """EQ01 service types this payer's policy asks for (empty: the service's defaults)."""
    return terms_for(rule_module).service_types
