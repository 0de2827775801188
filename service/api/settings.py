"""GET and PUT /api/v1/settings/clinic: the clinic's details, for admins."""

from schemas.clinic import ClinicDetailsSchema, ClinicSettingsSchema
from service import clinic
from service.api_docs import Blueprint
from service.auth import requires

blp = Blueprint("clinic_settings", __name__, url_prefix="/api/v1/settings",
                description="The clinic's details as Good Faith Estimates and 270 inquiries name it (admins).")


@blp.route("/clinic")
@requires("admin")
@blp.response(200, ClinicDetailsSchema)
def clinic_settings():
    """The clinic's details in use, and where each comes from (these settings, or the environment)."""
    return clinic.described(clinic.clinic_details())


@blp.route("/clinic", methods=["PUT"])
@requires("admin")
@blp.arguments(ClinicSettingsSchema)
@blp.response(200, ClinicDetailsSchema)
def set_clinic_settings(settings):
    """Set every detail at once: one left out, null or empty is not set here, and the environment's applies.
    The change is audited (which details changed, never their values)."""
    return clinic.described(clinic.save(settings))
