"""PostgreSQL goes away and comes back: a clear 503 (with Retry-After, no stack trace) from /readyz
and the API while it is away, and answers again once it is back, without restarting anything."""

import secrets
import time

import pytest
from flask_migrate import upgrade

from service.auth import create_key
from tests.conftest import another_app
from tests.faults.private_services import private_postgres, wait_until
from tests.requests import body

# The database here is a private PostgreSQL cluster, whichever backend the rest of the run uses.
pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

LEAKS = ("Traceback", "psycopg", "sqlalchemy", "OperationalError", "SELECT", "127.0.0.1")


def test_database_outage_is_a_clear_503_and_recovers_without_a_restart(app, record_property):
    with private_postgres() as postgres, another_app(
        app, SQLALCHEMY_DATABASE_URI=postgres.url.replace("postgresql://", "postgresql+psycopg://"),
        REDIS_KEY_PREFIX=f"bvfault{secrets.token_hex(3)}:",
    ) as db_app:
        with db_app.app_context():
            upgrade()
            key = create_key("billing", "outage test")[1]
        client = db_app.test_client()
        headers = {"X-API-Key": key}
        created = client.post("/api/v1/verifications", json=body(), headers=headers)
        assert created.status_code == 202

        postgres.stop()
        during = {
            "readyz": client.get("/readyz"),
            "read": client.get(created.json["links"]["self"], headers=headers),
            "create": client.post("/api/v1/verifications", json=body(), headers=headers),
            "search": client.get("/api/v1/verifications", headers=headers),
        }
        healthz = client.get("/healthz")

        postgres.start()
        back_at = time.monotonic()
        wait_until(lambda: client.get(created.json["links"]["self"], headers=headers).status_code == 200, 30,
                   "the API answering again")
        recovered = time.monotonic() - back_at
        ready_again = client.get("/readyz").json["checks"]["database"]
        # Each group-commit lane's connection died with the server: at most one write per lane fails on it.
        creates_after = [client.post("/api/v1/verifications", json=body(), headers=headers).status_code
                         for _ in range(db_app.config["GROUP_COMMIT_LANES"] + 1)]

    assert {name: answer.status_code for name, answer in during.items()} == dict.fromkeys(during, 503)
    assert during["readyz"].json["checks"]["database"] is False
    for name, answer in during.items():
        assert answer.headers["Retry-After"], name
        text = answer.get_data(as_text=True)
        assert not [leak for leak in LEAKS if leak in text], (name, text)
        if name != "readyz":
            assert answer.json["error"]["code"] == "unavailable"
            assert "database" in answer.json["error"]["message"]
    assert healthz.status_code == 200, "the process itself is fine"
    assert ready_again is True
    assert creates_after[-1] == 202 and set(creates_after) <= {202, 503}, creates_after
    record_property("database_recovery_seconds", round(recovered, 2))
    print(f"\nAPI answering again {recovered:.2f} s after PostgreSQL came back")
