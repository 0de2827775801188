"""CORE's other authentication: an X.509 client certificate on the TLS connection. Without the
certificate the clearinghouse never takes the request, so the send is `not_sent` (safe to retry)."""

import ssl
import threading
import uuid

import pytest
import trustme
from werkzeug.serving import make_server

from service.clearinghouse_fake import CORE_PATH, create_app
from tests.clearinghouse.conftest import inquiry_270
from workers.clearinghouse import Failure, adapter_from_env


@pytest.fixture
def mutual_tls(tmp_path, monkeypatch):
    """The fake on https://127.0.0.1 asking every client for a certificate from its CA; the client's files."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    context.verify_mode = ssl.CERT_REQUIRED
    authority.configure_trust(context)
    server = make_server("127.0.0.1", 0, create_app(), threaded=True, ssl_context=context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = authority.issue_cert("bv-clinic.test")
    client.cert_chain_pems[0].write_to_path(str(tmp_path / "client.pem"))
    client.private_key_pem.write_to_path(str(tmp_path / "client.key"))
    with authority.cert_pem.tempfile() as ca_file:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)  # requests trusts the throwaway CA as it would a bundle
        yield f"https://127.0.0.1:{server.server_port}{CORE_PATH}", tmp_path
    server.shutdown()
    server.server_close()


def core_environ(url, **more):
    return {"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": url, "BV_CLEARINGHOUSE_SENDER_ID": "BVCLINIC",
            "BV_CLEARINGHOUSE_RECEIVER_ID": "FAKECH", **more}


def test_the_client_certificate_opens_the_connection(mutual_tls):
    url, files = mutual_tls
    # The fake also checks a UsernameToken; a clearinghouse taking certificates alone would not need it.
    adapter = adapter_from_env(core_environ(url, BV_CLEARINGHOUSE_CERT=str(files / "client.pem"),
                                            BV_CLEARINGHOUSE_KEY=str(files / "client.key"),
                                            BV_CLEARINGHOUSE_USERNAME="fake-clinic", BV_CLEARINGHOUSE_PASSWORD="fake-password"))

    answer = adapter.send(inquiry_270("W123456789"), timeout=5, payload_id=str(uuid.uuid4()))

    assert "NM1*IL*1*RIVERA*ANA****MI*W123456789~" in answer.x12.splitlines()


def test_without_the_certificate_the_request_is_not_sent(mutual_tls):
    url, _ = mutual_tls
    adapter = adapter_from_env(core_environ(url, BV_CLEARINGHOUSE_USERNAME="fake-clinic",
                                            BV_CLEARINGHOUSE_PASSWORD="fake-password"))

    with pytest.raises(Failure) as raised:
        adapter.send(inquiry_270("W123456789"), timeout=5, payload_id=str(uuid.uuid4()))

    assert (raised.value.kind, raised.value.sent) == ("not_sent", False)
