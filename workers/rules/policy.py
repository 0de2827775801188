"""Policy files, read once at import: one TOML file holds one payer's whole policy with its sources.

  policies/triwest_va_ccn.toml      VA Community Care Network (TriWest, Optum as administrator rows)
  policies/tricare_west.toml        TRICARE (TriWest West, Humana East as administrator rows)
  policies/medicare.toml            Original Medicare Part B (the MACs as administrator rows)
  policies/medicare_advantage.toml  Medicare Advantage (the plans as plan rows)
  policies/medicaid.toml            Medicaid / Medi-Cal (the managed-care plans as plan rows)
  policies/champva.toml             CHAMPVA (and the names a card shares between VA CCN and CHAMPVA)
  policies/self_pay.toml            the No Surprises Act Good Faith Estimate
  policies/commercial/<carrier>.toml one file per commercial carrier; default.toml for the rest
  policies/commercial/_wording.toml the plain-language wording of commercial decisions

A module's version is its declared version plus a short hash of its policy data, the shared catalogs
and the engine version: editing a policy without bumping its version still changes `rule_version`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import CATALOG_HASH, HERE, check_reason, content_hash, read_toml

# Bump when the engine's own behaviour changes (roll-up, estimate maths, result shape).
ENGINE_VERSION = "1.2"

POLICY_DIR = HERE / "policies"
COMMERCIAL_DIR = POLICY_DIR / "commercial"


@dataclass(frozen=True, slots=True)
class Policy:
    key: str
    data: dict[str, Any]
    version: str
    path: Path
    _summary: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # What every result cites (name, first source, version): static, so worded once.
        object.__setattr__(self, "_summary", {"name": self.name, "source": self.source, "version": self.version})

    @property
    def name(self) -> str:
        return self.data.get("policy", self.data.get("module", {}))["name"]

    @property
    def sources(self) -> list[dict[str, Any]]:
        return self.data.get("source", [])

    @property
    def source(self) -> str:
        """The first source, as a biller would cite it."""
        for source in self.sources:
            if source.get("url"):
                return f"{source['title']} ({source['url']})"
        return self.sources[0]["title"] if self.sources else ""

    @property
    def confirmed(self) -> bool:
        return bool(self.data.get("policy", self.data.get("module", {})).get("confirmed"))

    def summary(self) -> dict[str, Any]:
        return dict(self._summary)


def carrier_rows(policy: Policy) -> list[dict[str, Any]]:
    """A government program's carriers: the administrators that pay its claims, or its plans."""
    return [*policy.data.get("administrator", ()), *policy.data.get("plan", ())]


def administrator_directory(policy: Policy) -> dict[str, Any]:
    """The payer-directory entry of a government program whose carriers are administrator or plan rows."""
    module = policy.data["module"]
    return {
        "program": module["program"],
        "rule_module": module["rule_module"],
        "rule_version": policy.version,
        "description": module["description"],
        "carriers": [
            {
                "name": row["name"],
                "aliases": list(row["aliases"]),
                "payer_ids": [row["payer_id"]] if row["payer_id"] else [],
                "regions": row.get("regions") or row.get("state") or "",
                "policy": policy.summary(),
            }
            for row in carrier_rows(policy)
        ],
        "aliases": list(policy.data["program"]["aliases"]),
    }


def _check_reasons(data: Any) -> None:
    if isinstance(data, dict):
        if "carc" in data:
            check_reason(data["carc"], data.get("rarc"))
        for value in data.values():
            _check_reasons(value)
    elif isinstance(data, list):
        for value in data:
            _check_reasons(value)


def _declared_version(data: dict[str, Any]) -> str:
    return data.get("policy", data.get("module", {}))["version"]


def load_policy(path: Path, *shared: Any) -> Policy:
    data = read_toml(path)
    _check_reasons(data)
    version = f"{_declared_version(data)}+{content_hash(data, shared, CATALOG_HASH, ENGINE_VERSION)}"
    return Policy(key=path.stem, data=data, version=version, path=path)


VA_CCN = load_policy(POLICY_DIR / "triwest_va_ccn.toml")
TRICARE = load_policy(POLICY_DIR / "tricare_west.toml")
SELF_PAY = load_policy(POLICY_DIR / "self_pay.toml")
MEDICARE = load_policy(POLICY_DIR / "medicare.toml")
MEDICARE_ADVANTAGE = load_policy(POLICY_DIR / "medicare_advantage.toml")
MEDICAID = load_policy(POLICY_DIR / "medicaid.toml")
CHAMPVA = load_policy(POLICY_DIR / "champva.toml")

COMMERCIAL_WORDING: dict[str, Any] = read_toml(COMMERCIAL_DIR / "_wording.toml")
COMMERCIAL: dict[str, Policy] = {
    policy.data["carrier"]["key"]: policy
    for policy in (
        load_policy(path, COMMERCIAL_WORDING)
        for path in sorted(COMMERCIAL_DIR.glob("*.toml"))
        if not path.name.startswith("_")
    )
}
COMMERCIAL_DEFAULT = COMMERCIAL["default"]
