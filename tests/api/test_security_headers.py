"""Every response carries the security headers; nothing under /api or any HTML page may be cached."""

import re

import pytest

from service.security_headers import STRICT_POLICY
from tests.requests import body

FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@pytest.mark.parametrize(
    "method, path, role",
    [
        ("get", "/api/v1/payers", "intake"),
        ("get", "/api/v1/verifications/00000000-0000-4000-8000-000000000000", "intake"),
        ("get", "/api/v1/verifications", None),
        ("get", "/api/v1/verifications", "intake"),
        ("get", "/api/v1/denial-reasons", "billing"),
        ("post", "/api/v1/verifications", "intake"),
        ("get", "/api/v1/openapi.json", None),
        ("get", "/api/v1/no-such-thing", None),
    ],
)
def test_api_answers_carry_the_headers_and_are_never_stored(client, auth, method, path, role):
    response = getattr(client, method)(path, headers=auth(role) if role else {}, json={} if method == "post" else None)

    for name, value in FIXED.items():
        assert response.headers[name] == value, name
    assert response.headers["Content-Security-Policy"] == STRICT_POLICY
    assert response.headers["Cache-Control"] == "no-store"


def test_a_finished_verification_is_not_cacheable(client, auth, celery_worker):
    created = client.post("/api/v1/verifications?wait=10", json=body(), headers=auth())
    read = client.get(created.json["links"]["self"], headers=auth())

    assert created.headers["Cache-Control"] == read.headers["Cache-Control"] == "no-store"


def test_health_checks_carry_the_headers(client):
    response = client.get("/healthz")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == STRICT_POLICY


def test_docs_page_allows_only_its_own_inline_script_and_its_own_origin(client, app):
    response = client.get("/api/v1/docs")
    policy = response.headers["Content-Security-Policy"]

    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert "'unsafe-inline'" not in script_src
    assert len([source for source in script_src if source.startswith("'sha256-")]) == 1
    assert [source for source in script_src if not source.startswith("'sha256-")] == ["'self'"], "no other site"
    assert "frame-ancestors 'none'" in policy
