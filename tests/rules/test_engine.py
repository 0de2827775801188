"""The engine's contract: roll-up, denial reasons, trace, purity, JSON output, no patient identifiers."""

import ast
import copy
import datetime
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.rules.builders import KETAMINE_IV, PSYCHOTHERAPY, SPRAVATO, VA_REFERRAL, make_request, run
from tests.scenario_expectations import load_scenario
from workers.rules import evaluate
from workers.rules.catalog import CARC, RARC, RETIRED_CARCS
from workers.rules.engine import Line, Reason, denial_reasons, roll_up

RULES_DIR = Path(__file__).resolve().parents[2] / "workers" / "rules"
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.json"))
FORBIDDEN = {"flask", "celery", "sqlalchemy", "redis", "marshmallow", "pyx12", "fhir"}


def lines_with(*determinations):
    result = []
    for determination in determinations:
        entry = Line("90834", True, None, 1, Decimal(1), "request", None)
        entry.determination = determination
        result.append(entry)
    return result


@pytest.mark.parametrize(
    "determinations, expected",
    [
        (["covered", "covered"], "covered"),
        ([None, "covered"], "covered"),
        (["authorization_required", "authorization_required"], "authorization_required"),
        (["covered", "authorization_required"], "authorization_required"),
        (["not_covered", "not_covered"], "not_covered"),
        (["covered", "not_covered"], "partially_covered"),
        (["authorization_required", "not_covered"], "partially_covered"),
        (["covered", "needs_review", "not_covered"], "needs_review"),
        ([], "needs_review"),
    ],
)
def test_roll_up_follows_the_contract_table(determinations, expected):
    assert roll_up(lines_with(*determinations)) == expected


@pytest.mark.parametrize("forced", ["self_pay", "needs_review"])
def test_roll_up_gives_a_forced_determination(forced):
    assert roll_up(lines_with("covered"), forced) == forced


def test_denial_reasons_are_the_union_with_the_codes_each_applies_to():
    first, second = lines_with(None, None)
    second.code = "J3490"
    why = Reason("55", "N130", "experimental")
    first.decide("not_covered", why)
    second.decide("not_covered", why)
    second.reasons.append(Reason("16", None, "missing NDC"))
    merged = denial_reasons([first, second])
    assert [(entry["carc"], entry["codes"]) for entry in merged] == [("55", ["90834", "J3490"]), ("16", ["J3490"])]
    assert merged[0]["description"] == "Procedure/treatment/drug is deemed experimental/investigational by the payer."
    assert merged[0]["rarc_description"] == RARC["N130"]


def test_carc_15_is_retired_and_can_never_be_emitted():
    assert "15" in RETIRED_CARCS and "15" not in CARC
    with pytest.raises(ValueError):
        lines_with(None)[0].decide("not_covered", Reason("15", None, "retired"))


def every_result():
    for path in SCENARIOS:
        yield load_scenario(path)["request"]
    for program in ("va_ccn", "tricare", "commercial", "self_pay"):
        for services in (KETAMINE_IV, SPRAVATO, PSYCHOTHERAPY):
            for authorization in (None, VA_REFERRAL, dict(VA_REFERRAL, type="prior_authorization", used_visits=8)):
                yield make_request(program, services=services, coverage__authorization=authorization, diagnoses=["F33.2", "F43.10"])


def test_no_result_ever_carries_a_retired_carc_or_an_unknown_code():
    for request in every_result():
        for reason in evaluate(request)["denial_reasons"]:
            assert reason["carc"] not in RETIRED_CARCS
            assert reason["description"] == CARC[reason["carc"]]
            assert reason["rarc"] is None or reason["rarc"] in RARC


def test_results_carry_no_patient_identifiers():
    for request in every_result():
        request["patient"].update(first_name="Marisol", last_name="Quintanilla-Hart", date_of_birth="1961-07-29")
        request["coverage"].update(member_id="MBR-558812", group_number="GRP-440019")
        text = json.dumps(evaluate(request))
        for identifier in ("Marisol", "Quintanilla", "1961-07-29", "MBR-558812", "GRP-440019"):
            assert identifier not in text


def test_the_request_is_never_mutated():
    for request in every_result():
        before = copy.deepcopy(request)
        evaluate(request)
        assert request == before


def json_ready(value):
    if isinstance(value, dict):
        return all(isinstance(key, str) and json_ready(item) for key, item in value.items())
    if isinstance(value, list):
        return all(json_ready(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def test_results_are_json_ready_with_money_rounded_to_cents():
    for request in every_result():
        result = evaluate(request)
        assert json_ready(result)
        json.dumps(result, allow_nan=False)
        for section in ("per_session", "total"):
            for amount in result["estimate"][section].values():
                assert amount is None or round(amount, 2) == amount


def test_result_has_every_contract_field():
    result = run("va_ccn", coverage__authorization=VA_REFERRAL)
    for field in ("program", "rule_module", "rule_version", "determination", "lines", "denial_reasons", "off_label",
                  "requirements", "estimate", "billing", "notes", "trace"):
        assert field in result
    for field in ("code", "determination", "authorization_required", "denial_reasons", "patient_responsibility", "payer_responsibility"):
        assert field in result["lines"][0]
    assert set(result["estimate"]["per_session"]) >= {"patient", "payer"}
    assert result["estimate"]["sessions"] == 6
    assert {"submit_to", "payer_id", "timely_filing_days"} <= set(result["billing"])


def test_every_trace_entry_names_its_program_and_rule_in_plain_words():
    for request in every_result():
        result = evaluate(request)
        prefix = result["program"] or "routing"
        for entry in result["trace"]:
            assert set(entry) == {"rule", "outcome", "detail"}
            assert entry["outcome"] in {"pass", "fail", "skip", "info"}
            assert entry["rule"].split(".")[0] in {prefix, "routing"}
            assert entry["detail"].strip()


def test_typed_values_and_loose_codes_give_the_same_answer_as_json_strings():
    plain = make_request("commercial", services=SPRAVATO, diagnoses=["F33.2"])
    typed = make_request("commercial", services=[{"code": " j0013 ", "units": 56, "charge": Decimal("900.00")},
                                                 {"code": "g2082", "units": 1, "charge": "650"}],
                         diagnoses=["f332"], date_of_service=datetime.date(2026, 12, 2))
    typed["patient"]["date_of_birth"] = datetime.date(1979, 3, 14)
    assert evaluate(typed) == evaluate(plain)


@pytest.mark.parametrize(
    "changes",
    [
        {"diagnoses": []},
        {"sessions": None},
        {"sessions": 0},
        {"services": [{"code": "96365"}, {"code": "99999"}, {"code": "J3490", "charge": None}]},
        {"services": [{"code": "not a code", "charge": 10}]},
        {"coverage__benefits": {"copay": 25}},
        {"coverage__authorization": {"type": "prior_authorization"}},
        {"patient": {}},
        {"coverage__network_status": None, "coverage__plan_type": None},
    ],
)
def test_odd_but_valid_requests_never_raise(changes):
    for program in ("va_ccn", "tricare", "commercial", "self_pay"):
        result = run(program, **changes)
        assert result["determination"] in {"covered", "authorization_required", "partially_covered", "not_covered", "self_pay", "needs_review"}


def test_rule_package_imports_no_web_queue_or_database_library():
    for path in RULES_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_importing_the_rules_loads_none_of_those_libraries():
    code = "import sys, workers.rules; print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in %r)))" % FORBIDDEN
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
