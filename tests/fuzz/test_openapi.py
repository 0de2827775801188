"""schemathesis over every operation of /api/v1/openapi.json, authenticated: valid and invalid
requests alike get no 5xx, and every response matches what the document says (status code,
content type, headers, body schema). A real worker runs, so `?wait=` returns finished results.

A JSON Schema cannot say "a date of birth before today" or "a member id unless self-pay", so
most generated bodies would stop at a 422. Positive POST bodies are therefore made plausible
(dates moved into range, missing carrier/member id filled in) before they are sent, and then
run through the rule modules: random but valid requests must come back complete, never failed.

Each operation's cases are drawn from schemathesis' strategy and run through hypothesis here
(its pytest plugin does not run under pytest 9).
"""

import os
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import FUZZ_CASES

TODAY = date.today()

# Per operation and generation mode; BV_FUZZ_EXAMPLES=300 for a deeper run than `make test`'s.
EXAMPLES = int(os.environ.get("BV_FUZZ_EXAMPLES") or 40)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(app, keys, celery_worker, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {keys['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not any(
            (operation.query, operation.path_parameters, operation.headers, operation.body)
        ):
            continue  # nothing in the request to get wrong (/healthz, /readyz)

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def answers_as_documented(case):
            FUZZ_CASES[f"{mode.value} {case.method} {case.path}"] += 1
            creates = case.method == "POST" and case.path == "/api/v1/verifications"
            if mode is GenerationMode.POSITIVE and creates and isinstance(case.body, dict):
                make_plausible(case.body)
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            if response.status_code == 200 and creates:
                assert response.json()["status"] == "complete", response.json()

        answers_as_documented()


def _within(value, earliest: date, latest: date, fallback: date) -> str:
    try:
        if earliest <= date.fromisoformat(value) <= latest:
            return value
    except (TypeError, ValueError):
        pass
    return fallback.isoformat()


def _ordered(record: dict, start: str, end: str) -> None:
    if record.get(start) and record.get(end) and record[end] < record[start]:
        record[start], record[end] = record[end], record[start]


def make_plausible(body: dict) -> None:
    """Bring a schema-valid request within the rules the document cannot state."""
    patient, coverage = body["patient"], body["coverage"]
    patient["date_of_birth"] = _within(patient["date_of_birth"], date(1900, 1, 1), TODAY, date(1979, 3, 14))
    for name in ("date_of_service", "scheduled_on"):
        if body.get(name):
            body[name] = _within(body[name], date(2000, 1, 1), TODAY + timedelta(days=700), TODAY)
    if coverage.get("program") != "self_pay":
        coverage["carrier"] = coverage.get("carrier") or "TriWest"
        coverage["member_id"] = coverage.get("member_id") or "A1"
    _ordered(coverage, "coverage_start", "coverage_end")
    if isinstance(coverage.get("authorization"), dict):
        _ordered(coverage["authorization"], "valid_from", "valid_to")
