"""The one error shape every API answer uses."""

from marshmallow import Schema, fields


class ErrorDetailSchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "Machine-readable: validation_error, unauthorized, forbidden, not_found, …"},
    )
    message = fields.String(required=True)
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per field, dotted from the body's root (`coverage.member_id`, `services.0.code`)."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)
