"""Through HTTP → Celery worker → database → Redis cache and back, on SQLite and on PostgreSQL."""

import threading
import time
from uuid import UUID

import pytest
import requests
from sqlalchemy.exc import OperationalError

import workers.rules
from schemas.verification_result import VerificationSchema
from service.extensions import db
from service.models import Verification
from service.verification import group_commit
from tests.requests import body
from tests.scenario_expectations import assert_meets_expectations, load_scenario, scenario_files, scenario_id

pytestmark = pytest.mark.e2e


@pytest.fixture
def http(live_server, keys, celery_worker):
    """A requests session against the live server, authenticated as intake."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {keys['intake']}"
    session.base = live_server
    return session


def post(http, payload, wait=10, **headers):
    return http.post(f"{http.base}/api/v1/verifications", params={"wait": wait}, json=payload, headers=headers, timeout=40)


@pytest.mark.parametrize("path", scenario_files(), ids=scenario_id)
def test_scenario_through_the_whole_stack(http, path):
    scenario = load_scenario(path)
    response = post(http, scenario["request"])

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "complete"
    assert_meets_expectations(result, scenario["expect"])
    assert VerificationSchema().validate(result) == {}, "the OpenAPI document must describe every field"


def test_without_wait_the_answer_is_202_then_the_result_is_readable(http):
    response = post(http, body(**{"coverage.member_id": "202202202"}), wait=0)

    assert response.status_code == 202
    queued = response.json()
    assert queued["status"] in ("queued", "running")
    assert response.headers["Location"] == queued["links"]["self"] == f"/api/v1/verifications/{queued['id']}"
    deadline = time.monotonic() + 20
    while (result := http.get(http.base + response.headers["Location"]).json())["status"] != "complete":
        assert time.monotonic() < deadline, result
        time.sleep(0.05)
    assert result["determination"]
    assert result["cached"] is False


def test_repeated_request_is_answered_from_the_cache(http):
    first = post(http, body(**{"coverage.member_id": "111222333"})).json()
    again = post(http, body(**{"coverage.member_id": "111222333"})).json()

    assert first["cached"] is False
    assert again["cached"] is True
    assert again["id"] != first["id"], "a cache hit still records its own verification for billing"
    assert {k: again[k] for k in ("determination", "lines", "estimate")} == {
        k: first[k] for k in ("determination", "lines", "estimate")
    }


def test_a_cache_hit_answers_exactly_what_it_stored(http, app):
    payload = body(**{"coverage.member_id": "111222444"})
    post(http, payload)
    answered = post(http, payload)
    read_back = http.get(f"{http.base}/api/v1/verifications/{answered.json()['id']}")

    assert answered.json()["cached"] is True
    assert read_back.json() == answered.json(), "the POST's answer and the stored verification are the same document"
    assert VerificationSchema().validate(answered.json()) == {}
    with app.app_context():
        stored = db.session.get(Verification, UUID(answered.json()["id"]))
        assert (stored.program, stored.determination) == (answered.json()["program"], answered.json()["determination"])
        assert sorted(d.carc for d in stored.denials) == sorted(r["carc"] for r in answered.json()["denial_reasons"])


def test_a_request_whose_save_failed_leaves_no_task_for_others_to_wait_on(http, monkeypatch):
    payload = body(**{"coverage.member_id": "555000555"})
    write = group_commit.write

    def database_gone(item):
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(group_commit, "write", database_gone)
    refused = post(http, payload)
    monkeypatch.setattr(group_commit, "write", write)
    started = time.monotonic()
    again = post(http, payload)

    assert refused.status_code == 503
    assert again.status_code == 200 and again.json()["status"] == "complete" and again.json()["cached"] is False
    assert time.monotonic() - started < 5, "the identical request ran its own task, not waited on the unsaved one"


def test_rule_version_bump_misses_the_cache(http, monkeypatch):
    payload = body(**{"coverage.member_id": "444555666"})
    assert post(http, payload).json()["cached"] is False
    assert post(http, payload).json()["cached"] is True

    bumped = workers.rules.rules_version() + "-bumped"
    monkeypatch.setattr(workers.rules, "rules_version", lambda: bumped)

    assert post(http, payload).json()["cached"] is False


def test_identical_requests_in_flight_share_one_task(http, app, monkeypatch):
    evaluations = []
    evaluate = workers.rules.evaluate

    def slow_evaluate(request):
        evaluations.append(1)
        time.sleep(0.5)
        return evaluate(request)

    monkeypatch.setattr(workers.rules, "evaluate", slow_evaluate)
    payload = body(**{"coverage.member_id": "777888999"})
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(post(http, payload).json())) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 5
    assert {answer["status"] for answer in answers} == {"complete"}
    assert len({answer["id"] for answer in answers}) == 5
    assert len(evaluations) == 1
    assert len({answer["determination"] for answer in answers}) == 1


def test_idempotency_key_returns_the_same_verification(http):
    payload = body(**{"coverage.member_id": "123123123"})

    first = post(http, payload, **{"Idempotency-Key": "intake-form-8812"})
    second = post(http, payload, **{"Idempotency-Key": "intake-form-8812"})
    different = post(http, body(**{"coverage.member_id": "321321321"}), **{"Idempotency-Key": "intake-form-8812"})

    assert first.status_code == second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert different.status_code == 409
    assert different.json()["error"]["code"] == "conflict"


def test_verification_is_stored_with_its_outcome(http, app):
    result = post(http, body(**{"coverage.member_id": "999000111"})).json()

    with app.app_context():
        stored = db.session.get(Verification, UUID(result["id"]))
        assert stored.status == "complete"
        assert stored.determination == result["determination"]
        assert stored.program == result["program"]
        assert sorted(d.carc for d in stored.denials) == sorted(r["carc"] for r in result["denial_reasons"])
