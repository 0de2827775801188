"""Bad input gets a 4xx naming the field, in the contract's error shape; never a 500."""

import json

import pytest

from tests.requests import body

URL = "/api/v1/verifications"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"patient.first_name": None}, "patient.first_name"),
        ({"patient.date_of_birth": "14/03/1979"}, "patient.date_of_birth"),
        ({"patient.date_of_birth": "2999-01-01"}, "patient.date_of_birth"),
        ({"coverage.member_id": None}, "coverage.member_id"),
        ({"coverage.carrier": None}, "coverage.carrier"),
        ({"coverage.program": "workers_compensation"}, "coverage.program"),
        ({"coverage.network_status": "maybe"}, "coverage.network_status"),
        ({"coverage.coverage_start": "2026-06-01", "coverage.coverage_end": "2026-01-01"}, "coverage.coverage_end"),
        ({"coverage.authorization.type": "auth"}, "coverage.authorization.type"),
        ({"coverage.authorization.valid_to": "2026-01-01"}, "coverage.authorization.valid_to"),
        ({"coverage.authorization.approved_codes": ["96365", "ketamine"]}, "coverage.authorization.approved_codes.1"),
        ({"coverage.benefits": {"coinsurance_percent": 120}}, "coverage.benefits.coinsurance_percent"),
        ({"coverage.benefits": {"deductible": -5}}, "coverage.benefits.deductible"),
        ({"services": []}, "services"),
        ({"services.0.code": "9636"}, "services.0.code"),
        ({"services.1.code": "J34900"}, "services.1.code"),
        ({"services.0.units": 0}, "services.0.units"),
        ({"services.0.charge": "lots"}, "services.0.charge"),
        ({"sessions": 0}, "sessions"),
        ({"diagnoses": ["F43.10", "PTSD"]}, "diagnoses.1"),
        ({"date_of_service": "2026-13-01"}, "date_of_service"),
        ({"memberid": "123"}, "memberid"),
    ],
)
def test_invalid_field_is_named_in_a_422(client, auth, changes, field):
    response = client.post(URL, json=body(**changes), headers=auth())

    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert field in error["message"]


def test_every_bad_field_is_named_at_once(client, auth):
    response = client.post(
        URL, json=body(**{"patient.first_name": None, "services.0.code": "x", "sessions": 500}), headers=auth()
    )

    assert response.status_code == 422
    assert {"patient.first_name", "services.0.code", "sessions"} <= set(response.json["error"]["fields"])


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_or_infinity_as_pythons_json_writes_them_is_a_422_naming_the_field(client, auth, value):
    data = json.dumps(body(**{"services.0.charge": value}))  # NaN, Infinity: not JSON, but common

    response = client.post(URL, data=data, content_type="application/json", headers=auth())

    assert response.status_code == 422
    assert "services.0.charge" in response.json["error"]["fields"]


def test_wait_above_thirty_seconds_is_refused(client, auth):
    response = client.post(URL + "?wait=31", json=body(), headers=auth())

    assert response.status_code == 422
    assert "wait" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("[1, 2]", "application/json"),
        ('"a string"', "application/json"),
        ("{not json", "application/json"),
        ("", "application/json"),
        ("first_name=Dana", "application/x-www-form-urlencoded"),
        ('{"patient": {}}', "text/plain"),
    ],
)
def test_body_that_is_not_a_json_object_is_a_400(client, auth, data, content_type):
    response = client.post(URL, data=data, content_type=content_type, headers=auth())

    assert response.status_code == 400
    assert response.json["error"]["code"] == "validation_error"
    assert "body" in response.json["error"]["fields"]


def test_body_over_the_limit_is_a_413(client, auth, app):
    oversized = body(**{"patient.first_name": "x" * app.config["MAX_CONTENT_LENGTH"]})

    response = client.post(URL, json=oversized, headers=auth())

    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_unknown_verification_is_a_404(client, auth):
    assert client.get(URL + "/00000000-0000-4000-8000-000000000000", headers=auth()).status_code == 404
    assert client.get(URL + "/not-an-id", headers=auth()).json["error"]["code"] == "not_found"


def test_wrong_method_is_a_405_in_the_error_shape(client, auth):
    response = client.delete(URL, headers=auth())

    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_self_pay_needs_no_carrier_or_member_id(client, auth, celery_worker):
    self_pay = body(coverage={"program": "self_pay"})

    response = client.post(URL + "?wait=10", json=self_pay, headers=auth())

    assert response.status_code == 200, response.json
    assert response.json["program"] == "self_pay"


def test_codes_are_normalised_before_the_rules_see_them(app):
    from schemas.verification_request import VerificationRequestSchema

    loaded = VerificationRequestSchema().load(body(**{"services.0.code": " j3490 ", "diagnoses": ["f4310", "F32A"]}))

    assert loaded["services"][0]["code"] == "J3490"
    assert loaded["diagnoses"] == ["F43.10", "F32.A"]


@pytest.mark.parametrize(
    "method, url, payload",
    [
        ("get", URL + "?carrier=Tri%00West", None),
        ("post", URL, body(**{"patient.last_name": "Reyes\x00"})),
        ("post", URL, body(**{"coverage.carrier": "Tri\x00West"})),
    ],
)
def test_a_nul_character_is_a_422_not_a_500(client, auth, method, url, payload):
    """PostgreSQL text cannot hold NUL: found by the OpenAPI fuzzing as a 500 on billing's carrier filter."""
    response = getattr(client, method)(url, json=payload, headers=auth("billing"))

    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
