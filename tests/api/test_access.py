"""Who may call what, for every route in the app's URL map: a route without a rule fails here.

The table is the URL map itself, so routes added later (pages, batches, webhooks) are checked
as soon as they exist: each must either be public (listed below) or name the role it needs.
"""

import uuid

import pytest
from werkzeug.routing import UUIDConverter

from service import auth as service_auth

# Open to anyone: load balancers' checks, the API's own description (and Swagger UI's files), and signing in and out.
PUBLIC = {
    "health.healthz", "health.readyz", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "static",
    "swagger_ui_assets.static",
    "signin.home", "signin.sign_in", "signin.sign_out",
}
CALLERS = (None, *service_auth.ROLES)


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule) -> str:
    values = {
        name: str(uuid.uuid4()) if isinstance(converter, UUIDConverter) else "1"
        for name, converter in rule._converters.items()
    }
    return rule.build(values, append_unknown=False)[1]


def call(client, method, url, headers):
    return client.open(url, method=method, headers=headers, json={} if method in ("POST", "PUT", "PATCH") else None)


def test_every_route_is_public_or_names_the_role_it_needs(app):
    unruled = [
        f"{method} {rule.rule}"
        for rule, method in routes(app)
        if rule.endpoint not in PUBLIC
        and getattr(app.view_functions[rule.endpoint], "required_role", None) not in service_auth.ROLES
    ]

    assert unruled == [], "add @requires(role) to these views, or list them in PUBLIC"


def test_each_caller_gets_exactly_what_its_role_allows(app, client, keys, signed_in):
    """401 without a key, 403 below the route's role, and through to the view at or above it.

    API routes are called with each role's key; the console's pages as each role's signed-in staff user.
    """
    staff_clients = {role: signed_in(role) for role in service_auth.ROLES}
    wrong = []
    for rule, method in routes(app):
        url = url_for_rule(rule)
        needed = getattr(app.view_functions[rule.endpoint], "required_role", None)
        page = not rule.rule.startswith("/api/")
        for caller in CALLERS:
            if page and caller:
                response = call(staff_clients[caller], method, url, {})
            else:
                response = call(client, method, url, {"X-API-Key": keys[caller]} if caller else {})
            status = response.status_code
            if rule.endpoint in PUBLIC or (caller and service_auth.has_role(caller, needed)):
                # Through the auth layer: the view may still answer 401 itself (a failed sign-in),
                # but not with the auth layer's demand for a key.
                expected = "through"
                ok = status != 403 and not (status == 401 and "WWW-Authenticate" in response.headers)
            elif caller is None:
                # A page may send the browser to sign in instead.
                expected = "401"
                ok = status == 401 or (not rule.rule.startswith("/api/") and 300 <= status < 400)
            else:
                expected = "403"
                ok = status == 403
            if not ok:
                wrong.append(f"{method} {rule.rule} as {caller or 'nobody'}: {status}, expected {expected}")

    assert wrong == []


@pytest.mark.parametrize("presented", ["Bearer bvk_000000000000_nope", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_bad_authorization_header_is_a_401_on_every_api_route(app, client, presented):
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC or not rule.rule.startswith("/api/"):
            continue
        response = call(client, method, url_for_rule(rule), {"Authorization": presented})
        assert response.status_code == 401, f"{method} {rule.rule}"


def test_key_check_compares_digests_in_constant_time_even_for_an_unknown_prefix(app, monkeypatch):
    compared = []
    real = service_auth.hmac.compare_digest
    monkeypatch.setattr(service_auth.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))

    with app.app_context():
        assert service_auth.find_key("bvk_ffffffffffff_not-a-key") is None

    assert len(compared) == 1, "an unknown prefix still costs one full comparison"
