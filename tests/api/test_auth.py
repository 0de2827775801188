"""Keys and roles per the contract: no key 401, wrong role 403; only a hash is stored."""

import hashlib
import time

import pytest
from sqlalchemy import select, update

from service import auth as service_auth
from service.extensions import db
from service.models import ApiKey, utcnow
from tests.requests import body


def test_no_key_is_a_401(client):
    response = client.get("/api/v1/payers")

    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("presented", ["bvk_000000000000_nope", "nonsense", "Bearer", "bvk_"])
def test_unknown_key_is_a_401_and_is_not_echoed(client, presented):
    response = client.get("/api/v1/payers", headers={"X-API-Key": presented})

    assert response.status_code == 401
    assert presented not in response.get_data(as_text=True)


def test_key_works_as_bearer_or_x_api_key(client, keys):
    assert client.get("/api/v1/payers", headers={"Authorization": f"Bearer {keys['intake']}"}).status_code == 200
    assert client.get("/api/v1/payers", headers={"X-API-Key": keys["intake"]}).status_code == 200


@pytest.mark.parametrize(
    "role, method, url, allowed",
    [
        ("intake", "get", "/api/v1/verifications", False),
        ("intake", "get", "/api/v1/denial-reasons", False),
        ("billing", "get", "/api/v1/verifications", True),
        ("billing", "get", "/api/v1/denial-reasons", True),
        ("billing", "get", "/api/v1/payers", True),
        ("admin", "get", "/api/v1/denial-reasons", True),
    ],
)
def test_roles_reach_what_the_contract_allows(client, auth, role, method, url, allowed):
    response = getattr(client, method)(url, headers=auth(role))

    assert response.status_code == (200 if allowed else 403)


def test_billing_may_create_verifications_too(client, auth):
    assert client.post("/api/v1/verifications", json=body(), headers=auth("billing")).status_code in (200, 202)


def test_only_a_hash_of_the_key_is_stored(app, keys):
    with app.app_context():
        stored = db.session.scalars(select(ApiKey)).all()
    plain = keys["intake"]

    assert all(plain not in (key.key_hash, key.prefix, key.label) for key in stored)
    assert hashlib.sha256(plain.encode()).hexdigest() in {key.key_hash for key in stored}


def test_revoked_key_is_refused(app, client):
    with app.app_context():
        key, plain = service_auth.create_key("intake", "to revoke")
        assert client.get("/api/v1/payers", headers={"X-API-Key": plain}).status_code == 200
        service_auth.revoke_key(key.prefix)

    assert client.get("/api/v1/payers", headers={"X-API-Key": plain}).status_code == 401


def test_a_key_whose_prefix_is_all_digits_is_revoked_by_that_prefix(app, client, monkeypatch):
    # One key in about 280 gets a prefix of hex digits that are all 0-9: it is still a prefix, not a row id.
    monkeypatch.setattr(service_auth.secrets, "token_hex", lambda size: "7" * (2 * size))
    with app.app_context():
        key, plain = service_auth.create_key("intake", "all digits")
    monkeypatch.undo()
    assert key.prefix.isdigit()

    with app.app_context():
        assert service_auth.revoke_key(key.prefix).id == key.id

    assert client.get("/api/v1/payers", headers={"X-API-Key": plain}).status_code == 401


def test_a_key_revoked_by_another_process_is_refused_once_the_key_cache_time_passes(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "KEY_CACHE_SECONDS", 0.5)
    with app.app_context():
        key, plain = service_auth.create_key("intake", "revoked elsewhere")
    assert client.get("/api/v1/payers", headers={"X-API-Key": plain}).status_code == 200

    with app.app_context():  # what `python -m service keys revoke` writes from its own process
        db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(revoked_at=utcnow()))
        db.session.commit()
    time.sleep(0.6)

    assert client.get("/api/v1/payers", headers={"X-API-Key": plain}).status_code == 401
