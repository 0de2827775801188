"""Payers, health, readiness and the OpenAPI document."""

import json
import re

import requests

from schemas.payers import PayerDirectorySchema
from tests.conftest import another_app


def test_payers_lists_every_program_with_its_rule_version(client, auth):
    response = client.get("/api/v1/payers", headers=auth())

    assert response.status_code == 200
    assert PayerDirectorySchema().validate(response.json) == {}
    programs = {item["program"]: item for item in response.json["items"]}
    # CONTRACT.md: va_ccn | tricare | commercial | medicare | medicare_advantage | medicaid | champva | self_pay
    assert list(programs) == ["va_ccn", "tricare", "commercial", "medicare", "medicare_advantage", "medicaid", "champva", "self_pay"]
    assert all(item["rule_version"] for item in programs.values())
    names = {carrier["name"] for carrier in programs["commercial"]["carriers"]}
    assert {"Aetna", "Cigna", "UnitedHealthcare", "Kaiser Permanente", "Health Net"} <= names
    aliases = {program: {alias for carrier in item["carriers"] for alias in carrier["aliases"]} | set(item.get("aliases", ()))
               for program, item in programs.items()}
    assert {"Medicare", "Medicare Part B"} <= aliases["medicare"]
    assert {"UnitedHealthcare Medicare Advantage", "Humana Gold Plus"} <= aliases["medicare_advantage"]
    assert {"Aetna Better Health", "Anthem Blue Cross Medi-Cal", "Blue Shield Promise", "Health Net Medi-Cal", "L.A. Care",
            "UnitedHealthcare Community Plan", "Medi-Cal"} <= aliases["medicaid"]
    assert {"CHAMPVA", "Veterans Affairs"} <= aliases["champva"] and "Veterans Affairs" in aliases["va_ccn"]


def test_healthz_answers_without_a_key(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_is_ready_with_a_worker(client, celery_worker):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json["checks"] == {"database": True, "redis": True, "broker": True, "workers": True}


def test_readyz_is_503_when_no_worker_listens(app):
    with another_app(app, REDIS_KEY_PREFIX=app.config["REDIS_KEY_PREFIX"] + "lonely:") as lonely:
        response = lonely.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json["checks"]["workers"] is False
    assert response.headers["Retry-After"]


def test_openapi_document_covers_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json

    paths = spec["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/verifications"])
    for path in ("/api/v1/verifications/{verification_id}", "/api/v1/denial-reasons", "/api/v1/payers", "/readyz"):
        assert "get" in paths[path], path
    request_schema = spec["components"]["schemas"]["VerificationRequest"]
    assert {"patient", "coverage", "services"} <= set(request_schema["required"])
    assert paths["/api/v1/verifications"]["post"]["security"]
    assert "422" in paths["/api/v1/verifications"]["post"]["responses"]


def test_swagger_ui_page_is_served_with_its_files_from_this_site(live_server):
    response = requests.get(f"{live_server}/api/v1/docs", timeout=10)

    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', response.text)
    assert sources and all(source.startswith("/api/v1/docs/assets/") for source in sources), sources
    for source in sources:
        asset = requests.get(live_server + source, timeout=10)
        assert asset.status_code == 200 and len(asset.content) > 1000, source


def test_every_reference_in_the_openapi_document_resolves(client):
    spec = client.get("/api/v1/openapi.json").json

    references = set(re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(spec)))

    assert references
    for reference in references:
        node = spec
        for part in reference.split("/"):
            assert part in node, f"#/{reference} points at nothing"
            node = node[part]
