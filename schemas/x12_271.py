"""X12 eligibility in and out: the 271 a request may carry, the typed view of a 271, and the
PHI-free eligibility summary a verification keeps and answers with."""

import logging
from typing import NamedTuple

from marshmallow import Schema, ValidationError, fields, validate

from schemas.errors import where
from workers.x12.addresses import without_addresses
from workers.x12.envelope import MalformedX12
from workers.x12.reader import EligibilityResponse, read_271

log = logging.getLogger(__name__)

MAX_271_CHARACTERS = 300_000


class Received271(NamedTuple):
    """A 271 as received (the raw text, kept with the request) and as read."""

    text: str
    response: EligibilityResponse


def parse_271(text: str) -> EligibilityResponse:
    """Read a 271 for an API caller: ValidationError with the problems (segment and position, never a
    value from the document) when it cannot be read."""
    if not text.strip():
        raise ValidationError("The 271 is empty.")
    if len(text) > MAX_271_CHARACTERS:
        raise ValidationError(f"The 271 is longer than {MAX_271_CHARACTERS} characters.")
    try:
        return read_271(text)
    except MalformedX12 as error:
        raise ValidationError(error.messages()) from None
    except Exception as error:  # a bug in the reader: say where, never what (the message may quote the document)
        log.error("the 271 reader failed: %s at %s", type(error).__name__, where(error))
        raise ValidationError("The 271 could not be read.") from None


