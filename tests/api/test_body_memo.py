"""A body validated once and remembered (service/body_memo.py) gives exactly what validating it afresh gives."""

from schemas.verification_request import VerificationRequestSchema
from service.body_memo import Validated
from service.verification.accept import request_columns
from tests.requests import body


def test_a_remembered_body_gives_the_columns_of_one_validated_afresh(app):
    payload = body(**{"coverage.member_id": "MEMO12345"})
    with app.app_context():
        fresh = request_columns(VerificationRequestSchema().load(payload))
        remembered = Validated(VerificationRequestSchema().load(payload))
        first, again = request_columns(remembered), request_columns(remembered)

    assert first == fresh and again is first, "worked out once, the same as without the memo"
