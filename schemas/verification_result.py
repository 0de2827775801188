"""What the API answers about a verification: its state and the rule modules' result.

These schemas document the answers (the OpenAPI document is generated from them); a test loads
every scenario's answer through them, so a field the rules add without a schema fails there.
"""

from marshmallow import Schema, fields, validate

from schemas.queries import DETERMINATIONS
from schemas.x12_271 import EligibilitySummarySchema, RejectionSchema
from workers.rules.engine import CONFIRMED_271, PARTIALLY_COVERED, REQUIREMENT_KINDS, STATED, UNCONFIRMED
from workers.rules.programs import PROGRAMS

STATUSES = ("queued", "running", "complete", "failed")
ELIGIBILITY_STATUSES = (CONFIRMED_271, STATED, UNCONFIRMED)
LINE_DETERMINATIONS = tuple(d for d in DETERMINATIONS if d != PARTIALLY_COVERED)


def _money(description=None, **kwargs):
    return fields.Float(allow_none=True, metadata={"description": description or "US dollars"}, **kwargs)


class LinksSchema(Schema):
    self = fields.String(required=True, metadata={"example": "/api/v1/verifications/3f0c…"})


class QueuedVerificationSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    links = fields.Nested(LinksSchema, required=True)
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)
    cached = fields.Boolean(required=True)


class LineDenialSchema(Schema):
    carc = fields.String(required=True)
    rarc = fields.String(allow_none=True)
    description = fields.String()
    rarc_description = fields.String(allow_none=True)
    explanation = fields.String()


class SeriesSharesSchema(Schema):
    patient = _money()
    payer = _money()
    non_covered = _money()


class LineSchema(Schema):
    code = fields.String(required=True)
    description = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    drug = fields.String(allow_none=True)
    units = fields.Integer()
    charge = _money("Charge per session")
    charge_source = fields.String(
        allow_none=True,
        metadata={"description": "request, or the fee schedule when the request had none; null when neither had one"},
    )
    allowed = _money()
    determination = fields.String(required=True, validate=validate.OneOf(LINE_DETERMINATIONS))
    authorization_required = fields.Boolean(required=True)
    denial_reasons = fields.List(fields.Nested(LineDenialSchema), required=True)
    patient_responsibility = _money("Per session; null when benefits are unknown")
    payer_responsibility = _money("Per session; null when benefits are unknown")
    non_covered_charge = _money("Per session, what this payer will not pay")
    series = fields.Nested(SeriesSharesSchema, metadata={"description": "Across all planned sessions"})


class DenialReasonSchema(Schema):
    carc = fields.String(required=True, metadata={"description": "X12 Claim Adjustment Reason Code"})
    rarc = fields.String(allow_none=True, metadata={"description": "X12 Remittance Advice Remark Code"})
    description = fields.String(required=True, metadata={"description": "The code list's official short text"})
    rarc_description = fields.String(allow_none=True)
    explanation = fields.String(required=True, metadata={"description": "Plain language, for billing and intake"})
    codes = fields.List(fields.String(), required=True, metadata={"description": "The service codes it applies to"})


class OffLabelItemSchema(Schema):
    drug = fields.String(required=True)
    brand = fields.String()
    indication = fields.String(required=True)
    fda_approved_for_indication = fields.Boolean(
        required=True, allow_none=True,
        metadata={"description": "false: off-label; null: unconfirmed (a depression code that is not MDD, e.g. F32.A)"},
    )
    status = fields.String(validate=validate.OneOf(("off_label", "unconfirmed")), metadata={
        "description": "off_label, or unconfirmed where the diagnosis may or may not meet the label"})
    fda_label = fields.String()
    notice = fields.String(required=True)


class OffLabelSchema(OffLabelItemSchema):
    items = fields.List(fields.Nested(OffLabelItemSchema), metadata={"description": "One per drug, when several"})


class RequirementSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(REQUIREMENT_KINDS)))
    text = fields.String(required=True)


class SharesSchema(Schema):
    patient = _money()
    payer = _money()
    allowed = _money()
    non_covered = _money()


class EstimateSchema(Schema):
    basis = fields.String(metadata={"description": "e.g. benefits, unknown_benefits, payment_in_full, self_pay"})
    confirmed = fields.Boolean(metadata={
        "description": "false when a figure was assumed, a line counted as paid is not payable yet, or the shares are unknown"})
    assumed = fields.List(fields.String(), metadata={
        "description": "Cost-share figures nobody gave that the estimate takes as zero, e.g. coinsurance_percent"})
    pending_codes = fields.List(fields.String(), metadata={
        "description": "Codes the payer's share counts as paid though they await an authorization or a review"})
    per_session = fields.Nested(SharesSchema, required=True)
    total = fields.Nested(SharesSchema, required=True)
    sessions = fields.Integer(required=True)


