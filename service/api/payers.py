"""GET /api/v1/payers."""

import workers.rules
from schemas.payers import PayerDirectorySchema
from service.api.responses import json_response
from service.api_docs import Blueprint
from service.auth import requires

blp = Blueprint("payers", __name__, url_prefix="/api/v1/payers", description="Programs, carriers and rule versions.")


@blp.route("")
@requires("intake")
@blp.response(200, PayerDirectorySchema)
def payers():
    """The programs, the carriers each knows (with aliases and payer ids), and their rule versions."""
    return json_response({"items": workers.rules.payer_directory(), "rules_version": workers.rules.rules_version()})
