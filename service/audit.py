"""The audit trail: who saw or made which patient's data, when, and from where; ids only, never PHI.

Every response that carries a patient's data writes one event, here and nowhere else: an
`after_request` hook looks the request's endpoint up in PATIENT_DATA and, for a 2xx answer, records
the action, the endpoint, the verification or batch the URL names (or, for a list or an export, its
filters), the API key or staff user, and the client's address. The event is committed before the
response leaves: if it cannot be written, the caller gets a 503, not the data. A test walks the URL
map: every endpoint is in PATIENT_DATA, RECORDED_WITH_THE_ROW or NO_PATIENT_DATA.

Creating a verification is recorded with its row instead (service/verification/store.py), with the endpoint
and address as the hook records them; changing the
clinic's settings with the settings (service/clinic.py, action "settings"), and an
Idempotency-Key replay as a read where it is answered (service/verification/accept.py). Events are kept
when retention purges the verifications they name.
"""

import logging
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

import sqlalchemy.exc
from flask import Flask, Response, has_request_context, request

from service import auth
from service.errors import error_response
from service.extensions import db
from service.models import AuditEvent

# endpoint -> the action its 2xx answer records ("export" instead when it answers CSV).
PATIENT_DATA = {
    "verifications.verification": "read",
    "verifications.eligibility_check": "read",
    "eligibility.fhir": "read",
    "eligibility.x12_270": "read",
    "intake.result": "read",
    "intake.print_view": "read",
    "intake.good_faith_estimate": "read",
    "billing_pages.verification": "read",
    "batches.batch": "read",
    "batch_pages.batch": "read",
    "billing.list_verifications": "list",
}
# Endpoints whose events are written with the row they create or change (in the same commit).
RECORDED_WITH_THE_ROW = {
    "verifications.create": "create (or read, for an Idempotency-Key replay)",
    "settings.clinic_page": "a change of the clinic's settings, with the names of the details changed (service/clinic.py)",
    "clinic_settings.set_clinic_settings": "a change of the clinic's settings, as on the settings page",
}
# Endpoints that show no stored patient's data, and why.
NO_PATIENT_DATA = {
    "api-docs.openapi_json": "the API's description",
    "api-docs.openapi_swagger_ui": "the API's description",
    "swagger_ui_assets.static": "Swagger UI's files",
    "static": "the console's scripts and styles",
    "health.healthz": "process health",
    "health.readyz": "service health",
    "metrics": "counts by route, program and determination; never a patient's data",
    "payers.payers": "the payers and their rule versions",
    "billing.denial_reasons": "counts of denial reasons, no verification",
    "batches.create": "the new batch's id and its bad rows' field names",
    "batches.history": "each batch's progress, counts and uploader; no row's data",
    "eligibility.read_271": "reads back the 271 the caller pasted; nothing stored is shown",
    "signin.home": "a redirect",
    "signin.sign_in": "the sign-in form",
    "signin.sign_out": "a redirect",
    "intake.console": "the empty intake form",
    "intake.batch_upload": "the upload form and the batch history (no row's data)",
    "billing_pages.review": "the search form; its results come from billing.list_verifications",
    "clinic_settings.clinic_settings": "the clinic's own details",
}
# The filters of a list or an export that its event records (none of them holds PHI).
log = logging.getLogger(__name__)
LIST_FILTERS = ("determination", "program", "carrier", "carc", "since", "until", "page", "per_page", "format")


@dataclass(frozen=True)
class Actor:
    """Who acted: an API key, a staff user signed in to the console, or (a command, a task) neither."""

    api_key_id: int | None = None
    staff_user_id: int | None = None


class Origin(NamedTuple):
    """Where an action came from: the endpoint and the client's address (None outside a request)."""

    endpoint: str | None = None
    remote_addr: str | None = None


NO_ORIGIN = Origin()


def current_origin() -> Origin:
    return Origin(request.endpoint, request.remote_addr) if has_request_context() else NO_ORIGIN


def current_actor() -> Actor:
    """The caller of this request, as the auth checks left it."""
    return Actor(**auth.principal())


def add(action: str, verification_ids, actor: Actor | None = None) -> None:
    actor = actor or current_actor()
    origin = current_origin()
    db.session.add_all(
        AuditEvent(action=action, verification_id=verification_id, api_key_id=actor.api_key_id,
                   staff_user_id=actor.staff_user_id, endpoint=origin.endpoint, remote_addr=origin.remote_addr)
        for verification_id in verification_ids
    )


def record(action: str, verification_ids, actor: Actor | None = None) -> None:
    add(action, verification_ids, actor)
    db.session.commit()


def _filters() -> str | None:
    shown = sorted((name, value) for name, value in request.args.items(multi=True) if name in LIST_FILTERS)
    return urlencode(shown)[:500] or None


def record_response(response: Response) -> Response:
    """After each request: one event for a 2xx answer of an endpoint in PATIENT_DATA."""
    action = PATIENT_DATA.get(request.endpoint)
    if action is None or not 200 <= response.status_code < 300 or request.method == "HEAD":
        return response
    if response.mimetype == "text/csv":
        action = "export"
    named = request.view_args or {}
    actor = current_actor()
    db.session.add(AuditEvent(
        action=action, endpoint=request.endpoint, verification_id=named.get("verification_id"),
        batch_id=named.get("batch_id"), query=None if named else _filters(), remote_addr=request.remote_addr,
        api_key_id=actor.api_key_id, staff_user_id=actor.staff_user_id,
    ))
    try:
        db.session.commit()
    except sqlalchemy.exc.SQLAlchemyError as error:
        # Unrecorded, the data is not shown.
        db.session.rollback()
        log.warning("audit event for %s not written: %s", request.endpoint, type(error).__name__)
        response.close()
        return error_response(503, "The database is not answering; try again shortly.", headers={"Retry-After": "5"})
    return response


def init_app(app: Flask) -> None:
    app.after_request(record_response)
