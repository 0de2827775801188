"""Billing's views across verifications: search with filters and paging, and denial-reason counts."""

import pytest

from service.extensions import db
from service.models import Verification
from tests.api.conftest import result
from tests.requests import record_result


def search(client, auth, **params):
    response = client.get("/api/v1/verifications", query_string=params, headers=auth("billing"))
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, 7),
        ({"carc": "55"}, 3),
        ({"carc": "242"}, 1),
        ({"program": "va_ccn"}, 2),
        ({"determination": "authorization_required"}, 2),
        ({"program": "commercial", "carc": "197"}, 1),
        ({"since": "2026-11-03"}, 5),
        ({"until": "2026-11-03"}, 4),
        ({"since": "2026-11-03", "until": "2026-11-03"}, 2),
        ({"carrier": "aetna"}, 3),
    ],
)
def test_search_filters_verifications(client, auth, history, params, expected):
    page = search(client, auth, **params)

    assert page["total"] == expected
    assert len(page["items"]) == expected


def test_search_pages_newest_first(client, auth, history):
    first = search(client, auth, per_page=3, page=1)
    last = search(client, auth, per_page=3, page=3)

    assert first["total"] == 7 and len(first["items"]) == 3 and len(last["items"]) == 1
    assert [item["program"] for item in first["items"]] == ["self_pay", "tricare", "va_ccn"]
    assert last["items"][0]["determination"] == "partially_covered"


def test_page_size_is_capped(client, auth):
    response = client.get("/api/v1/verifications?per_page=1000", headers=auth("billing"))

    assert response.status_code == 422
    assert "per_page" in response.json["error"]["fields"]


def test_denial_reasons_are_counted_per_program(client, auth, history):
    response = client.get("/api/v1/denial-reasons", headers=auth("billing"))

    items = {item["carc"]: item for item in response.json["items"]}
    assert [item["carc"] for item in response.json["items"]][:2] == ["55", "197"]
    assert items["55"]["count"] == 3 and items["55"]["programs"] == {"commercial": 2, "tricare": 1}
    assert items["197"]["programs"] == {"commercial": 1, "va_ccn": 1}
    assert items["242"]["description"] == "CARC 242"


def test_denial_reasons_follow_the_period_and_program(client, auth, history):
    response = client.get(
        "/api/v1/denial-reasons", query_string={"since": "2026-11-03", "program": "commercial"}, headers=auth("billing")
    )

    assert [(item["carc"], item["count"]) for item in response.json["items"]] == [("197", 1)]


def test_a_reason_on_an_unrouted_verification_is_counted_not_a_500(app, client, auth, clean_verifications):
    # The rules give no program when they cannot route a request; billing still counts its reasons.
    with app.app_context():
        verification = Verification(request={"coverage": {}}, request_digest="e" * 64, fingerprint="e" * 64)
        record_result(verification, result(None, "needs_review", "16"))
        db.session.add(verification)
        db.session.commit()

    response = client.get("/api/v1/denial-reasons", headers=auth("billing"))

    assert response.status_code == 200
    assert [(item["carc"], item["programs"]) for item in response.json["items"]] == [("16", {"unrouted": 1})]
