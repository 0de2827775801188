"""Eligibility in the formats clearinghouses and EHRs speak: read a 271, write a 270, answer in FHIR.

    POST /api/v1/eligibility/271                      the typed view of a pasted 271
    GET  /api/v1/verifications/<id>/x12-270           the 270 inquiry for a verification
    GET  /api/v1/verifications/<id>/fhir              the verification as a FHIR CoverageEligibilityResponse
"""

from uuid import UUID

from flask import Response, current_app, request
from marshmallow import ValidationError

from schemas.exchange import CoverageEligibilityResponseSchema
from schemas.x12_271 import EligibilityReadQuerySchema, EligibilityReadSchema, X12DocumentSchema, parse_271
from service import fhir_coverage, json_body, x12_exchange
from service.api.responses import json_response
from service.api_docs import Blueprint
from service.auth import requires
from service.clinic import clinic_details
from service.errors import reject
from service.verification.document import get
from workers.x12.inquiry import write_270
from workers.x12.summary import summarize

blp = Blueprint(
    "eligibility",
    __name__,
    url_prefix="/api/v1",
    description="Eligibility in X12 and FHIR: read a payer's 271, write a 270 inquiry, answer an EHR in FHIR R4.",
)

X12_TYPES = ("application/edi-x12", "text/plain")
_response_schema = EligibilityReadSchema()
_document_schema = X12DocumentSchema()


def _posted_271() -> str:
    """The 271 of the request body: raw X12 text (application/edi-x12 or text/plain), or JSON {"x12": "…"}."""
    if request.mimetype in X12_TYPES:
        try:
            return request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            reject(400, "The 271 is not UTF-8 text.", fields={"body": ["Not UTF-8 text."]})
    if request.mimetype == "application/json":
        data = json_body.loads(request.get_data(cache=False))
        if not isinstance(data, dict):
            reject(400, "The body must be a JSON object.", fields={"body": ["Expected a JSON object."]})
        try:
            return _document_schema.load(data)["x12"]
        except ValidationError as error:
            reject(422, "The 271 is missing.", fields={f"body.{name}": messages for name, messages in error.messages.items()})
    reject(415, "Send the 271 as application/edi-x12 or text/plain, or as JSON {\"x12\": \"…\"}.",
           fields={"body": ["Expected application/edi-x12, text/plain or application/json."]})


@blp.route("/eligibility/271", methods=["POST"])
@requires("intake")
@blp.doc(requestBody={
    "required": True,
    "description": "A 271 (005010X279A1) as the clearinghouse or payer portal returned it.",
    "content": {
        "application/edi-x12": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
        "application/json": {"schema": X12DocumentSchema},
    },
})
@blp.arguments(EligibilityReadQuerySchema, location="query", as_kwargs=True)
@blp.response(200, EligibilityReadSchema, description="The 271 read: payer, members, benefits, rejections, and its summary.")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="Malformed X12: the problems, by segment and position.")
def read_271(network_status):
    """Read a pasted 271 eligibility response. Nothing is stored or logged; the answer shows the names
    and member ids the 271 holds, since the staff member who pasted it has them. `summary` is what a
    verification carrying this 271 would read of it (the figures for `network_status`)."""
    text = _posted_271()
    try:
        response = parse_271(text)
    except ValidationError as error:
        reject(422, "The 271 could not be read.", fields={"x12": error.messages})
    summary, _ = summarize(response, {"coverage": {"network_status": network_status}})
    return json_response(_response_schema.dump(response) | {"summary": summary})


@blp.route("/verifications/<uuid:verification_id>/x12-270")
@requires("intake")
@blp.response(200, {"type": "string", "description": "An X12 005010X279A1 270 interchange, one segment a line."},
              content_type="application/edi-x12",
              description="The 270 inquiry for this verification, to send through the clinic's clearinghouse.")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="The clinic's NPI or name is not configured, or no payer id is known.")
def x12_270(verification_id: UUID):
    """The X12 270 eligibility inquiry (005010X279A1) for a verification."""
    verification = get(verification_id)
    inquiry = x12_exchange.inquiry_for(
        verification.id, verification.request, verification.result, verification.created_at, current_app.config,
        clinic_details(),
    )
    response = Response(write_270(inquiry), 200, mimetype="application/edi-x12")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = f'attachment; filename="270-{verification.id}.x12"'
    return response


@blp.route("/verifications/<uuid:verification_id>/fhir")
@requires("intake")
@blp.response(200, CoverageEligibilityResponseSchema, content_type="application/fhir+json",
              description="The verification as a FHIR R4 CoverageEligibilityResponse.")
@blp.alt_response(404, response="NOT_FOUND")
def fhir(verification_id: UUID):
    """The verification as a FHIR R4 CoverageEligibilityResponse (one item per billed line)."""
    resource = fhir_coverage.build(get(verification_id), clinic_details())
    response = Response(resource.model_dump_json(by_alias=True, exclude_none=True), 200, mimetype="application/fhir+json")
    response.headers["Cache-Control"] = "no-store"
    return response
