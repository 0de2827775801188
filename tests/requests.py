"""Verification request bodies for tests, built from a realistic base."""

import copy

from service.models import VerificationDenial
from service.verification.row import denial_rows, result_columns
from tests.rules.builders import VA_REFERRAL, make_request

# The contract's example: a veteran with a TriWest VA CCN referral for an IV ketamine series.
VETERAN_WITH_REFERRAL = make_request("va_ccn", coverage__authorization=VA_REFERRAL)


def body(base=VETERAN_WITH_REFERRAL, **changes) -> dict:
    """A deep copy of `base` with dotted-path changes: body(**{"coverage.member_id": "X"}); None deletes."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is None and isinstance(target, dict):
            target.pop(last, None)
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return data


def record_result(verification, result: dict) -> None:
    """Fill a new Verification (the ORM's, not yet saved) with a finished result, as the worker would."""
    for column, value in result_columns(result, cached=False).items():
        setattr(verification, column, value)
    verification.denials = [VerificationDenial(**denial) for denial in denial_rows(result)]
