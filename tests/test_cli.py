"""`python -m service keys …`: a key printed once as the last line, listed, revoked."""

import pytest

from service.cli import keys


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_keys_create_prints_the_key_last_and_it_works(runner, client):
    result = runner.invoke(keys, ["create", "--role", "billing", "--label", "billing desk"])

    assert result.exit_code == 0
    plain = result.output.strip().splitlines()[-1]
    assert plain.startswith("bvk_")
    assert client.get("/api/v1/denial-reasons", headers={"X-API-Key": plain}).status_code == 200


def test_keys_list_shows_labels_but_never_a_key(runner):
    plain = runner.invoke(keys, ["create", "--role", "intake", "--label", "front desk"]).output.strip().splitlines()[-1]

    listed = runner.invoke(keys, ["list"]).output

    assert "front desk" in listed
    assert plain not in listed


def test_keys_revoke_stops_the_key(runner, client):
    created = runner.invoke(keys, ["create", "--role", "intake"]).output.strip().splitlines()
    plain, prefix = created[-1], created[-1].split("_")[1]

    result = runner.invoke(keys, ["revoke", prefix])

    assert result.exit_code == 0
    assert client.get("/api/v1/payers", headers={"X-API-Key": plain}).status_code == 401


def test_unknown_role_is_refused(runner):
    result = runner.invoke(keys, ["create", "--role", "superuser"])

    assert result.exit_code != 0
    assert "superuser" in result.output


def test_keys_create_prints_the_webhook_secret_that_keys_webhook_secret_shows_again(runner):
    lines = runner.invoke(keys, ["create", "--role", "intake"]).output.strip().splitlines()
    prefix = lines[-1].split("_")[1]

    again = runner.invoke(keys, ["webhook-secret", prefix])

    assert again.exit_code == 0
    assert again.output.strip() == lines[1]
    assert lines[1].startswith("whsec_") and lines[1] not in lines[-1]


def test_users_create_reads_the_password_from_stdin_and_it_signs_in(runner, app):
    from service.cli import users

    result = runner.invoke(users, ["create", "--username", "Front.Desk", "--role", "intake", "--password-stdin"],
                           input="a long enough passphrase\n")

    assert result.exit_code == 0, result.output
    assert "a long enough passphrase" not in result.output
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post("/login", data={"username": "front.desk", "password": "a long enough passphrase", "csrf_token": token})
    assert signed_in.status_code == 302
    listed = runner.invoke(users, ["list"]).output
    assert "front.desk\tintake" in listed and "argon2" not in listed


def test_users_create_refuses_a_short_password_or_a_taken_name(runner):
    from service.cli import users

    short = runner.invoke(users, ["create", "--username", "shorty", "--role", "intake", "--password-stdin"], input="short\n")
    runner.invoke(users, ["create", "--username", "taken", "--role", "billing", "--password-stdin"], input="x" * 20 + "\n")
    taken = runner.invoke(users, ["create", "--username", "TAKEN", "--role", "billing", "--password-stdin"], input="y" * 20 + "\n")

    assert short.exit_code != 0 and "at least 12" in short.output
    assert taken.exit_code != 0 and "already exists" in taken.output


def test_users_disable_stops_sign_in(runner, app):
    from service import staff
    from service.cli import users

    runner.invoke(users, ["create", "--username", "leaver", "--role", "intake", "--password-stdin"], input="z" * 20 + "\n")
    assert runner.invoke(users, ["disable", "leaver"]).exit_code == 0

    with app.app_context():
        assert staff.authenticate("leaver", "z" * 20) is None
