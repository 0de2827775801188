"""POST /api/v1/batches (many appointments at once) and GET /api/v1/batches/<id> (progress and results)."""

from marshmallow import Schema, fields, validate

from schemas.callbacks import CallbackUrl
from schemas.queries import DETERMINATIONS
from schemas.verification_result import LinksSchema, VerificationSchema

BATCH_STATUSES = ("queued", "running", "complete")
CSV_HEADER = (
    "first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,"
    "network_status,services,charges,diagnoses,date_of_service,sessions"
)


class BatchCreateQuerySchema(Schema):
    callback_url = CallbackUrl(load_default=None)


class BatchQuerySchema(Schema):
    format = fields.String(
        load_default=None,
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "csv: one line per row, every row (so does Accept: text/csv)."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(
        load_default=100,
        validate=validate.Range(0, 1000),
        metadata={"description": "Items per page, in row order; 0 for the progress alone."},
    )


class BatchLinksSchema(LinksSchema):
    csv = fields.String(required=True, metadata={"example": "/api/v1/batches/3f0c…?format=csv"})


class BatchAcceptedSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(BATCH_STATUSES))
    total = fields.Integer(required=True, metadata={"description": "Rows uploaded, good and bad"})
    rejected = fields.Integer(required=True, metadata={"description": "Bad rows, listed in errors"})
    errors = fields.List(fields.Nested(lambda: BatchErrorSchema()), required=True)
    links = fields.Nested(BatchLinksSchema, required=True)


class BatchErrorSchema(Schema):
    row = fields.Integer(required=True, metadata={"description": "1 is the first appointment (the line after a CSV header)"})
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Per CSV column (or dotted body path for a JSON list), what is wrong"},
    )


class BatchItemSchema(VerificationSchema):
    row = fields.Integer(required=True)


class BatchSchema(BatchAcceptedSchema):
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When the worker finishing the last row closed the batch (and sent its webhook): "
                                 "a moment after done reaches total"},
    )
    done = fields.Integer(required=True, metadata={"description": "Rows with an answer: a result, a failure or a rejection"})
    failed = fields.Integer(required=True, metadata={"description": "Rows the rule modules could not evaluate"})
    by_determination = fields.Dict(
        keys=fields.String(validate=validate.OneOf(DETERMINATIONS)), values=fields.Integer(), required=True
    )
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    items = fields.List(fields.Nested(BatchItemSchema), required=True)


class BatchListQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class UploadedBySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("staff", "api_key")))
    name = fields.String(required=True, metadata={"description": "The staff user's name, or the API key's label"})


class BatchSummarySchema(Schema):
    """A batch in the history: its progress and who uploaded it, no row's data."""

    id = fields.UUID(required=True)
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)
    uploaded_by = fields.Nested(UploadedBySchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(BATCH_STATUSES))
    total = fields.Integer(required=True)
    done = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    by_determination = fields.Dict(
        keys=fields.String(validate=validate.OneOf(DETERMINATIONS)), values=fields.Integer(), required=True
    )
    links = fields.Nested(BatchLinksSchema, required=True)


class BatchPageSchema(Schema):
    items = fields.List(fields.Nested(BatchSummarySchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Batches in all"})
