"""The body of POST /api/v1/verifications: what intake staff and the intake form send."""

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from schemas.callbacks import CallbackUrl
from schemas.text import StorableTextSchema
from schemas.x12_271 import MAX_271_CHARACTERS, EligibilitySummarySchema, X12EligibilityResponse
from workers.rules.codes import (
    DIAGNOSIS_CODE_PATTERN,
    PROCEDURE_CODE_PATTERN,
    normalize_diagnosis,
    normalize_procedure,
)
from workers.rules.programs import PROGRAMS

RELATIONSHIPS = ("self", "spouse", "child", "other")
NETWORK_STATUSES = ("in_network", "out_of_network", "unknown")
AUTHORIZATION_TYPES = ("va_referral", "prior_authorization", "referral")
BENEFICIARY_CATEGORIES = (
    "active_duty", "active_duty_family", "retiree", "retiree_family", "guard_reserve", "survivor", "other"
)


class Money(fields.Decimal):
    """An amount of US dollars in cents; a negative amount is refused before rounding (-0.001 is not 0.00)."""

    default_error_messages = {"negative": "Must not be negative."}

    def _validated(self, value):
        amount = super()._validated(value)
        if amount is not None and Decimal(str(value)) < 0:
            raise self.make_error("negative")
        return amount if amount is None else amount.copy_abs()  # -0.00 is 0.00


def _money(description="US dollars", **kwargs):
    return Money(
        places=2,
        rounding=ROUND_HALF_UP,
        as_string=True,
        validate=validate.Range(min=0, max=10_000_000),
        # Numbers in the document (apispec would write the bounds as the field dumps them: "0.00").
        metadata={"description": description, "minimum": 0, "maximum": 10_000_000},
        **kwargs,
    )


class WholeNumber(fields.Integer):
    """An integer; a number with a fraction is refused, not truncated (1.5 units is not 1 unit)."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class ProcedureCode(fields.String):
    """A CPT or HCPCS code, upper-cased; its format is checked, its meaning is the rule modules' business."""

    _pattern = re.compile(PROCEDURE_CODE_PATTERN)
    default_error_messages = {
        "format": "Not a CPT (5 digits, or 4 digits and F/T) or HCPCS (a letter and 4 digits) code."
    }

    def __init__(self, **kwargs):
        # In the OpenAPI document too, so clients (and schemathesis) know the format.
        kwargs["metadata"] = {"pattern": PROCEDURE_CODE_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = normalize_procedure(super()._deserialize(value, attr, data, **kwargs))
        if not self._pattern.match(code):
            raise self.make_error("format")
        return code


class DiagnosisCode(fields.String):
    """An ICD-10-CM code with or without its dot, stored dotted: F4310 → F43.10."""

    _pattern = re.compile(DIAGNOSIS_CODE_PATTERN)
    default_error_messages = {"format": "Not an ICD-10-CM code (e.g. F43.10 or F4310)."}

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": DIAGNOSIS_CODE_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not self._pattern.match(code):
            raise self.make_error("format")
        return normalize_diagnosis(code)


# A name or carrier of spaces alone would pass a length check and be tidied to nothing.
_not_blank = validate.Regexp(r"[\s\S]*\S", error="Must not be blank.")


def _not_after(field_name, later, earlier, data, message):
    if data.get(later) and data.get(earlier) and data[later] < data[earlier]:
        raise ValidationError(message, field_name)


class PatientSchema(Schema):
    first_name = fields.String(required=True, validate=[validate.Length(1, 100), _not_blank])
    last_name = fields.String(required=True, validate=[validate.Length(1, 100), _not_blank])
    date_of_birth = fields.Date(required=True)
    veteran = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "Absent or null when not known (a VA referral then decides VA eligibility)."},
    )

    @validates_schema(skip_on_field_errors=False)
    def birth_date_is_plausible(self, data, **kwargs):
        born = data.get("date_of_birth")
        if born and not date(1900, 1, 1) <= born <= date.today():
            raise ValidationError("Must be a date from 1900 to today, not in the future.", "date_of_birth")


class AuthorizationSchema(Schema):
    type = fields.String(
        required=True,
        validate=validate.OneOf(AUTHORIZATION_TYPES),
        metadata={"description": "va_referral (VA CCN), prior_authorization, or referral (TRICARE, or an HMO's PCP)."},
    )
    number = fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={"description": "Exactly as issued (a VA referral looks like VA0012345678)."},
    )
    valid_from = fields.Date(load_default=None)
    valid_to = fields.Date(load_default=None)
    approved_visits = WholeNumber(load_default=None, validate=validate.Range(0, 1000))
    used_visits = WholeNumber(load_default=0, validate=validate.Range(0, 1000))
    approved_codes = fields.List(ProcedureCode(), load_default=list, validate=validate.Length(max=100))

    @validates_schema
    def window_is_ordered(self, data, **kwargs):
        _not_after("valid_to", "valid_to", "valid_from", data, "Must not be before valid_from.")


class BenefitsSchema(Schema):
    deductible = _money(load_default=None)
    deductible_met = _money(load_default=None)
    coinsurance_percent = fields.Decimal(
        places=2, as_string=True, load_default=None, validate=validate.Range(0, 100),
        metadata={"minimum": 0, "maximum": 100},
    )
    copay = _money(load_default=None)
    out_of_pocket_max = _money(load_default=None)
    out_of_pocket_met = _money(load_default=None)


