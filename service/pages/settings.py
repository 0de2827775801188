"""The clinic settings page (/settings, admins): the clinic's name, NPI, TIN, address and phone."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError

from schemas.clinic import CLINIC_FIELDS, ClinicSettingsSchema
from service import clinic
from service.extensions import csrf
from service.staff import page_requires

blp = Blueprint("settings", __name__)

LABELS = {"name": "Clinic name", "npi": "NPI", "tin": "Tax ID (TIN)", "address": "Address", "phone": "Phone"}
_schema = ClinicSettingsSchema()


@blp.route("/settings", methods=["GET", "POST"])
@page_requires("admin")
def clinic_page():
    values, errors, status = clinic.stored_settings(), {}, 200
    if request.method == "POST":
        try:
            csrf.protect()
        except CSRFError:
            abort(400)
        values = {field: request.form.get(field, "") for field in CLINIC_FIELDS}
        try:
            settings = _schema.load(values)
        except ValidationError as error:
            errors, status = {field: " ".join(messages) for field, messages in error.messages.items()}, 422
        else:
            clinic.save(settings)
            flash("Clinic settings saved.")
            return redirect(url_for("settings.clinic_page"))
    return render_template("settings.html", values=values, errors=errors, labels=LABELS,
                           details=clinic.clinic_details(), environment=clinic.ENVIRONMENT), status
