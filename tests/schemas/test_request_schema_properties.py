"""Properties of the request schema, over generated requests: every valid request loads and its
canonical form is a fixed point; every invalid one is a 422 naming the field; no body is a 500."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from schemas.verification_request import (
    AUTHORIZATION_TYPES,
    NETWORK_STATUSES,
    PROGRAMS,
    RELATIONSHIPS,
    VerificationRequestSchema,
)
from service.verification.accept import canonical
from tests.requests import body

SCHEMA = VerificationRequestSchema()
URL = "/api/v1/verifications"
TODAY = date.today()
EXAMPLES = settings(max_examples=150, deadline=None)
# Through the test client: fewer, each field on its own.
HTTP_EXAMPLES = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Any printable or not, but no surrogates (not encodable) and no NUL (refused: PostgreSQL cannot store it).
characters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
text = st.text(characters, min_size=1, max_size=100).filter(str.strip)
days = st.dates(date(2000, 1, 1), TODAY + timedelta(days=700)).map(date.isoformat)
money = st.decimals(0, 10_000_000, places=2).map(float)
procedure = st.from_regex(r"\A(?:[0-9]{5}|[0-9]{4}[FT]|[A-Z][0-9]{4})\Z")
diagnosis = st.from_regex(r"\A[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?\Z")

authorization = st.fixed_dictionaries(
    {"type": st.sampled_from(AUTHORIZATION_TYPES), "number": st.from_regex(r"\A[A-Z0-9]{1,40}\Z")},
    optional={"approved_visits": st.integers(0, 1000), "used_visits": st.integers(0, 1000),
              "approved_codes": st.lists(procedure, max_size=5)},
)
coverage = st.fixed_dictionaries(
    {"program": st.sampled_from(PROGRAMS), "carrier": text,
     "member_id": st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 -]{0,39}\Z")},
    optional={"plan_type": st.from_regex(r"\A[A-Za-z0-9_-][A-Za-z0-9 _-]{0,19}\Z"),
              "relationship": st.sampled_from(RELATIONSHIPS), "network_status": st.sampled_from(NETWORK_STATUSES),
              "group_number": st.text(characters, min_size=1, max_size=40).filter(str.strip), "authorization": authorization,
              "benefits": st.fixed_dictionaries({}, optional={"deductible": money, "copay": money,
                                                              "coinsurance_percent": st.integers(0, 100)})},
)
valid_requests = st.fixed_dictionaries(
    {
        "patient": st.fixed_dictionaries({
            "first_name": text, "last_name": text, "veteran": st.booleans(),
            "date_of_birth": st.dates(date(1900, 1, 1), TODAY).map(date.isoformat),
        }),
        "coverage": coverage,
        "services": st.lists(st.fixed_dictionaries({"code": procedure},
                                                   optional={"units": st.integers(1, 999), "charge": money}),
                             min_size=1, max_size=6),
    },
    optional={"sessions": st.integers(1, 100), "diagnoses": st.lists(diagnosis, max_size=12),
              "date_of_service": days},
)

blank = st.text(" \t\n\u00a0\u2028\x1c", min_size=1, max_size=5)
# (field, values it must refuse): each path set on an otherwise valid request.
INVALID = {
    "patient.first_name": blank,
    "patient.last_name": st.one_of(blank, st.text(min_size=101, max_size=120)),
    "coverage.carrier": st.one_of(blank, st.text(characters, max_size=20).map(lambda s: s + "\x00")),
    "patient.date_of_birth": st.one_of(st.text(max_size=12).filter(lambda s: not _is_iso_date(s)),
                                       st.dates(TODAY + timedelta(days=1)).map(date.isoformat)),
    "coverage.member_id": st.from_regex(r"\A[A-Za-z0-9]{1,10}[!@#$%^&*()_+=]{1,3}\Z"),
    "coverage.program": st.text(max_size=20).filter(lambda s: s not in PROGRAMS),
    "services.0.code": st.text(max_size=8).filter(lambda s: not procedure_ok(s)),
    "services.0.units": st.one_of(st.integers(max_value=0), st.integers(min_value=1000),
                                  st.floats(1, 999).filter(lambda f: not f.is_integer())),
    "services.0.charge": st.one_of(st.decimals(max_value="-0.01", places=2, allow_nan=False).map(float),
                                   st.just("lots")),
    "sessions": st.one_of(st.integers(max_value=0), st.integers(min_value=101), st.sampled_from(["six", "", "1.5"]),
                          st.floats(1, 100).filter(lambda f: not f.is_integer())),
    "diagnoses.0": st.text(max_size=10).filter(lambda s: not diagnosis_ok(s)),
}


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        return False


def procedure_ok(value: str) -> bool:
    try:
        SCHEMA.load(body(**{"services.0.code": value}))
        return True
    except ValidationError:
        return False


def diagnosis_ok(value: str) -> bool:
    try:
        SCHEMA.load(body(diagnoses=[value]))
        return True
    except ValidationError:
        return False


@EXAMPLES
@given(valid_requests)
def test_every_valid_request_loads_and_its_canonical_form_is_a_fixed_point(request):
    once = canonical(SCHEMA.load(request))

    assert canonical(SCHEMA.load(once)) == once
    assert once["coverage"]["carrier"].strip(), "a carrier is never tidied away to nothing"


@pytest.mark.parametrize("field", sorted(INVALID))
def test_an_invalid_value_is_a_422_naming_its_field(client, auth, field):
    @HTTP_EXAMPLES
    @given(st.data())
    def check(data):
        value = data.draw(INVALID[field])
        response = client.post(URL, json=body(**{field: value}), headers=auth())

        assert response.status_code == 422, (value, response.json)
        assert field in response.json["error"]["fields"], response.json

    check()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@EXAMPLES
@given(st.dictionaries(st.sampled_from(["patient", "coverage", "services", "sessions", "diagnoses", "x"]),
                       json_values, max_size=6))
def test_no_json_object_makes_the_schema_raise_anything_but_a_validation_error(payload):
    try:
        SCHEMA.load(payload)
    except ValidationError as error:
        assert error.messages


@pytest.mark.parametrize("program", [
    # CONTRACT.md, coverage.program: va_ccn | tricare | commercial | medicare | medicare_advantage | medicaid | champva | self_pay
    "va_ccn", "tricare", "commercial", "medicare", "medicare_advantage", "medicaid", "champva", "self_pay",
])
def test_the_contracts_eight_programs_are_accepted(program):
    assert SCHEMA.load(body(**{"coverage.program": program}))["coverage"]["program"] == program
