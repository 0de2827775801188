"""The console's words for the API's values: one table per kind of value, and one way to write a date.

Every page, script and export that shows a value to a person takes its words from here (the scripts
get them through `for_scripts()`), so no snake_case value, field path or ISO date reaches a screen.
"""

import re

from workers.rules.programs import PROGRAM_NAMES

# determination -> (label, symbol, what it means)
DETERMINATIONS = {
    "covered": ("Covered", "✓", "Every line is payable as things stand."),
    "authorization_required": ("Authorization required", "!", "Payable only once a referral or prior authorization is on file."),
    "partially_covered": ("Partially covered", "◐", "Some lines are payable, some are not."),
    "not_covered": ("Not covered", "✕", "No line is payable by this payer."),
    "self_pay": ("Self-pay", "$", "No insurance is billed: the patient pays; give the Good Faith Estimate."),
    "needs_review": ("Needs review", "?", "The rules cannot decide: a person must look."),
}
STATUSES = {"pending": "Being checked", "complete": "Checked", "failed": "Could not be checked"}
REQUIREMENTS = {
    "va_referral": "VA referral",
    "prior_authorization": "Prior authorization",
    "medical_necessity_documentation": "Medical-necessity records",
    "good_faith_estimate": "Good Faith Estimate",
    "informed_consent": "Informed consent",
    "coordination_of_benefits": "Other insurance",
    "eligibility_confirmation": "Confirm the coverage",
}
AUTHORIZATION_TYPES = {"va_referral": "VA referral", "prior_authorization": "Prior authorization",
                       "referral": "Referral (TRICARE or HMO)"}
RELATIONSHIPS = {"self": "Self", "spouse": "Spouse", "child": "Child", "other": "Other"}
NETWORK_STATUSES = {"in_network": "In network", "out_of_network": "Out of network", "unknown": "Not known"}
BENEFICIARY_CATEGORIES = {
    "active_duty": "Active duty",
    "active_duty_family": "Active duty family member",
    "retiree": "Retiree",
    "retiree_family": "Retiree family member",
    "guard_reserve": "National Guard or Reserve",
    "survivor": "Survivor",
    "other": "Other",
}
# A rule's outcome in its trace.
OUTCOMES = {"pass": "Passed", "fail": "Failed", "skip": "Not checked", "info": "Noted"}  # nosec B105 -- a rule outcome, no password
# The cost-share figures an estimate takes as $0 when nobody gave them (estimate.assumed).
ASSUMED_FIGURES = {
    "deductible": "the deductible",
    "deductible_met": "the deductible already met",
    "copay": "the copay",
    "coinsurance_percent": "the coinsurance",
    "out_of_pocket_met": "the out-of-pocket amount already met",
}
# Request fields as the intake form labels them, for rule texts that name a field.
FIELD_LABELS = {
    "coverage.program": "the Program on the form",
    "coverage.carrier": "the Carrier on the form",
    "coverage.plan_type": "the Plan type on the form",
    "coverage.member_id": "the Member ID on the form",
    "coverage.network_status": "the Network status on the form",
    "coverage.beneficiary_category": "the TRICARE beneficiary on the form",
    "coverage.benefits": "the Benefits on the form",
    "coverage.authorization": "the Authorization on the form",
    "date_of_service": "the First date of service on the form",
}
# Values rule texts quote as they are: each with its words (the longest first, so va_ccn is not read as va).
VALUES = {**PROGRAM_NAMES, **{value: words.lower() for value, (words, *_) in DETERMINATIONS.items()},
          "non_covered": "not covered", **{value: words.lower() for value, words in NETWORK_STATUSES.items()}}

_FIELD = re.compile(r"\b(?:coverage|patient)\.[a-z_.]+[a-z]|\bdate_of_service\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_START = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_VALUE = re.compile(r"\b(" + "|".join(sorted((re.escape(value) for value in VALUES if "_" in value), key=len, reverse=True)) + r")\b")


def us_date(value) -> str:
    """2026-12-01 (or a datetime's ISO text) as 12/01/2026; a dash for nothing; anything else as it is."""
    if not value:
        return "—"
    found = _ISO_START.match(str(value))
    return f"{found[2]}/{found[3]}/{found[1]}" if found else str(value)


def plain(text: str | None) -> str:
    """A rule's text in the desk's words: field paths as the form's labels, US dates, values in words."""
    if not text:
        return ""
    text = _FIELD.sub(lambda found: FIELD_LABELS.get(found[0], "the form"), text)
    text = _ISO_DATE.sub(lambda found: f"{found[2]}/{found[3]}/{found[1]}", text)
    return _VALUE.sub(lambda found: VALUES[found[0]], text)


def determination(value: str | None) -> str:
    return DETERMINATIONS[value][0] if value in DETERMINATIONS else _words(value)


def program(value: str | None) -> str:
    return PROGRAM_NAMES.get(value) or _words(value)


def requirement(kind: str) -> str:
    return REQUIREMENTS.get(kind) or _words(kind)


def outcome(value: str) -> str:
    return OUTCOMES.get(value) or _words(value)


def rule(name: str) -> str:
    """A rule's name in its trace (va_ccn.referral_on_file) as words: Referral on file."""
    return _words(name.rsplit(".", 1)[-1])


def _words(value: str | None) -> str:
    """A value no table knows yet, still without underscores."""
    return (value or "").replace("_", " ").capitalize()


def choices(table: dict, values) -> list[tuple[str, str]]:
    """A picker's options: the schema's allowed values, in its order, each with its words."""
    return [(value, table.get(value) or _words(value)) for value in values]


def for_scripts() -> dict:
    """The tables the console's scripts show values with (a page hands them over as JSON)."""
    return {"programs": PROGRAM_NAMES, "determinations": {value: words for value, (words, *_) in DETERMINATIONS.items()},
            "statuses": STATUSES}
