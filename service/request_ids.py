"""A request id for every request: on its response (`X-Request-ID`), on every log line it causes, and
carried to the Celery tasks it sends (workers/request_ids.py), so one id follows a check from the POST
to the worker.

A caller's own id is kept when it is well formed (a load balancer's or the clinic's system's);
otherwise one is made. Ids are opaque and never hold request data.
"""

import re
import uuid
from contextvars import ContextVar

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
# Letters, digits and . _ : - only (nothing a log line could be forged with), 8 to 128 of them.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

# The id of the request (or task) this thread is working for; None outside one.
current: ContextVar[str | None] = ContextVar("request_id", default=None)


def well_formed(value) -> bool:
    return isinstance(value, str) and WELL_FORMED.fullmatch(value) is not None


def init_app(app: Flask) -> None:
    """Registered before any other hook, so every response (a refusal too) and log line has the id."""
    app.before_request(_begin)
    app.after_request(_answer)
    app.teardown_request(_end)


def _begin() -> None:
    offered = request.headers.get(HEADER)
    g.request_id = offered if well_formed(offered) else uuid.uuid4().hex
    current.set(g.request_id)


def _answer(response: Response) -> Response:
    response.headers[HEADER] = g.get("request_id") or uuid.uuid4().hex
    return response


def _end(error=None) -> None:
    current.set(None)
