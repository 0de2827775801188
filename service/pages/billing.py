"""Billing's pages: the verifications table with filters, denial-reason chart and CSV export (/billing),
and one verification with its rule trace."""

from flask import Blueprint, render_template

from service import exports
from service.clinic import clinic_details
from service.pages import denial_policy
from service.pages.intake import DETERMINATIONS, result_context
from service.staff import page_requires
from workers.rules.programs import PROGRAM_NAMES

blp = Blueprint("billing_pages", __name__)


@blp.route("/billing")
@page_requires("billing")
def review():
    return render_template(
        "billing.html",
        programs=list(PROGRAM_NAMES.items()),
        determinations=[(value, label) for value, (label, *_) in DETERMINATIONS.items()],
    )


@blp.route("/billing/verifications/<uuid:verification_id>")
@page_requires("billing")
def verification(verification_id):
    context = result_context(verification_id)
    clinic = clinic_details()
    return render_template("billing_verification.html", patient_facts=exports.patient(context["verification"]),
                           clinic_ready=bool(clinic.name and clinic.npi),
                           cited_policy=denial_policy.cited_policy(context["v"]), appeal=denial_policy.appeal(context["v"]),
                           **context)
