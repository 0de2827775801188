"""What a scenario file's `expect` means, checked against a verification result.

Shared by the rules tests (through `workers.rules.evaluate`) and the platform's HTTP tests (through
the API). Keys (../shared/scenarios/README.md): program, determination, determination_any, carc_any,
lines (code -> line determination), off_label (whether the notice is present), requirements_include,
estimate_total_patient, estimate_total_payer (dollars, to the cent).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

KNOWN_KEYS = frozenset(
    {
        "program",
        "determination",
        "determination_any",
        "carc_any",
        "lines",
        "off_label",
        "requirements_include",
        "estimate_total_patient",
        "estimate_total_payer",
    }
)


ROOT = Path(__file__).resolve().parents[1]
OWN_DIR = ROOT / "tests" / "scenarios"
# CI has ../shared/scenarios/ beside the repository; a clone on its own has only the project's.
SHARED_DIR = ROOT.parent / "shared" / "scenarios"


def scenario_files() -> list[Path]:
    """The project's own scenario files, then the shared folder's when it is there."""
    shared = sorted(SHARED_DIR.glob("*.json")) if SHARED_DIR.is_dir() else []
    return sorted(OWN_DIR.glob("*.json")) + shared


def scenario_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def load_scenario(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _cents(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def expectation_problems(result: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every way `result` differs from `expect`; empty when it meets it."""
    problems = [f"unknown expect key {key!r}" for key in expect if key not in KNOWN_KEYS]
    if "program" in expect and result.get("program") != expect["program"]:
        problems.append(f"program is {result.get('program')!r}, expected {expect['program']!r}")
    if "determination" in expect and result.get("determination") != expect["determination"]:
        problems.append(f"determination is {result.get('determination')!r}, expected {expect['determination']!r}")
    if "determination_any" in expect and result.get("determination") not in expect["determination_any"]:
        problems.append(f"determination is {result.get('determination')!r}, expected one of {expect['determination_any']}")
    if "carc_any" in expect:
        carcs = {reason.get("carc") for reason in result.get("denial_reasons") or ()}
        if not carcs & set(expect["carc_any"]):
            problems.append(f"denial reasons have CARCs {sorted(carcs)}, expected one of {expect['carc_any']}")
    for code, determination in (expect.get("lines") or {}).items():
        found = [line.get("determination") for line in result.get("lines") or () if line.get("code") == code]
        if not found:
            problems.append(f"no line for {code}")
        elif any(value != determination for value in found):
            problems.append(f"line {code} is {found}, expected {determination!r}")
    if "off_label" in expect and (result.get("off_label") is not None) != expect["off_label"]:
        problems.append(f"off_label present is {result.get('off_label') is not None}, expected {expect['off_label']}")
    kinds = {requirement.get("kind") for requirement in result.get("requirements") or ()}
    for kind in expect.get("requirements_include") or ():
        if kind not in kinds:
            problems.append(f"requirement {kind!r} missing (have {sorted(kinds)})")
    total = (result.get("estimate") or {}).get("total") or {}
    for key, side in (("estimate_total_patient", "patient"), ("estimate_total_payer", "payer")):
        if key in expect and _cents(total.get(side)) != _cents(expect[key]):
            problems.append(f"estimate total {side} is {total.get(side)!r}, expected {expect[key]}")
    return problems


def assert_meets_expectations(result: dict[str, Any], expect: dict[str, Any]) -> None:
    problems = expectation_problems(result, expect)
    assert not problems, "; ".join(problems)
