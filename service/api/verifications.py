"""POST /api/v1/verifications and GET /api/v1/verifications/<id>."""

from uuid import UUID

from schemas.queries import CreateQuerySchema, IdempotencyHeaderSchema
from schemas.verification_request import VerificationRequestSchema
from schemas.verification_result import QueuedVerificationSchema, VerificationSchema
from service.api.responses import json_response
from service.api_docs import Blueprint
from service.auth import principal, requires
from service.verification import accept, document
from service.verification.row import FINISHED

blp = Blueprint(
    "verifications",
    __name__,
    url_prefix="/api/v1/verifications",
    description="What a payer will pay for the planned treatment, line by line, and why not.",
)


@blp.route("", methods=["POST"])
@requires("intake")
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True, memoize=True)
@blp.arguments(CreateQuerySchema, location="query", as_kwargs=True, memoize=True)
@blp.arguments(VerificationRequestSchema, memoize=True)
@blp.response(200, VerificationSchema, description="Finished: from the cache, an identical earlier request, or within `wait`.")
@blp.alt_response(202, schema=QueuedVerificationSchema, description="Accepted; poll the Location.")
@blp.alt_response(409, response="CONFLICT", description="Idempotency-Key reused with a different body.")
def create(request, wait, idempotency_key):
    """Check coverage for a patient's planned treatment."""
    verification = accept.submit(request, idempotency_key=idempotency_key, wait=wait, **principal())
    answer = document.document_json(verification)
    if verification.status in FINISHED:
        return json_response(answer)
    return json_response(answer, 202, {"Location": document.link(verification)})


@blp.route("/<uuid:verification_id>")
@requires("intake")
@blp.response(200, VerificationSchema)
@blp.alt_response(404, response="NOT_FOUND")
def verification(verification_id: UUID):
    """One verification, by id."""
    return json_response(document.read(verification_id))