class X12EligibilityResponse(fields.String):
    """The raw X12 271 text; loads as Received271 (so validation reads it once), dumps as the text without its
    addresses (what is stored with the request)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return Received271(text, parse_271(text))

    def _serialize(self, value, attr, obj, **kwargs):
        return without_addresses(value.text) if isinstance(value, Received271) else value


class X12DocumentSchema(Schema):
    x12 = fields.String(
        required=True,
        validate=validate.Length(1, MAX_271_CHARACTERS),
        metadata={"description": "The 271 as the clearinghouse or payer portal returned it (005010X279A1)."},
    )


# -- the typed view of a 271 (POST /api/v1/eligibility/271) --------------------------------------


class RejectionSchema(Schema):
    loop = fields.String(required=True, metadata={"description": "Where the AAA segment was: 2000A, 2100A, 2100B, 2100C, 2100D, 2110C, 2110D"})
    code = fields.String(required=True, metadata={"description": "AAA03 reject reason code"})
    meaning = fields.String(required=True)
    follow_up_code = fields.String(allow_none=True, metadata={"description": "AAA04: C, N, P, R, S, W, X, Y"})
    follow_up = fields.String(allow_none=True)
    action = fields.String(required=True, metadata={"description": "What intake staff should do"})


class PeriodSchema(Schema):
    qualifier = fields.String(required=True, metadata={"description": "DTP01, e.g. 346 plan begin, 347 plan end, 291 plan"})
    meaning = fields.String()
    start = fields.Date(required=True)
    end = fields.Date(allow_none=True)


class EntitySchema(Schema):
    entity_code = fields.String(metadata={"description": "NM101: PR payer, P3 primary care provider, VN vendor, X3 utilization management, …"})
    meaning = fields.String()
    name = fields.String(allow_none=True)
    identifier_qualifier = fields.String(allow_none=True)
    identifier = fields.String(allow_none=True)
    contacts = fields.List(fields.String())


class BenefitLineSchema(Schema):
    position = fields.Integer(metadata={"description": "The EB segment's position in its transaction set"})
    code = fields.String(required=True, metadata={"description": "EB01: 1 active, 6 inactive, A coinsurance, B copay, C deductible, G out of pocket, …"})
    meaning = fields.String()
    coverage_level = fields.String(allow_none=True, metadata={"description": "EB02: IND, FAM, …"})
    service_types = fields.List(fields.String(), metadata={"description": "EB03 (30, MH, A4, A6, CF, …)"})
    insurance_type = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    period = fields.String(allow_none=True, metadata={"description": "EB06: 23 calendar year, 29 remaining, 27 visit, …"})
    amount = fields.Decimal(as_string=True, allow_none=True)
    percent = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "EB08 as sent: a fraction, 0.2 for 20%"})
    quantity_qualifier = fields.String(allow_none=True)
    quantity = fields.Decimal(as_string=True, allow_none=True)
    authorization_required = fields.String(allow_none=True, metadata={"description": "EB11: Y, N, U"})
    in_plan_network = fields.String(allow_none=True, metadata={"description": "EB12: Y in network, N out of network, W not applicable, U unknown"})
    procedure = fields.String(allow_none=True)
    places_of_service = fields.List(fields.String(), metadata={"description": "III02 where III01 is ZZ: 11 office, 02 telehealth, 22 outpatient hospital, …"})
    dates = fields.List(fields.Nested(PeriodSchema))
    messages = fields.List(fields.String())
    rejections = fields.List(fields.Nested(RejectionSchema))
    entities = fields.List(fields.Nested(EntitySchema))


class PartySchema(Schema):
    loop = fields.String()
    entity_code = fields.String()
    name = fields.String(allow_none=True)
    identifier_qualifier = fields.String(allow_none=True)
    identifier = fields.String(allow_none=True)
    rejections = fields.List(fields.Nested(RejectionSchema))


class DependentSchema(Schema):
    loop = fields.String()
    role = fields.String(validate=validate.OneOf(("subscriber", "dependent")))
    last_name = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    middle_name = fields.String(allow_none=True)
    member_id = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    gender = fields.String(allow_none=True)
    relationship = fields.String(allow_none=True, metadata={"description": "INS02: 01 spouse, 19 child, …"})
    dates = fields.List(fields.Nested(PeriodSchema))
    rejections = fields.List(fields.Nested(RejectionSchema))
    benefits = fields.List(fields.Nested(BenefitLineSchema))


class SubscriberSchema(DependentSchema):
    dependents = fields.List(fields.Nested(DependentSchema))
    payer = fields.Nested(PartySchema)


class WarningSchema(Schema):
    segment = fields.String(allow_none=True, metadata={"description": "The segment the warning is about (ISA for what came before it)"})
    position = fields.Integer(allow_none=True, metadata={"description": "Its position in the transaction set, ST = 1"})
    text = fields.String()


class EligibilityResponseSchema(Schema):
    interchange_control_number = fields.String()
    transaction_control_numbers = fields.List(fields.String())
    reference = fields.String(allow_none=True)
    created = fields.DateTime(allow_none=True)
    test = fields.Boolean(metadata={"description": "ISA15 T: a test interchange"})
    payers = fields.List(fields.Nested(PartySchema))
    receivers = fields.List(fields.Nested(PartySchema))
    subscribers = fields.List(fields.Nested(SubscriberSchema))
    warnings = fields.List(fields.String(), attribute="warning_texts", metadata={
        "description": "Deviations from the guide that left the 271 readable, each naming its segment"})
    warning_details = fields.List(fields.Nested(WarningSchema), attribute="warnings", metadata={
        "description": "The same warnings by segment and position"})


# -- the summary a verification keeps (coverage.eligibility) and answers with (eligibility) --------


class SummaryPayerSchema(Schema):
    name = fields.String(allow_none=True)
    id = fields.String(allow_none=True)


class SummaryPlanSchema(Schema):
    name = fields.String(allow_none=True)
    insurance_type = fields.String(allow_none=True)
    insurance_type_name = fields.String(allow_none=True)
    plan_type = fields.String(allow_none=True, metadata={"description": "From EB04: POS (PS), HMO (HM, HN), PPO (PR), EPO (EP), INDEMNITY (IN)"})
    plan_type_position = fields.Integer(allow_none=True, metadata={"description": "The EB segment EB04 was read from"})
    begin = fields.String(allow_none=True, metadata={"description": "The coverage window's start: plan begin (346, a 291 range), else eligibility begin (356, a 307 range)"})
    end = fields.String(allow_none=True)


class SummaryRangeSchema(Schema):
    begin = fields.String(allow_none=True)
    end = fields.String(allow_none=True)


class SummaryDatesSchema(Schema):
    asked = fields.String(allow_none=True, metadata={"description": "The date the payer answered about: 472, or a one-day 291/307"})
    plan = fields.Nested(SummaryRangeSchema, metadata={"description": "346/347, or a 291 range"})
    eligibility = fields.Nested(SummaryRangeSchema, metadata={"description": "356/357, or a 307 range"})


class DeductibleWaivedSchema(Schema):
    service_type = fields.String()
    network = fields.String()
    place_of_service = fields.String(allow_none=True)
    message = fields.String(metadata={"description": "The payer's words, e.g. SPECIALIST VISIT OR EVALUATION/PLAN DED WAIVED"})
    position = fields.Integer()


class SummaryBenefitSchema(Schema):
    kind = fields.String()
    code = fields.String()
    meaning = fields.String()
    service_types = fields.List(fields.String())
    network = fields.String(metadata={"description": "in_network, out_of_network, both (EB12 absent), not_applicable, unknown"})
    level = fields.String(allow_none=True)
    period = fields.String(allow_none=True)
    amount = fields.String(allow_none=True)
    percent = fields.String(allow_none=True, metadata={"description": "Percent, 20.00 for 20%"})
    quantity = fields.String(allow_none=True)
    quantity_unit = fields.String(allow_none=True)
    authorization_required = fields.Boolean(allow_none=True)
    procedure = fields.String(allow_none=True)
    messages = fields.List(fields.String())


class AuthorizationFlagSchema(Schema):
    service_type = fields.String()
    network = fields.String()
    kind = fields.String(validate=validate.OneOf(("authorization", "referral")), metadata={
        "description": "referral when the payer's message asks for one, else authorization"})
    messages = fields.List(fields.String(), metadata={"description": "The payer's words on the flagged line"})
    applies_to = fields.List(fields.String(), metadata={
        "description": "For a flag on the plan as a whole (30): the behavioral-health service types it reaches"})
    position = fields.Integer(metadata={"description": "The flagged EB segment"})


class ContactSchema(Schema):
    service_types = fields.List(fields.String())
    name = fields.String(allow_none=True)
    entity_code = fields.String()
    contacts = fields.List(fields.String())
    carve_out = fields.Boolean(metadata={"description": "EB01 U: another company answers for these services"})


class FigureSchema(Schema):
    value = fields.String()
    service_type = fields.String()
    network = fields.String()
    level = fields.String(allow_none=True)
    period = fields.String(allow_none=True, metadata={"description": "EB06 in words: Calendar Year, Remaining, Visit, …"})
    place_of_service = fields.String(allow_none=True, metadata={"description": "III ZZ of the line: 11 office"})
    position = fields.Integer()


class EligibilitySummarySchema(Schema):
    source = fields.String(metadata={"description": "271"})
    status = fields.String(validate=validate.OneOf(("active", "inactive", "rejected", "unknown")))
    patient_loop = fields.String(allow_none=True, metadata={"description": "2100C (the subscriber) or 2100D (a dependent)"})
    payer = fields.Nested(SummaryPayerSchema)
    plan = fields.Nested(SummaryPlanSchema)
    dates = fields.Nested(SummaryDatesSchema)
    identity = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Whether the 271's patient matches the request: match, mismatch, not_given, not_in_271"})
    rejections = fields.List(fields.Nested(RejectionSchema))
    benefits = fields.List(fields.Nested(SummaryBenefitSchema))
    authorization_required = fields.List(fields.Nested(AuthorizationFlagSchema))
    messages = fields.List(fields.String())
    contacts = fields.List(fields.Nested(ContactSchema))
    figures = fields.Dict(keys=fields.String(), values=fields.Nested(FigureSchema), metadata={
        "description": "Each benefit figure the 271 gave, and the EB line it came from"})
    deductible_waived = fields.Nested(DeductibleWaivedSchema, allow_none=True, metadata={
        "description": "Where the payer says the deductible does not apply to an office or behavioral-health visit"})
    network_basis = fields.String(metadata={"description": "Whose figures were read: in_network or out_of_network"})
    warnings = fields.List(fields.String())
    benefit_sources = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Per figure of coverage.benefits: 271 or request (the request's own value wins)"})
    coverage_dates_source = fields.Dict(keys=fields.String(), values=fields.String())
    plan_type_source = fields.String(metadata={"description": "Whose plan type the rules read: 271 (EB04) or request"})


# -- POST /api/v1/eligibility/271: the typed view with the summary the rules would read -----------


class EligibilityReadQuerySchema(Schema):
    network_status = fields.String(
        load_default="unknown",
        validate=validate.OneOf(("in_network", "out_of_network", "unknown")),
        metadata={"description": "Whose benefit figures the summary reads (the payer sends in- and out-of-network twins)."},
    )


class EligibilityReadSchema(EligibilityResponseSchema):
    summary = fields.Nested(EligibilitySummarySchema, metadata={
        "description": "What the 271 says as the rules read it: status, plan and dates, figures, rejections in words"})
