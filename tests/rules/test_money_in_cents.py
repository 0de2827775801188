"""Every amount in a result is whole cents: the engine rounds a charge half-up to cents when it makes
the line and the estimate rounds every share, so `engine.money` turns amounts into floats without
rounding again. These tests hold the engine to that."""

from decimal import Decimal

import pytest

from tests.rules.builders import (
    BENEFITS,
    KETAMINE_IV,
    PRIOR_AUTHORIZATION,
    PSYCHOTHERAPY,
    SPRAVATO,
    VA_REFERRAL,
    line,
    run,
)
from tests.scenario_expectations import load_scenario, scenario_files
from workers.rules import evaluate

ODD_CHARGES = [
    {"code": "96365", "units": 1, "charge": 123.456},
    {"code": "96366", "units": 1, "charge": "45.005"},
    {"code": "J3490", "units": 2},  # the default fee schedule, times the units
    {"code": "90834", "units": 1, "charge": 0.125},
    {"code": "99213", "units": 1, "charge": "160.1049"},
]
ODD_BENEFITS = {"deductible": "333.333", "deductible_met": 10.001, "coinsurance_percent": "12.5", "copay": "25.555",
                "out_of_pocket_max": "1000.009", "out_of_pocket_met": 0}


def amounts(result):
    """Every money figure of a result, with where it is."""
    for entry in result["lines"]:
        for key in ("charge", "allowed", "patient_responsibility", "payer_responsibility", "non_covered_charge"):
            yield f"lines[{entry['code']}].{key}", entry[key]
        for key, value in entry["series"].items():
            yield f"lines[{entry['code']}].series.{key}", value
    for section in ("per_session", "total"):
        for key, value in result["estimate"][section].items():
            yield f"estimate.{section}.{key}", value
    estimate = result.get("good_faith_estimate")
    if estimate:
        yield "good_faith_estimate.per_session", estimate["per_session"]
        yield "good_faith_estimate.total", estimate["total"]
        for item in estimate["items"]:
            yield f"good_faith_estimate.items[{item['code']}].charge", item["charge"]
            yield f"good_faith_estimate.items[{item['code']}].series_charge", item["series_charge"]


def requests():
    for path in scenario_files():
        yield load_scenario(path)["request"]
    for program in ("va_ccn", "tricare", "commercial", "self_pay"):
        for services in (KETAMINE_IV + PSYCHOTHERAPY, SPRAVATO, ODD_CHARGES):
            for benefits in (None, BENEFITS, ODD_BENEFITS):
                for authorization in (None, VA_REFERRAL, PRIOR_AUTHORIZATION):
                    for sessions in (1, 7, 24):
                        yield {
                            "patient": {"first_name": "A", "last_name": "B", "date_of_birth": "1980-02-03", "veteran": True},
                            "coverage": {"program": program, "carrier": "Aetna" if program == "commercial" else None,
                                         "member_id": "M1", "network_status": "in_network", "plan_type": "PPO",
                                         "beneficiary_category": "retiree" if program == "tricare" else None,
                                         "benefits": benefits, "authorization": authorization},
                            "services": services,
                            "sessions": sessions,
                            "diagnoses": ["F33.2", "F43.10"],
                            "date_of_service": "2026-12-02",
                        }


def test_every_amount_in_a_result_is_whole_cents():
    checked = 0
    for request in requests():
        for where, amount in amounts(evaluate(request)):
            if amount is None:
                continue
            assert isinstance(amount, float), where
            assert Decimal(repr(amount)).as_tuple().exponent >= -2, f"{where} = {amount!r} is not whole cents"
            checked += 1
    assert checked > 10_000


@pytest.mark.parametrize(
    "charge, shown",
    [(123.456, 123.46), ("45.005", 45.01), (0.125, 0.13), ("160.1049", 160.1), (500, 500.0), ("0.004", 0.0)],
)
def test_a_charge_is_rounded_half_up_to_cents_once(charge, shown):
    result = run("self_pay", services=[{"code": "96365", "units": 1, "charge": charge}], sessions=3)
    assert line(result, "96365")["charge"] == shown
    assert line(result, "96365")["series"]["patient"] == round(shown * 3, 2)
    assert result["good_faith_estimate"]["items"][0]["charge"] == shown
