"""The fake clearinghouse served over real HTTP on loopback, and 270s written by the project's own writer."""

import socket
import threading
from datetime import date, datetime

import pytest
from werkzeug.serving import make_server

from service.clearinghouse_fake import CORE_PATH, STEDI_PATH, create_app
from workers.clearinghouse import adapter_from_env
from workers.x12.inquiry import Inquiry, Person, write_270

SLOW_SECONDS = 1.5
HANG_SECONDS = 6.0


def inquiry_270(member_id: str, *, last_name: str = "Rivera", first_name: str = "Ana", born: date = date(1980, 2, 3),
                reference: str = "4F2A9C01D3B54E6F8A7B", control_number: int = 4711) -> str:
    return write_270(Inquiry(
        control_number=control_number, created=datetime(2026, 1, 5, 10, 0), reference=reference,
        submitter_id="1234567893", receiver_id="60054", usage="T", payer_name="Aetna", payer_id="60054",
        provider_name="Calm Harbor Clinic", provider_npi="1234567893", provider_tin=None, provider_taxonomy="2084P0800X",
        subscriber=Person(last_name, first_name, born, member_id), dependent=None, group_number=None,
        date_of_service=date(2026, 1, 12), service_types=("30", "A4", "MH", "CF"),
    ))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fake_url():
    server = make_server("127.0.0.1", 0, create_app(slow_seconds=SLOW_SECONDS, hang_seconds=HANG_SECONDS), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def wire_environ(wire: str, base_url: str, **overrides) -> dict[str, str]:
    """The environment `make run` would give the service for this wire against the fake."""
    if wire == "stedi":
        environ = {"BV_CLEARINGHOUSE": "stedi", "BV_CLEARINGHOUSE_URL": base_url + STEDI_PATH,
                   "BV_CLEARINGHOUSE_API_KEY": "fake-api-key"}
    else:
        environ = {"BV_CLEARINGHOUSE": "core", "BV_CLEARINGHOUSE_URL": base_url + CORE_PATH,
                   "BV_CLEARINGHOUSE_USERNAME": "fake-clinic", "BV_CLEARINGHOUSE_PASSWORD": "fake-password",
                   "BV_CLEARINGHOUSE_SENDER_ID": "BVCLINIC", "BV_CLEARINGHOUSE_RECEIVER_ID": "FAKECH"}
    environ.update(overrides)
    return environ


@pytest.fixture(params=["stedi", "core"])
def wire(request):
    return request.param


@pytest.fixture
def adapter(wire, fake_url):
    return adapter_from_env(wire_environ(wire, fake_url))
