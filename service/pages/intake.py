"""Intake's pages: the verification form (/intake), its result, the print view, the Good Faith Estimate,
and the batch upload (/batches)."""

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.exceptions import HTTPException

import workers.rules
from schemas import verification_request as request_fields
from schemas.batches import CSV_HEADER
from service import batches, words, x12_exchange
from service.clinic import ENVIRONMENT, GOOD_FAITH_ESTIMATE_NEEDS, clinic_details
from service.pages import presets, result_card
from service.staff import page_requires
from service.verification import document
from workers.rules.catalog import FEE_SCHEDULE_NAME
from workers.rules.programs import PROGRAM_NAMES

blp = Blueprint("intake", __name__)

# The determinations' words, kept here under this name for the billing pages.
DETERMINATIONS = words.DETERMINATIONS


def form_choices() -> dict:
    """What the form's pickers offer: the known carriers by program, and each field's allowed values."""
    return {
        "programs": list(PROGRAM_NAMES.items()),
        "carriers": [
            (carrier["name"], PROGRAM_NAMES.get(program["program"], program["program"]))
            for program in workers.rules.payer_directory()
            for carrier in program["carriers"]
            if not carrier.get("default")  # "no policy on file" is not a carrier to pick
        ],
        "plan_types": ("PPO", "HMO", "EPO", "POS", "HDHP", "PRIME", "SELECT", "MEDICARE", "MA", "MEDI-CAL", "MEDICAID", "CHAMPVA"),
        "relationships": words.choices(words.RELATIONSHIPS, request_fields.RELATIONSHIPS),
        "network_statuses": words.choices(words.NETWORK_STATUSES, request_fields.NETWORK_STATUSES),
        "authorization_types": words.choices(words.AUTHORIZATION_TYPES, request_fields.AUTHORIZATION_TYPES),
        "beneficiary_categories": words.choices(words.BENEFICIARY_CATEGORIES, request_fields.BENEFICIARY_CATEGORIES),
        "presets": presets.presets(),
        "fee_schedule": FEE_SCHEDULE_NAME,
    }


def result_context(verification_id) -> dict:
    """A verification for a page: its document and the front desk's card (service/audit.py records the read)."""
    verification = document.get(verification_id)
    v = document.document(verification)
    return {"verification": verification, "v": v, "card": result_card.card(v, verification.request) if v.get("determination") else None,
            "determinations": DETERMINATIONS, "programs": PROGRAM_NAMES}


@blp.route("/intake")
@page_requires("intake")
def console():
    return render_template("intake.html", today=date.today().isoformat(), **form_choices())


@blp.route("/intake/verifications/<uuid:verification_id>/result")
@page_requires("intake")
def result(verification_id):
    """The result as an HTML fragment, for the form's page to show in place."""
    context = result_context(verification_id)
    return render_template("result_fragment.html", no_270=why_no_270(context["verification"]), **context)


def why_no_270(verification) -> str | None:
    """None when the verification's 270 inquiry can be written; else why not, in the desk's words."""
    try:
        x12_exchange.inquiry_for(verification.id, verification.request, verification.result, verification.created_at,
                                 current_app.config, clinic_details())
    except HTTPException as refused:
        refusal = getattr(refused, "data", None) or {}
        if any(name.startswith("BV_CLINIC") for name in refusal.get("fields") or ()):
            return "The 270 inquiry needs the clinic's name and NPI (admin settings)."
        return refusal.get("message") or "No 270 inquiry can be written for this check."
    return None


@blp.route("/intake/verifications/<uuid:verification_id>/print")
@page_requires("intake")
def print_view(verification_id):
    context = result_context(verification_id)
    return render_template("print.html", patient=context["verification"].request["patient"], **context)


# The patient's copy names what they get, not the billing code's class ("Unclassified drugs").
PATIENT_SERVICE_NAMES = {
    "J3490": "Ketamine (the medicine given in the session)",
    "J3590": "Ketamine (the medicine given in the session)",
    "96372": "Ketamine injection into the muscle",
    "J0013": "Esketamine (Spravato) nasal spray, per mg",
    "S0013": "Esketamine (Spravato) nasal spray, per mg",
    "G2082": "Spravato session with at least 2 hours of monitoring (up to 56 mg)",
    "G2083": "Spravato session with at least 2 hours of monitoring (more than 56 mg)",
}


@blp.route("/intake/verifications/<uuid:verification_id>/good-faith-estimate")
@page_requires("intake")
def good_faith_estimate(verification_id):
    """The self-pay Good Faith Estimate to print and give the patient: the clinic from the settings (or the
    environment), the patient's name and date of birth from the stored request. Without the clinic's name,
    NPI, TIN and address it is not an estimate the law accepts: the page says what is missing instead."""
    context = result_context(verification_id)
    estimate = context["v"].get("good_faith_estimate")
    if not estimate:
        abort(404)
    provider = clinic_details()
    if missing := provider.missing_for_good_faith_estimate():
        return render_template("good_faith_estimate_missing.html", missing=[
            (GOOD_FAITH_ESTIMATE_NEEDS[field], ENVIRONMENT[field]) for field in missing]), 409
    items = [item | {"description": PATIENT_SERVICE_NAMES.get(item["code"], item["description"])} for item in estimate["items"]]
    return render_template("good_faith_estimate.html", estimate=estimate, items=items, provider=provider,
                           patient=context["verification"].request["patient"], issued=date.today().isoformat(), **context)


HISTORY_PER_PAGE = 20


@blp.route("/batches")
@page_requires("intake")
def batch_upload():
    """The upload form, and the batches uploaded before, newest first."""
    page = max(request.args.get("page", 1, type=int), 1)
    history, total = batches.history(page=page, per_page=HISTORY_PER_PAGE)
    return render_template("batches.html", csv_header=CSV_HEADER, history=history, page=page,
                           last_page=max((total + HISTORY_PER_PAGE - 1) // HISTORY_PER_PAGE, 1),
                           labels={value: label for value, (label, *_) in DETERMINATIONS.items()})
