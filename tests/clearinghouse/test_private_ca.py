"""A clearinghouse whose TLS certificate comes from a private CA: trusted through BV_CLEARINGHOUSE_CA, for
the clearinghouse alone (webhooks and everything else keep the system's CAs)."""

import ssl
import threading
import uuid

import pytest
import trustme
from werkzeug.serving import make_server

from service.clearinghouse_fake import create_app
from tests.clearinghouse.conftest import inquiry_270, wire_environ
from workers.clearinghouse import Failure, adapter_from_env, settings_from_env


@pytest.fixture(scope="module")
def private_tls(tmp_path_factory):
    """The fake on https://127.0.0.1 with a certificate from a CA no system trusts; that CA's PEM file."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server = make_server("127.0.0.1", 0, create_app(), threaded=True, ssl_context=context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ca_file = tmp_path_factory.mktemp("ca") / "clearinghouse-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    yield f"https://127.0.0.1:{server.server_port}", str(ca_file)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("wire", ["stedi", "core"])
def test_the_clearinghouses_own_ca_is_trusted_when_named(private_tls, wire, monkeypatch):
    url, ca_file = private_tls
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    adapter = adapter_from_env(wire_environ(wire, url, BV_CLEARINGHOUSE_CA=ca_file))

    answer = adapter.send(inquiry_270("W123456789"), timeout=5, payload_id=str(uuid.uuid4()))

    assert "NM1*IL*1*RIVERA*ANA****MI*W123456789~" in answer.x12.splitlines()


def test_without_it_the_handshake_fails_and_nothing_was_sent(private_tls, monkeypatch):
    url, _ = private_tls
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    adapter = adapter_from_env(wire_environ("core", url))

    with pytest.raises(Failure) as raised:
        adapter.send(inquiry_270("W123456789"), timeout=5, payload_id=str(uuid.uuid4()))

    assert (raised.value.kind, raised.value.sent) == ("not_sent", False)
    assert "TLS" in raised.value.detail


def test_a_ca_file_that_is_not_there_is_named_and_nothing_is_sent(private_tls, tmp_path):
    url, _ = private_tls
    environ = wire_environ("core", url, BV_CLEARINGHOUSE_CA=str(tmp_path / "missing.pem"))
    # The API's host need not hold the file: only the worker that sends reads it.
    assert settings_from_env(environ).kind == "core"

    with pytest.raises(Failure) as raised:
        adapter_from_env(environ).send(inquiry_270("W123456789"), timeout=5, payload_id=str(uuid.uuid4()))

    assert (raised.value.kind, raised.value.sent) == ("not_sent", False)
    assert "BV_CLEARINGHOUSE_CA" in raised.value.detail
