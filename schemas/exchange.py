"""What the FHIR endpoint answers, for the OpenAPI document (FHIR R4 defines the resource itself)."""

from marshmallow import Schema, fields


class CoverageEligibilityResponseSchema(Schema):
    """A FHIR R4 CoverageEligibilityResponse (served as application/fhir+json)."""

    resourceType = fields.String(metadata={"example": "CoverageEligibilityResponse"})
    status = fields.String()
    purpose = fields.List(fields.String())
    outcome = fields.String(metadata={"description": "queued, complete, or error (the payer rejected the inquiry: see error)"})
    insurance = fields.List(fields.Dict(), metadata={"description": "insurance[0].item: one per billed line"})
    error = fields.List(fields.Dict())
