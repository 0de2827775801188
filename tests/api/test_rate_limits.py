"""Requests per key and minute, by role: a 429 in the contract's shape with Retry-After; Redis down
keeps the limits (in memory) and never turns into a 5xx."""

import secrets

import pytest

from tests.conftest import another_app, csrf_token, sign_in


@pytest.fixture
def limited(app):
    """An app with small limits and fresh counters (its own key prefix)."""
    with another_app(
        app,
        REDIS_KEY_PREFIX=f"{app.config['REDIS_KEY_PREFIX']}limits-{secrets.token_hex(3)}:",
        RATE_LIMIT_INTAKE="3/minute",
        RATE_LIMIT_BILLING="5/minute",
        RATE_LIMIT_ANONYMOUS="2/minute",
    ) as limited:
        yield limited


def test_a_key_over_its_limit_gets_a_429_with_retry_after(limited, keys):
    client = limited.test_client()
    answers = [client.get("/api/v1/payers", headers={"X-API-Key": keys["intake"]}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"


def test_limits_count_per_key_and_follow_the_role(limited, keys):
    client = limited.test_client()
    for _ in range(3):
        client.get("/api/v1/payers", headers={"X-API-Key": keys["intake"]})

    billing = [client.get("/api/v1/payers", headers={"X-API-Key": keys["billing"]}).status_code for _ in range(6)]

    assert client.get("/api/v1/payers", headers={"X-API-Key": keys["intake"]}).status_code == 429
    assert billing == [200] * 5 + [429], "billing's own counter, with billing's limit"


def test_every_api_route_shares_one_counter_per_key(limited, keys):
    client = limited.test_client()
    headers = {"X-API-Key": keys["intake"]}
    client.get("/api/v1/payers", headers=headers)
    client.get("/api/v1/verifications/00000000-0000-4000-8000-000000000000", headers=headers)
    client.post("/api/v1/verifications", json={}, headers=headers)

    assert client.get("/api/v1/payers", headers=headers).status_code == 429


def test_guessing_keys_is_limited_by_client_address(limited):
    client = limited.test_client()
    answers = [client.get("/api/v1/payers", headers={"X-API-Key": f"bvk_{i:012d}_guess"}).status_code for i in range(3)]

    assert answers == [401, 401, 429]


def test_health_checks_are_not_limited(limited):
    client = limited.test_client()

    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_with_redis_down_the_limits_hold_in_memory_and_nothing_fails(app, keys, tmp_path):
    with another_app(app, REDIS_URL=f"unix://{tmp_path}/no-redis.sock", RATE_LIMIT_INTAKE="3/minute") as cut_off:
        client = cut_off.test_client()
        answers = [client.get("/api/v1/payers", headers={"X-API-Key": keys["intake"]}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json["error"]["code"] == "rate_limited"
    assert answers[-1].headers["Retry-After"]


def test_a_signed_in_staff_user_is_limited_by_their_role_not_their_address(limited, staff):
    client = limited.test_client()
    assert sign_in(client, staff["billing"]).status_code == 302
    answers = [client.get("/api/v1/payers").status_code for _ in range(6)]

    assert answers == [200] * 5 + [429], "billing's limit (5), not the anonymous one (2)"


def test_guessing_staff_passwords_is_limited_by_client_address(limited, staff):
    client = limited.test_client()
    token = csrf_token(client)
    guesses = [
        client.post("/login", data={"username": staff["intake"][0], "password": f"guess-{i}", "csrf_token": token})
        for i in range(3)
    ]

    assert [guess.status_code for guess in guesses] == [401, 401, 429]
    assert guesses[-1].headers["Retry-After"]


def test_a_limit_setting_that_does_not_parse_stops_the_app_at_start(app):
    with pytest.raises(ValueError, match="BV_RATE_LIMIT_BILLING must read like 300/minute"), \
            another_app(app, RATE_LIMIT_BILLING="plenty"):
        pass
