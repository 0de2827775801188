"""Which clearinghouse, with what credentials, and each payer's terms: read from the environment and
the policy files, with a message naming the variable when something is missing."""

import pytest

from service.launcher import fake_clearinghouse
from workers.clearinghouse import DEFAULT_TIMEOUT_SECONDS, adapter_from_env, settings_from_env, terms_for, timeout_for
from workers.rules import policy


def test_no_clearinghouse_configured_means_no_adapter():
    assert adapter_from_env({}) is None
    assert adapter_from_env({"BV_CLEARINGHOUSE": ""}) is None


def test_stedi_defaults_to_stedis_raw_x12_endpoint():
    adapter = adapter_from_env({"BV_CLEARINGHOUSE": "stedi", "BV_CLEARINGHOUSE_API_KEY": "sk-test-123456"})

    assert adapter.name == "stedi"
    assert adapter.url == "https://healthcare.us.stedi.com/2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12"


@pytest.mark.parametrize(("environ", "named"), [
    ({"BV_CLEARINGHOUSE": "availity"}, "BV_CLEARINGHOUSE must be"),
    ({"BV_CLEARINGHOUSE": "stedi"}, "BV_CLEARINGHOUSE_API_KEY"),
    ({"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_USERNAME": "u", "BV_CLEARINGHOUSE_PASSWORD": "p"}, "BV_CLEARINGHOUSE_URL"),
    ({"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": "https://ch.example/core"}, "BV_CLEARINGHOUSE_USERNAME"),
    ({"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": "https://ch.example/core", "BV_CLEARINGHOUSE_USERNAME": "u",
      "BV_CLEARINGHOUSE_PASSWORD": "p"}, "BV_CLEARINGHOUSE_SENDER_ID"),
    ({"BV_CLEARINGHOUSE": "fake"}, "BV_CLEARINGHOUSE_URL"),
])
def test_incomplete_settings_name_the_variable(environ, named):
    with pytest.raises(ValueError, match=named):
        settings_from_env(environ)


def test_a_client_certificate_stands_in_for_a_password_on_core():
    adapter = adapter_from_env({"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": "https://ch.example/core",
                                "BV_CLEARINGHOUSE_CERT": "/etc/bv/client.pem", "BV_CLEARINGHOUSE_KEY": "/etc/bv/client.key",
                                "BV_CLEARINGHOUSE_SENDER_ID": "S", "BV_CLEARINGHOUSE_RECEIVER_ID": "R"})

    assert adapter.name == "core"
    assert adapter._cert == ("/etc/bv/client.pem", "/etc/bv/client.key")


def test_settings_and_adapters_print_no_secret():
    environ = {"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": "https://ch.example/core", "BV_CLEARINGHOUSE_USERNAME": "clinic",
               "BV_CLEARINGHOUSE_PASSWORD": "Pa55-word-4417", "BV_CLEARINGHOUSE_API_KEY": "sk-live-4417",
               "BV_CLEARINGHOUSE_SENDER_ID": "S", "BV_CLEARINGHOUSE_RECEIVER_ID": "R"}

    shown = repr(settings_from_env(environ)) + repr(adapter_from_env(environ)) + str(vars(adapter_from_env(environ)).keys())

    assert "Pa55-word-4417" not in shown and "sk-live-4417" not in shown


def test_the_apps_config_prints_no_clearinghouse_secret():
    from service.config import from_environment

    config = from_environment({"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_PASSWORD": "Pa55-word-4417",
                               "BV_CLEARINGHOUSE_API_KEY": "sk-live-4417"})

    shown = repr(config) + str(config) + repr(config["CLEARINGHOUSE"])
    assert "Pa55-word-4417" not in shown and "sk-live-4417" not in shown
    assert "BV_CLEARINGHOUSE_PASSWORD" in repr(config["CLEARINGHOUSE"])  # which are set, for whoever debugs
    assert config["CLEARINGHOUSE"]["BV_CLEARINGHOUSE_PASSWORD"] == "Pa55-word-4417"  # still there to use


def test_a_policy_without_its_own_table_gets_the_defaults():
    assert timeout_for("medicare_part_b") == DEFAULT_TIMEOUT_SECONDS == 20.0
    assert terms_for(None).service_types == ()


def test_a_payers_own_clearinghouse_table_wins(monkeypatch):
    aetna = policy.COMMERCIAL["aetna"]
    monkeypatch.setitem(aetna.data, "clearinghouse", {"service_types": ["30", "MH"], "timeout_seconds": 45})

    assert terms_for("commercial_aetna").timeout_seconds == 45.0
    assert terms_for("commercial_aetna").service_types == ("30", "MH")
    assert timeout_for("commercial_cigna") == 20.0, "another payer keeps the defaults"


def test_make_run_starts_the_fake_only_when_asked_and_no_url_is_set():
    assert fake_clearinghouse({}) is None
    assert fake_clearinghouse({"BV_CLEARINGHOUSE": "fake", "BV_CLEARINGHOUSE_URL": "http://127.0.0.1:9"}) is None
    url, command = fake_clearinghouse({"BV_CLEARINGHOUSE": "fake"})

    assert url.startswith("http://127.0.0.1:")
    assert command.endswith(f"-m service.clearinghouse_fake --host 127.0.0.1 --port {url.rsplit(':', 1)[1]}")


def test_the_service_itself_serves_none_of_the_fakes_paths(tmp_path):
    from service import create_app
    from service.clearinghouse_fake import CORE_PATH, STEDI_PATH

    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "test",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bv.sqlite3'}"})

    assert {CORE_PATH, STEDI_PATH}.isdisjoint(rule.rule for rule in app.url_map.iter_rules())
