"""Every scenario file, through the public entry point, meets its `expect`.

The project's own scenarios live in tests/scenarios/; CI also has ../shared/scenarios/ beside the
repository, and when that folder exists every file in it runs too.
"""

import pytest

from tests.scenario_expectations import (
    OWN_DIR,
    assert_meets_expectations,
    expectation_problems,
    load_scenario,
    scenario_files,
    scenario_id,
)
from workers.rules import evaluate


def test_the_project_carries_its_own_scenarios():
    assert len(list(OWN_DIR.glob("*.json"))) >= 20


@pytest.mark.parametrize("path", scenario_files(), ids=scenario_id)
def test_scenario_meets_its_expectations(path):
    scenario = load_scenario(path)
    assert_meets_expectations(evaluate(scenario["request"]), scenario["expect"])


@pytest.mark.parametrize(
    "expect, problem",
    [
        ({"determination": "covered"}, "determination is 'not_covered'"),
        ({"determination_any": ["covered", "needs_review"]}, "expected one of"),
        ({"carc_any": ["197"]}, "expected one of ['197']"),
        ({"lines": {"99213": "covered"}}, "line 99213"),
        ({"lines": {"90834": "covered"}}, "no line for 90834"),
        ({"off_label": True}, "off_label present is False"),
        ({"requirements_include": ["va_referral"]}, "requirement 'va_referral' missing"),
        ({"estimate_total_patient": 1.0}, "estimate total patient"),
        ({"program": "va_ccn"}, "program is 'commercial'"),
        ({"surprise": 1}, "unknown expect key"),
    ],
)
def test_expectation_checker_reports_each_kind_of_mismatch(expect, problem):
    scenario = load_scenario(OWN_DIR / "commercial-coverage-not-started.json")
    problems = expectation_problems(evaluate(scenario["request"]), expect)
    assert any(problem in text for text in problems), problems
