"""flask-smorest's Api and Blueprint, answering errors and bad bodies in the contract's shape; Swagger UI's
files, served from the installed package so the docs page loads nothing from another site."""

from pathlib import Path

import flask
import flask_smorest
import flask_swagger_ui
from flask import request
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException

from schemas.errors import ErrorSchema
from service import body_memo, json_body
from service.errors import error_response, fields_of


class JsonObjectParser(FlaskParser):
    """A body must be a JSON object sent as JSON: anything else is a 400, before any field is checked.

    A route's schema marked `memoize` (see `Blueprint.arguments`) is run less: as a JSON body, each
    distinct body is validated once (the same bytes again get the same `Validated` result); in the
    query string or the headers, a request that sends none of its fields (the usual case: no `?wait=`,
    no Idempotency-Key) gets the defaults loaded by the first such request.
    """

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        location = location or self.location
        if not getattr(argmap, "memoized", False):
            return super().parse(argmap, req, location=location, **kwargs)
        req = req or self.get_default_request()
        if location in ("query", "headers"):
            return self._defaults_unless_sent(argmap, req, location, **kwargs)
        if location != "json":
            return super().parse(argmap, req, location=location, **kwargs)
        key = body_memo.key(argmap, req.get_data(cache=True))
        if (validated := body_memo.memo().get(key)) is None:
            validated = body_memo.Validated(super().parse(argmap, req, location=location, **kwargs))
            body_memo.memo().put(key, validated)
        return validated

    def _defaults_unless_sent(self, schema, req, location, **kwargs) -> dict:
        sent = bool(req.query_string) if location == "query" else any(
            (field.data_key or name) in req.headers for name, field in schema.load_fields.items())
        if sent:
            return super().parse(schema, req, location=location, **kwargs)
        if (defaults := getattr(schema, "loaded_when_absent", None)) is None:
            defaults = schema.loaded_when_absent = super().parse(schema, req, location=location, **kwargs)
        return dict(defaults)

    def load_json(self, req, schema):
        if not is_json_request(req):
            abort(400, message="Send the body as JSON with Content-Type: application/json.",
                  fields={"body": ["Expected application/json."]})
        data = json_body.loads(req.get_data(cache=True))
        if not isinstance(data, dict):
            abort(400, message="The body must be a JSON object.", fields={"body": ["Expected a JSON object."]})
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = JsonObjectParser()

    def arguments(self, schema, *args, memoize=False, **kwargs):
        """As flask-smorest's; `memoize=True` on a JSON body whose loaded form is only read, or on query or header
        parameters whose defaults do not change (JsonObjectParser)."""
        # One instance per route, made once: given a class, webargs builds an instance (and every nested
        # schema in it) on each request, which was a fifth of a cached POST's time.
        schema = schema() if isinstance(schema, type) else schema
        if memoize:
            schema.memoized = True
        return super().arguments(schema, *args, **kwargs)


class ServiceApi(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        fields = data.get("fields")
        if fields is None and "messages" in data:
            fields = fields_of(data)
        if error.code == 413 and fields is None:
            limit = request.max_content_length
            data = {"message": f"The body is larger than the {limit:,} bytes this endpoint accepts." if limit else None}
            fields = {"body": [f"At most {limit} bytes." if limit else "Too large."]}
        if error.code == 422:
            message = data.get("message") or "Some fields are not valid: " + ", ".join(sorted(fields or {})) + "."
        else:
            message = data.get("message") or error.description
        return error_response(error.code, message, fields, headers=data.get("headers"))


# Swagger UI's built files as the flask-swagger-ui package ships them (a release of Swagger UI 5, which
# renders OpenAPI 3.1); flask-smorest's docs page loads them from OPENAPI_SWAGGER_UI_URL, this route's path.
SWAGGER_UI_ASSETS = "/api/v1/docs/assets"
swagger_ui_assets = flask.Blueprint(
    "swagger_ui_assets", __name__, static_folder=Path(flask_swagger_ui.__file__).parent / "dist",
    static_url_path=SWAGGER_UI_ASSETS,
)
