"""GET/PUT /api/v1/settings/clinic: the clinic's details as Good Faith Estimates and 270 inquiries name it.

The settings page validates with ClinicSettingsSchema too, so its messages are written for the front desk.
"""

import re

from marshmallow import Schema, ValidationError, fields, validate

from schemas.text import StorableTextSchema
from workers.x12.inquiry import valid_npi

CLINIC_FIELDS = ("name", "npi", "tin", "address", "phone")
SOURCES = ("settings", "environment", "unset")


def _digits(value: str) -> str:
    return re.sub(r"[\s().-]", "", value)


def check_npi(value: str) -> None:
    digits = _digits(value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError("Enter the clinic's NPI: 10 digits, as on its NPPES record.")
    if not valid_npi(digits):
        raise ValidationError("This is not a valid NPI: its last digit does not match the others. "
                              "Check it against the clinic's NPPES record.")


def check_tin(value: str) -> None:
    if not re.fullmatch(r"\d{9}", _digits(value)):
        raise ValidationError("Enter the clinic's tax ID (EIN): 9 digits, like 12-3456789.")


def check_phone(value: str) -> None:
    digits = _digits(value)
    if not re.fullmatch(r"1?\d{10}", digits.removeprefix("+")):
        raise ValidationError("Enter a 10-digit phone number, like (559) 555-0100.")


class Detail(fields.String):
    """A detail as typed, trimmed; empty means not set here (the environment's value applies)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        return text or None

    def _validate(self, value):
        if value is not None:
            super()._validate(value)


class ClinicSettingsSchema(StorableTextSchema):
    """What an admin sets; a detail left out, null or empty is not set here, and the environment's applies."""

    name = Detail(load_default=None, allow_none=True, validate=validate.Length(max=200, error="At most {max} characters."),
                  metadata={"example": "Cedar Ketamine Clinic"})
    npi = Detail(load_default=None, allow_none=True, validate=check_npi,
                 metadata={"description": "10 digits; the last is the Luhn check digit", "example": "1234567893"})
    tin = Detail(load_default=None, allow_none=True, validate=check_tin,
                 metadata={"description": "The tax ID (EIN): 9 digits, a hyphen allowed", "example": "12-3456789"})
    address = Detail(load_default=None, allow_none=True,
                     validate=validate.Length(max=300, error="At most {max} characters."),
                     metadata={"example": "12 Cedar Street, Fresno, CA 93721"})
    phone = Detail(load_default=None, allow_none=True, validate=check_phone,
                   metadata={"description": "A US number, 10 digits", "example": "(559) 555-0100"})


class ClinicSourcesSchema(Schema):
    """Where each detail in use comes from."""

    name = fields.String(required=True, validate=validate.OneOf(SOURCES))
    npi = fields.String(required=True, validate=validate.OneOf(SOURCES))
    tin = fields.String(required=True, validate=validate.OneOf(SOURCES))
    address = fields.String(required=True, validate=validate.OneOf(SOURCES))
    phone = fields.String(required=True, validate=validate.OneOf(SOURCES))


class ClinicDetailsSchema(Schema):
    """The details in use: the settings' value where set, else the environment's (empty: neither)."""

    name = fields.String(required=True)
    npi = fields.String(required=True)
    tin = fields.String(required=True)
    address = fields.String(required=True)
    phone = fields.String(required=True)
    sources = fields.Nested(ClinicSourcesSchema, required=True,
                            metadata={"description": "settings (this page/API), environment (BV_CLINIC_*) or unset"})
    missing_for_good_faith_estimate = fields.List(
        fields.String(), required=True,
        metadata={"description": "Details a Good Faith Estimate needs that are unset: it is refused until they are"})
    updated_at = fields.DateTime(allow_none=True, metadata={"description": "When an admin last saved the settings"})
