"""JSON answers serialised once, with orjson, and never cached by a browser or proxy (they may hold PHI)."""

import orjson
from flask import Response


def json_response(document, status: int = 200, headers=None) -> Response:
    """`document` as JSON (bytes: already serialized)."""
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    response = Response(body, status, headers=headers, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
