"""Redis holds no patient name, date of birth or member id: not in a key, not in a value."""

import pytest

from tests.requests import VETERAN_WITH_REFERRAL, body

PHI = {
    "patient.first_name": "Evangelina",
    "patient.last_name": "Sotomayor-Whitfield",
    "patient.date_of_birth": "1968-07-23",
    "coverage.member_id": "ZK4471902",
    "coverage.group_number": "GRP-88123",
}


def redis_contents(client, prefix) -> list[bytes]:
    """Every key under the app's prefix and every value in it, whatever its type."""
    found = []
    for key in client.scan_iter(match=prefix + "*", count=1000):
        found.append(key)
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key) or b"")
        elif kind == b"list":
            found.extend(client.lrange(key, 0, -1))
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                found.extend((field, value))
        elif kind == b"set":
            found.extend(client.smembers(key))
        elif kind == b"zset":
            found.extend(client.zrange(key, 0, -1))
    return found


@pytest.mark.e2e
def test_no_patient_identifier_reaches_redis(app, client, auth, celery_worker):
    patient = body(VETERAN_WITH_REFERRAL, **PHI)
    assert client.post("/api/v1/verifications?wait=10", json=patient, headers=auth()).json["cached"] is False
    assert client.post("/api/v1/verifications?wait=10", json=patient, headers=auth()).json["cached"] is True
    queued = body(VETERAN_WITH_REFERRAL, **{**PHI, "sessions": 2})
    assert client.post("/api/v1/verifications", json=queued, headers=auth()).status_code in (200, 202)

    contents = redis_contents(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"])

    assert any(b"result:" in item for item in contents), "the scan should see the cached results"
    for value in PHI.values():
        assert not [item for item in contents if value.encode() in item], value


@pytest.mark.e2e
def test_no_identifier_from_a_271_reaches_redis(app, client, auth, celery_worker):
    from tests.x12.documents import IDENTIFIERS, document

    for name, patient, member_id in (
        ("active-behavioral-health.271", {"first_name": "Marisol", "last_name": "Quintero-Hale", "date_of_birth": "1985-04-12"}, "W284619037"),
        ("dependent.271", {"first_name": "Tobi", "last_name": "Okonkwo-Reyes", "date_of_birth": "2009-06-22"}, "UHC99104387"),
    ):
        payload = body(VETERAN_WITH_REFERRAL, **{
            "patient": patient, "coverage.program": "commercial", "coverage.carrier": "Aetna",
            "coverage.authorization": None, "coverage.member_id": member_id, "coverage.eligibility_271": document(name),
        })
        response = client.post("/api/v1/verifications?wait=10", json=payload, headers=auth())
        assert response.json["status"] == "complete", response.json
        assert response.json["eligibility"]["source"] == "271"

    contents = redis_contents(app.extensions["redis"], app.config["REDIS_KEY_PREFIX"])

    assert any(b"result:" in item for item in contents), "the scan should see the cached results"
    found = [value for value in (*IDENTIFIERS, "1985-04-12", "2009-06-22", "ISA*", "EB*") if [i for i in contents if value.encode() in i.upper()]]
    assert found == []