class CoverageSchema(Schema):
    carrier = fields.String(
        load_default=None,
        validate=[validate.Length(1, 100), _not_blank],
        metadata={"description": "As written on the card, or a payer id; required unless program is self_pay."},
    )
    program = fields.String(
        load_default=None,
        validate=validate.OneOf(PROGRAMS),
        metadata={"description": "Inferred from carrier, plan type and veteran status when absent."},
    )
    plan_type = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9 _-]{1,20}$", error="Letters, digits, spaces, - and _ only."),
        metadata={"description": "PPO HMO EPO POS HDHP PRIME SELECT …"},
    )
    member_id = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,39}$", error="Letters, digits, spaces and - only, at most 40."),
        metadata={"description": "Required unless program is self_pay."},
    )
    group_number = fields.String(load_default=None, validate=validate.Length(1, 40))
    relationship = fields.String(load_default="self", validate=validate.OneOf(RELATIONSHIPS))
    member_id_owner = fields.String(
        load_default=None,
        validate=validate.OneOf(("patient", "subscriber")),
        metadata={"description": "Whose id member_id is when the patient is a dependent: `patient` (their own, under "
                  "their name on the card: a 270 asks about them as the subscriber, loop 2100C) or `subscriber` "
                  "(2100D). Unset: as the 271 given places the patient, else subscriber."},
    )
    beneficiary_category = fields.String(
        load_default=None,
        validate=validate.OneOf(BENEFICIARY_CATEGORIES),
        metadata={"description": "TRICARE: active-duty members need a referral for all mental-health care."},
    )
    coverage_start = fields.Date(load_default=None)
    coverage_end = fields.Date(load_default=None)
    network_status = fields.String(load_default="unknown", validate=validate.OneOf(NETWORK_STATUSES))
    authorization = fields.Nested(AuthorizationSchema, load_default=None)
    benefits = fields.Nested(BenefitsSchema, load_default=None)
    eligibility_271 = X12EligibilityResponse(
        load_default=None,
        metadata={
            "description": "The payer's X12 271 eligibility response (005010X279A1) as the clearinghouse or portal "
            "returned it. Its benefit figures fill `benefits` where the request leaves them empty; inactive coverage "
            "or a rejection (AAA) decides the result.",
            "maxLength": MAX_271_CHARACTERS,
        },
    )
    eligibility = fields.Nested(
        EligibilitySummarySchema,
        dump_only=True,
        metadata={"description": "What the 271 said, without patient identifiers (made by the service)."},
    )

    @validates_schema
    def insured_unless_self_pay(self, data, **kwargs):
        if data.get("program") == "self_pay":
            return
        missing = {
            name: ["Required unless the program is self-pay."]
            for name in ("carrier", "member_id")
            if not data.get(name)
        }
        if missing:
            raise ValidationError(missing)

    @validates_schema
    def dates_are_ordered(self, data, **kwargs):
        _not_after("coverage_end", "coverage_end", "coverage_start", data, "Must not be before coverage_start.")

    @post_load
    def tidy(self, data, **kwargs):
        if data.get("plan_type"):
            data["plan_type"] = data["plan_type"].strip().upper()
        if data.get("carrier"):
            data["carrier"] = " ".join(data["carrier"].split())
        return data


class ServiceLineSchema(Schema):
    code = ProcedureCode(required=True, metadata={"example": "96365"})
    units = WholeNumber(load_default=1, validate=validate.Range(1, 999))
    charge = _money(
        "The clinic's charge for one session, US dollars; the fee schedule fills it when absent.",
        load_default=None,
    )


class VerificationRequestSchema(StorableTextSchema):
    patient = fields.Nested(PatientSchema, required=True)
    coverage = fields.Nested(CoverageSchema, required=True)
    services = fields.List(fields.Nested(ServiceLineSchema), required=True, validate=validate.Length(1, 50))
    sessions = WholeNumber(
        load_default=1,
        validate=validate.Range(1, 100),
        metadata={"description": "Planned sessions of this set of services."},
    )
    diagnoses = fields.List(DiagnosisCode(), load_default=list, validate=validate.Length(max=12))
    date_of_service = fields.Date(
        load_default=None,
        metadata={"description": "Planned (first) date of service; today when absent."},
    )
    scheduled_on = fields.Date(
        load_default=None,
        metadata={
            "description": "When the service was scheduled: starts the Good Faith Estimate's delivery deadline; "
            "today when absent."
        },
    )
    # Load-only: where the answer goes is not part of the request, so it changes no fingerprint or cache key.
    callback_url = CallbackUrl(load_only=True, load_default=None)

    @validates_schema(skip_on_field_errors=False)
    def service_date_is_plausible(self, data, **kwargs):
        when = data.get("date_of_service")
        if when and not date(2000, 1, 1) <= when <= date.today() + timedelta(days=2 * 366):
            raise ValidationError("Must be a date from 2000 up to two years from today.", "date_of_service")

    @post_load
    def default_dates(self, data, **kwargs):
        # The check is usually made when the appointment is booked, so today is the scheduling day
        # unless the caller says otherwise; a Good Faith Estimate's deadline then never lies in the past.
        data["date_of_service"] = data.get("date_of_service") or date.today()
        data["scheduled_on"] = data.get("scheduled_on") or min(date.today(), data["date_of_service"])
        return data
