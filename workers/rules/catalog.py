"""The catalogs every program shares, read once at import from catalogs/*.toml.

Services (code -> what it is), diagnosis groups, what each drug's FDA label covers, the X12
CARC/RARC short descriptions, and how a 271 eligibility summary is read. No payer's policy lives here.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from .codes import DIAGNOSIS_CODE_PATTERN, PROCEDURE_CODE_PATTERN

HERE = Path(__file__).parent
CATALOG_DIR = HERE / "catalogs"

PROCEDURE_CODE = re.compile(PROCEDURE_CODE_PATTERN)
DIAGNOSIS_CODE = re.compile(DIAGNOSIS_CODE_PATTERN)

BEHAVIORAL_VISIT_CATEGORIES = frozenset(
    {"evaluation_management", "psychiatric_evaluation", "psychotherapy", "psychotherapy_addon", "psychiatric_service"}
)
# Lines a copay applies to (a visit), as opposed to drugs and procedures (coinsurance).
VISIT_CATEGORIES = BEHAVIORAL_VISIT_CATEGORIES | {"esketamine_monitoring"}


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def content_hash(*data: Any) -> str:
    """A short hash of parsed data: editing a policy's content changes it, editing a comment does not."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    description: str
    category: str
    drug: str | None
    route: str | None
    default_fee: Decimal
    valid_from: date | None
    valid_to: date | None
    replaced_by: str | None
    replaces: str | None

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


@dataclass(frozen=True, slots=True)
class Drug:
    key: str
    name: str
    brand: str
    label: str
    labelled_groups: frozenset[str]
    unconfirmed_groups: frozenset[str]  # diagnoses the label may cover: neither on- nor off-label
    notice: str
    labelled_history: str


def _load_services(data: dict[str, Any]) -> dict[str, Service]:
    services = {}
    for code, row in data["service"].items():
        services[code] = Service(
            code=code,
            description=row["description"],
            category=row["category"],
            drug=row.get("drug"),
            route=row.get("route"),
            default_fee=Decimal(row["default_fee"]),
            valid_from=row.get("valid_from"),
            valid_to=row.get("valid_to"),
            replaced_by=row.get("replaced_by"),
            replaces=row.get("replaces"),
        )
    return services


_services_data = read_toml(CATALOG_DIR / "services.toml")
_diagnoses_data = read_toml(CATALOG_DIR / "diagnoses.toml")
_drugs_data = read_toml(CATALOG_DIR / "drugs.toml")
_reasons_data = read_toml(CATALOG_DIR / "reason_codes.toml")
_eligibility_data = read_toml(CATALOG_DIR / "eligibility.toml")

SERVICES: dict[str, Service] = _load_services(_services_data)
FEE_SCHEDULE_NAME: str = _services_data["fee_schedule_name"]

DIAGNOSIS_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    key: (row["name"], tuple(row["prefixes"])) for key, row in _diagnoses_data["group"].items()
}

DRUGS: dict[str, Drug] = {
    key: Drug(
        key=key,
        name=row["name"],
        brand=row["brand"],
        label=row["label"],
        labelled_groups=frozenset(row["labelled_groups"]),
        unconfirmed_groups=frozenset(row.get("unconfirmed_groups", ())),
        notice=row["notice"],
        labelled_history=row.get("labelled_history", ""),
    )
    for key, row in _drugs_data["drug"].items()
}

CARC: dict[str, str] = dict(_reasons_data["carc"])
RARC: dict[str, str] = dict(_reasons_data["rarc"])
RETIRED_CARCS: frozenset[str] = frozenset(_reasons_data["retired_carcs"])

if RETIRED_CARCS & CARC.keys():
    raise ValueError(f"retired CARCs in the CARC table: {sorted(RETIRED_CARCS & CARC.keys())}")

# How the rules read a 271 summary (coverage.eligibility): wording, CARCs, service types per category.
ELIGIBILITY: dict[str, Any] = _eligibility_data

CATALOG_HASH = content_hash(_services_data, _diagnoses_data, _drugs_data, _reasons_data, _eligibility_data)


def diagnosis_groups(code: str) -> frozenset[str]:
    """The groups a normalised (dotted) ICD-10-CM code belongs to."""
    return frozenset(
        key for key, (_, prefixes) in DIAGNOSIS_GROUPS.items() if code.startswith(prefixes)
    )


def group_name(key: str) -> str:
    return DIAGNOSIS_GROUPS[key][0]


def check_reason(carc: str, rarc: str | None) -> None:
    """Policy data may only name codes in the table (never a retired one)."""
    if carc not in CARC:
        raise ValueError(f"CARC {carc!r} is not in catalogs/reason_codes.toml")
    if rarc and rarc not in RARC:
        raise ValueError(f"RARC {rarc!r} is not in catalogs/reason_codes.toml")
