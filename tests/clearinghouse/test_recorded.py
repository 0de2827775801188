"""Each adapter against its recorded exchange (recorded/README.md): it sends the request the vendor
documents and reads the answer the vendor sends back."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import defusedxml.ElementTree
import pytest

from workers.clearinghouse import adapter_from_env

RECORDED = Path(__file__).parent / "recorded"
STEDI_PATH = "/2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12"
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"


@pytest.fixture
def replay():
    """A loopback server answering every POST with one recorded response; what it received is kept."""
    received = {}

    def serve(status: int, content_type: str, body: bytes):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.update(method="POST", path=self.path, headers=dict(self.headers),
                                body=self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", received

    servers = []
    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def core_fields(xml: bytes) -> dict[str, str]:
    root = defusedxml.ElementTree.fromstring(xml)
    request = next(element for element in root.iter() if _local(element.tag).startswith("COREEnvelopeRealTime"))
    return {_local(child.tag): (child.text or "") for child in request}


def test_stedi_sends_the_documented_request_and_reads_the_recorded_answer(replay):
    recorded_request = json.loads((RECORDED / "stedi-raw-x12.request.json").read_text())
    recorded_response = (RECORDED / "stedi-raw-x12.response.json").read_bytes()
    base, received = replay(200, "application/json", recorded_response)
    adapter = adapter_from_env({"BV_CLEARINGHOUSE": "stedi", "BV_CLEARINGHOUSE_URL": base + STEDI_PATH,
                                "BV_CLEARINGHOUSE_API_KEY": "REDACTED-API-KEY"})

    answer = adapter.send(recorded_request["x12"], timeout=5, payload_id="ours-not-stedis")

    assert (received["method"], received["path"]) == ("POST", STEDI_PATH)
    assert received["headers"]["Authorization"] == "REDACTED-API-KEY"
    assert received["headers"]["Content-Type"] == "application/json"
    assert json.loads(received["body"]) == recorded_request
    assert answer.x12 == json.loads(recorded_response)["x12"]
    assert (answer.interchange_control, answer.transaction_control) == ("605043497", "605043497")
    assert answer.payload_id == "01J2VZA127GH93JT74HJUEXAMP", "Stedi's traceId names the request at Stedi"


def test_core_sends_the_documented_envelope_and_reads_the_recorded_answer(replay):
    recorded_request = (RECORDED / "core-soap.request.xml").read_bytes()
    recorded_response = (RECORDED / "core-soap.response.xml").read_bytes()
    base, received = replay(200, "application/soap+xml; charset=utf-8", recorded_response)
    expected = core_fields(recorded_request)
    adapter = adapter_from_env({"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": base + "/2025-06-01/protocols/caqh-core",
                                "BV_CLEARINGHOUSE_USERNAME": "1111-33333-55555", "BV_CLEARINGHOUSE_PASSWORD": "REDACTED-API-KEY",
                                "BV_CLEARINGHOUSE_SENDER_ID": "BVCLINIC", "BV_CLEARINGHOUSE_RECEIVER_ID": "STEDI"})

    answer = adapter.send(expected["Payload"], timeout=5, payload_id=expected["PayloadID"])

    assert (received["method"], received["path"]) == ("POST", "/2025-06-01/protocols/caqh-core")
    assert received["headers"]["Content-Type"].startswith("application/soap+xml")
    sent = core_fields(received["body"])
    assert list(sent) == list(expected), "the CORE fields, in the schema's order"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sent.pop("TimeStamp"))
    expected.pop("TimeStamp")
    assert sent == expected
    root = defusedxml.ElementTree.fromstring(received["body"])
    assert _local(root.tag) == "Envelope" and root.tag.startswith("{http://www.w3.org/2003/05/soap-envelope}")
    token = next(root.iter(f"{WSSE}UsernameToken"))
    assert token.findtext(f"{WSSE}Username") == "1111-33333-55555"
    assert token.find(f"{WSSE}Password").get("Type").endswith("#PasswordText")
    assert b"<![CDATA[ISA*" in received["body"], "the 270 travels as CDATA"
    assert answer.x12 == core_fields(recorded_response)["Payload"].strip()
    assert (answer.interchange_control, answer.transaction_control, answer.payload_id) == (
        "605043497", "605043497", expected["PayloadID"])
