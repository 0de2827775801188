"""Query-string and header parameters of the API."""

from marshmallow import Schema, fields, validate

from schemas.text import NulFreeSchema
from workers.rules.programs import PROGRAMS

DETERMINATIONS = (
    "covered",
    "authorization_required",
    "partially_covered",
    "not_covered",
    "self_pay",
    "needs_review",
)


class CreateQuerySchema(Schema):
    wait = fields.Float(
        load_default=0,
        validate=validate.Range(0, 30),
        metadata={"description": "Seconds to wait for the result before answering 202 (0–30)."},
    )


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(1, 200),
        metadata={"description": "The same key with the same body returns the same verification."},
    )


class PeriodQuerySchema(NulFreeSchema):
    since = fields.Date(load_default=None, metadata={"description": "Created on or after this date (UTC)."})
    until = fields.Date(load_default=None, metadata={"description": "Created on or before this date (UTC)."})
    program = fields.String(load_default=None, validate=validate.OneOf(PROGRAMS))


class VerificationListQuerySchema(PeriodQuerySchema):
    determination = fields.String(load_default=None, validate=validate.OneOf(DETERMINATIONS))
    carc = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Z0-9]{1,5}$", error="A CARC such as 55 or B7."),
    )
    carrier = fields.String(load_default=None, validate=validate.Length(1, 100))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, 100))
    format = fields.String(
        load_default=None,
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "csv: every matching verification as CSV, not paged (so does Accept: text/csv)."},
    )