class BillingSchema(Schema):
    submit_to = fields.String(allow_none=True)
    payer_id = fields.String(allow_none=True)
    payer_ids = fields.List(fields.String())
    payer_id_confirmed = fields.Boolean()
    timely_filing_days = fields.Integer(allow_none=True)
    recommended_filing_days = fields.Integer()
    reconsideration_days = fields.Integer()
    administrator_regions = fields.String(allow_none=True)
    claims_processor = fields.String(allow_none=True)
    medical_records_to = fields.String()
    authorization_number = fields.String()
    note = fields.String()


class TraceEntrySchema(Schema):
    rule = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(("pass", "fail", "skip", "info")))
    detail = fields.String(required=True)


class PolicySourceSchema(Schema):
    name = fields.String(required=True)
    source = fields.String(required=True)
    version = fields.String(required=True)


class CarrierMatchSchema(Schema):
    name = fields.String(required=True)
    default_policy = fields.Boolean(required=True)


class TricarePlanSchema(Schema):
    plan = fields.String(allow_none=True, metadata={"description": "null when the plan could not be told"})
    active_duty = fields.Boolean(allow_none=True)


class ProgramPlanSchema(Schema):
    name = fields.String(allow_none=True, metadata={"description": "The plan matched; null when it is not in the table"})
    known = fields.Boolean(required=True, metadata={"description": "Whether the rules know this plan's own rules"})
    state = fields.String(allow_none=True, metadata={"description": "Medicaid: the plan's state, when known"})


class GuidanceLineSchema(Schema):
    code = fields.String(required=True)
    determination = fields.String(required=True, validate=validate.OneOf(LINE_DETERMINATIONS))
    denial_reasons = fields.List(fields.Nested(LineDenialSchema), required=True)


class DefaultPolicyGuidanceSchema(Schema):
    label = fields.String(required=True)
    policy = fields.String(allow_none=True)
    determination = fields.String(required=True, validate=validate.OneOf(DETERMINATIONS))
    lines = fields.List(fields.Nested(GuidanceLineSchema), required=True)
    denial_reasons = fields.List(fields.Nested(DenialReasonSchema), required=True)


class EstimateItemSchema(Schema):
    code = fields.String(required=True)
    description = fields.String(allow_none=True)
    units = fields.Integer()
    charge = _money()
    charge_source = fields.String(allow_none=True)
    series_charge = _money()
    diagnosis_codes = fields.List(fields.String())
    expected_date = fields.String()


class RecurringSeriesSchema(Schema):
    sessions = fields.Integer()
    covers_up_to_months = fields.Integer()
    confirmed = fields.Boolean()
    note = fields.String()


class DisputeSchema(Schema):
    threshold = _money()
    window_days = fields.Integer()
    text = fields.String()


class DeliverySchema(Schema):
    deliver_by = fields.String(
        allow_none=True, metadata={"description": "null when no scheduling deadline applies (service under 3 business days away)"}
    )
    basis = fields.String()
    rule = fields.String()
    business_days = fields.String()


class ProviderSchema(Schema):
    name = fields.String(allow_none=True)
    npi = fields.String(allow_none=True)
    tin = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    source = fields.String()


class GoodFaithEstimateSchema(Schema):
    items = fields.List(fields.Nested(EstimateItemSchema))
    diagnosis_codes = fields.List(fields.String())
    date_of_service = fields.String()
    sessions = fields.Integer()
    per_session = _money()
    total = _money()
    recurring_series = fields.Nested(RecurringSeriesSchema)
    dispute = fields.Nested(DisputeSchema)
    delivery = fields.Nested(DeliverySchema)
    not_a_contract = fields.String()
    disclaimer = fields.String()
    provider = fields.Nested(ProviderSchema)
    patient = fields.String(metadata={"description": "The printed estimate takes name and date of birth from the request"})
    retention_years = fields.Integer()


class ErrorInfoSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class EligibilityCheckSummarySchema(Schema):
    coverage = fields.String(allow_none=True, metadata={"description": "active, inactive, rejected or unknown, as the 271 says"})
    payer = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    plan_type = fields.String(allow_none=True)
    plan_begin = fields.String(allow_none=True)
    plan_end = fields.String(allow_none=True)
    deductible = fields.String(allow_none=True)
    deductible_met = fields.String(allow_none=True)
    copay = fields.String(allow_none=True)
    coinsurance_percent = fields.String(allow_none=True)
    out_of_pocket_max = fields.String(allow_none=True)
    out_of_pocket_met = fields.String(allow_none=True)
    messages = fields.List(fields.String(), metadata={"description": "The payer's own words (MSG)"})


class EligibilityCheckFailureSchema(Schema):
    kind = fields.String(metadata={"description": "not_sent, timeout, envelope_rejected, rejected_999, rejected_ta1, unable_to_respond, not_asked, error, lost (its task was lost; ask again)"})
    detail = fields.String(allow_none=True, metadata={"description": "What went wrong, in plain words"})


