"""GET /api/v1/payers: the programs, the carriers each knows, and their rule versions."""

from marshmallow import Schema, fields


class PolicySchema(Schema):
    name = fields.String(required=True)
    source = fields.String(allow_none=True)
    version = fields.String(allow_none=True)


class CarrierSchema(Schema):
    name = fields.String(required=True)
    aliases = fields.List(fields.String(), required=True)
    payer_ids = fields.List(fields.String(), required=True)
    regions = fields.String(metadata={"description": "Where this administrator runs the program"})
    rule_module = fields.String(metadata={"description": "Commercial: the carrier's own rule module"})
    default = fields.Boolean(metadata={"description": "Commercial: the row used for carriers without a policy of their own"})
    policy = fields.Nested(PolicySchema, allow_none=True)


class ProgramSchema(Schema):
    program = fields.String(required=True)
    rule_module = fields.String(required=True)
    rule_version = fields.String(required=True)
    description = fields.String()
    aliases = fields.List(fields.String(), metadata={"description": "Names that mean the program itself"})
    carriers = fields.List(fields.Nested(CarrierSchema), required=True)


class PayerDirectorySchema(Schema):
    items = fields.List(fields.Nested(ProgramSchema), required=True)
    rules_version = fields.String(required=True)
