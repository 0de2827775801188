"""Turning every failure into the contract's error shape, raised from one place."""

import json
from http import HTTPStatus

import orjson
from flask import Response
from flask_smorest import abort

CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def flatten_messages(messages, prefix="") -> dict[str, list[str]]:
    """marshmallow's nested error dict as dotted paths: {"coverage": {"member_id": [..]}} -> {"coverage.member_id": [..]}."""
    if isinstance(messages, (list, tuple)):
        return {prefix or "body": [str(m) for m in messages]}
    flat = {}
    for key, value in messages.items():
        path = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
        for field, errors in flatten_messages(value, path).items():
            flat.setdefault(field, []).extend(errors)
    return flat


def fields_of(data: dict) -> dict[str, list[str]]:
    """The bad fields webargs found, across body, query string and headers."""
    messages = data.get("messages") or {}
    fields = {}
    for location in ("json", "query", "querystring", "headers", "form", "files"):
        if location in messages:
            fields.update(flatten_messages(messages[location]))
    return fields


def error_response(status: int, message: str, fields=None, headers=None, code=None) -> Response:
    detail = {"code": code or CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_")), "message": message}
    if fields is not None:
        detail["fields"] = fields
    try:
        body = orjson.dumps({"error": detail})
    except TypeError:  # a lone surrogate in a field name the client sent: the json module escapes it
        body = json.dumps({"error": detail}).encode()
    return Response(body, status, headers=headers, mimetype="application/json")


def reject(status: int, message: str, fields=None, **headers):
    """Stop the request with the contract's error shape."""
    abort(status, message=message, fields=fields, headers=headers or None)