class EligibilityCheckSchema(Schema):
    status = fields.String(validate=validate.OneOf(("not_asked", "pending", "answered", "failed")), metadata={
        "description": "pending until the payer's 271 is in the result (the rules ran again on it) or the check failed"})
    asked_at = fields.String(allow_none=True)
    payer_answered_at = fields.String(allow_none=True)
    summary = fields.Nested(EligibilityCheckSummarySchema, allow_none=True, metadata={
        "description": "What the 271 said, without patient identifiers"})
    warnings = fields.List(fields.String(), metadata={"description": "Deviations from the guide the 271 was read despite"})
    rejections = fields.List(fields.Nested(RejectionSchema), metadata={"description": "The payer's AAA rejections, in plain words"})
    failure = fields.Nested(EligibilityCheckFailureSchema, allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "While pending: why it is taking longer (a retry is scheduled)"})
    attempts = fields.Integer(metadata={"description": "270s sent for this check"})
    reason = fields.String(allow_none=True, metadata={"description": "automatic (a new verification) or staff (Check with payer)"})


class EligibilityCheckAnswerSchema(Schema):
    """The answer of POST/GET /verifications/<id>/eligibility-check."""

    id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    determination = fields.String(allow_none=True, validate=validate.OneOf(DETERMINATIONS))
    eligibility_status = fields.String(allow_none=True, validate=validate.OneOf(ELIGIBILITY_STATUSES))
    eligibility_check = fields.Nested(EligibilityCheckSchema, required=True)
    links = fields.Nested(LinksSchema, required=True)


class VerificationSchema(QueuedVerificationSchema):
    program = fields.String(allow_none=True, validate=validate.OneOf(PROGRAMS))
    rule_module = fields.String()
    rule_version = fields.String()
    determination = fields.String(validate=validate.OneOf(DETERMINATIONS))
    lines = fields.List(fields.Nested(LineSchema))
    denial_reasons = fields.List(fields.Nested(DenialReasonSchema))
    off_label = fields.Nested(OffLabelSchema, allow_none=True)
    requirements = fields.List(fields.Nested(RequirementSchema))
    estimate = fields.Nested(EstimateSchema)
    billing = fields.Nested(BillingSchema)
    notes = fields.List(fields.String())
    trace = fields.List(fields.Nested(TraceEntrySchema))
    policy = fields.Nested(PolicySourceSchema, allow_none=True, metadata={"description": "The policy row applied"})
    carrier = fields.Nested(CarrierMatchSchema, metadata={"description": "Commercial: the carrier matched"})
    tricare = fields.Nested(TricarePlanSchema, metadata={"description": "TRICARE: plan and active-duty status"})
    eligibility_status = fields.String(validate=validate.OneOf(ELIGIBILITY_STATUSES), metadata={
        "description": "confirmed_271 (a 271 says active on the date of service), stated (staff entered benefits, "
        "coverage dates or an authorization) or unconfirmed (nothing did: covered means payable if the coverage is active)"})
    plan = fields.Nested(ProgramPlanSchema, metadata={"description": "Medicare Advantage and Medicaid: the plan matched"})
    carrier_suggestions = fields.List(fields.String(), metadata={
        "description": "Near matches of a carrier name the rules do not recognise, best first: a person picks, the rules do not"})
    default_policy_guidance = fields.Nested(DefaultPolicyGuidanceSchema, metadata={
        "description": "Unrecognised carrier: what the default commercial policy would decide, guidance only (the result is needs_review)"})
    benefits_source = fields.String(allow_none=True, metadata={
        "description": "Where coverage.benefits came from: request, 271, or 271+request; null without benefits"})
    benefit_sources = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "With a 271: per benefit figure, 271 or request (the request's own value wins)"})
    eligibility = fields.Nested(EligibilitySummarySchema, metadata={
        "description": "What the payer's 271 said, without patient identifiers (when the request carried one)"})
    eligibility_check = fields.Nested(EligibilityCheckSchema, metadata={
        "description": "With a clearinghouse configured: the latest check with the payer (a 270 sent, its 271)"})
    good_faith_estimate = fields.Nested(GoodFaithEstimateSchema, metadata={"description": "Self-pay only"})
    error = fields.Nested(ErrorInfoSchema, metadata={"description": "Why a failed verification failed"})


class PatientSummarySchema(Schema):
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    date_of_birth = fields.String(allow_none=True)
    member_id = fields.String(allow_none=True)
    payer = fields.String(allow_none=True, metadata={"description": "Who the claim goes to, or the carrier as entered"})
    date_of_service = fields.String(allow_none=True)


class ListedVerificationSchema(VerificationSchema):
    patient = fields.Nested(PatientSummarySchema, metadata={"description": "Who the verification is about (billing's list)"})


class VerificationPageSchema(Schema):
    items = fields.List(fields.Nested(ListedVerificationSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class DenialReasonCountSchema(Schema):
    carc = fields.String(required=True)
    description = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "Verifications that gave this CARC"})
    programs = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class DenialReasonSummarySchema(Schema):
    items = fields.List(fields.Nested(DenialReasonCountSchema), required=True)
