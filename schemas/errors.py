"""The one error shape every API answer uses, and where an error happened (for logs, never values)."""

import traceback

from marshmallow import Schema, fields


def where(error: BaseException) -> str:
    """The innermost frames of a traceback, as file:line in function, without any values (they may be PHI)."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " < ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}" for frame in reversed(frames))


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
