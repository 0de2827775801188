"""Bad input gets a 4xx naming the field, in the contract's error shape; never a 500."""

import json
from uuid import UUID

import pytest

from service.extensions import db
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


def _raw_post(client, auth, text: str):
    return client.post(URL, data=text.encode("utf-8"), content_type="application/json", headers=auth())


@pytest.mark.parametrize("depth", [40, 999, 5000])
def test_a_body_nested_deeper_than_any_request_is_a_400(client, auth, depth):
    nested = '{"patient": ' * depth + "1" + "}" * depth

    response = _raw_post(client, auth, nested)

    assert response.status_code == 400
    assert "body" in response.json["error"]["fields"]
    assert "nests deeper" in response.json["error"]["message"]


def _stored_request(app, verification_id) -> dict:
    from service.models import Verification

    with app.app_context():
        return db.session.get(Verification, UUID(verification_id)).request


def test_brackets_in_text_are_not_nesting(app, client, auth):
    # More brackets than the depth limit, all inside a string: the body is one level deep and is accepted.
    carrier = "Aetna " + "[" * 40

    response = client.post(URL, json=body(**{"coverage.carrier": carrier}), headers=auth())

    assert response.status_code in (200, 202), response.json
    assert _stored_request(app, response.json["id"])["coverage"]["carrier"] == carrier


def test_text_that_spells_out_a_nul_is_kept_as_written(app, client, auth):
    # A backslash and "u0000" are six ordinary characters, not a NUL: accepted and stored unchanged.
    spelled = "O\\u0000Brien"

    response = client.post(URL, json=body(**{"patient.last_name": spelled}), headers=auth())

    assert response.status_code in (200, 202), response.json
    assert _stored_request(app, response.json["id"])["patient"]["last_name"] == spelled


@pytest.mark.parametrize("field", ["patient.first_name", "coverage.carrier", "coverage.authorization.number"])
def test_a_lone_surrogate_is_a_422_naming_the_field(client, auth, field):
    # "\ud800" spelled in the JSON text itself: Python's json.dumps would escape a real one the same way.
    text = json.dumps(body(**{field: "SURROGATE"})).replace("SURROGATE", "Dana\\ud800")

    response = _raw_post(client, auth, text)

    assert response.status_code == 422
    assert "surrogate" in response.json["error"]["fields"][field][0]


def test_a_lone_surrogate_in_a_field_name_is_a_422_not_a_500(client, auth):
    text = json.dumps(body()).replace('"sessions"', '"ses\\udc00sions"')

    response = _raw_post(client, auth, text)

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"body": [response.json["error"]["fields"]["body"][0]]}


@pytest.mark.parametrize("field", ["sessions", "services.0.units", "services.0.charge", "coverage.benefits.copay"])
def test_a_number_of_4301_digits_is_a_422_naming_the_field(client, auth, field):
    text = json.dumps(body(**{"coverage.benefits": {"copay": 40}, field: "HUGE"})).replace('"HUGE"', "1" * 4301)

    response = _raw_post(client, auth, text)

    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize("charge", [-0.001, "-0.001", -5])
def test_a_negative_charge_is_refused_even_when_it_rounds_to_zero(client, auth, charge):
    response = client.post(URL, json=body(**{"services.0.charge": charge}), headers=auth())

    assert response.status_code == 422
    assert response.json["error"]["fields"]["services.0.charge"] == ["Must not be negative."]


def test_a_chunked_body_over_the_limit_is_a_413_not_invalid_json(app, live_server, auth):
    import requests

    def ten_megabytes():
        for _ in range(160):
            yield b" " * 65536

    response = requests.post(live_server + URL, data=ten_megabytes(), timeout=30,
                             headers={**auth(), "Content-Type": "application/json"})

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert f"{app.config['MAX_CONTENT_LENGTH']:,} bytes" in error["message"]
    assert "body" in error["fields"]


def test_a_url_over_4_kib_is_a_414_in_the_error_shape(client, auth):
    response = client.get(URL + "?determination=" + "x" * 5000, headers=auth("billing"))

    assert response.status_code == 414
    assert response.json["error"]["code"] == "uri_too_long"


def test_the_271_reader_refuses_deep_json_with_a_400(client, auth):
    response = client.post("/api/v1/eligibility/271", data=("[" * 3000 + "]" * 3000).encode(),
                           content_type="application/json", headers=auth())

    assert response.status_code == 400
    assert "body" in response.json["error"]["fields"]
