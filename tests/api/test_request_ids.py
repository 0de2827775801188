"""Every response carries an X-Request-ID, and the API's log lines carry the same id (as text, or JSON)."""

import io
import json
import logging

import pytest

from service import logs
from service.verification import document
from tests.requests import body


@pytest.fixture
def log_lines(app):
    """What the service's logger writes through a handler set up as `logs.configure` sets up its own."""

    def capture(log_format):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logs.formatter(log_format))
        handler.addFilter(logs.RequestId())
        app.logger.addHandler(handler)
        captured.append(handler)
        return stream

    captured = []
    yield capture
    for handler in captured:
        app.logger.removeHandler(handler)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_log_line_carries_the_id_of_the_request_that_caused_it(client, auth, log_lines, monkeypatch, log_format):
    stream = log_lines(log_format)
    monkeypatch.setattr(document, "document", lambda verification: 1 / 0)

    answer = client.post("/api/v1/verifications", json=body(), headers={**auth(), "X-Request-ID": "intake-desk-000123"})

    assert answer.status_code == 500 and answer.headers["X-Request-ID"] == "intake-desk-000123"
    (line,) = [line for line in stream.getvalue().splitlines() if "ZeroDivisionError" in line]
    if log_format == "json":
        assert json.loads(line)["request_id"] == "intake-desk-000123"
        assert {"time", "level", "logger", "message"} <= json.loads(line).keys()
    else:
        assert "[intake-desk-000123]" in line


def test_each_request_gets_its_own_id_when_it_brings_none(client):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_bad_log_format_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="BV_LOG_FORMAT"):
        logs.formatter("xml")
