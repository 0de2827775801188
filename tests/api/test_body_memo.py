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


def test_parameters_left_out_get_their_defaults_and_sent_ones_are_still_checked(client, auth):
    # The first POST without ?wait= or Idempotency-Key has the defaults loaded; later ones reuse them. A
    # request that sends either is validated as before, whatever came first.
    url = "/api/v1/verifications"
    plain = [client.post(url, json=body(**{"coverage.member_id": f"DEF{n}0001"}), headers=auth()) for n in range(2)]
    too_long = client.post(url, json=body(), headers={**auth(), "Idempotency-Key": "k" * 201})
    not_a_number = client.post(url + "?wait=soon", json=body(), headers=auth())
    keyed = [client.post(url, json=body(**{"coverage.member_id": "DEF90001"}), headers={**auth(), "Idempotency-Key": "same"})
             for _ in range(2)]
    plain_again = client.post(url, json=body(**{"coverage.member_id": "DEF30001"}), headers=auth())

    assert [answer.status_code for answer in plain] == [202, 202], "no wait: answered at once"
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.json["error"]["fields"]
    assert not_a_number.status_code == 422 and "wait" in not_a_number.json["error"]["fields"]
    assert keyed[1].json["id"] == keyed[0].json["id"], "the sent key is used"
    assert plain_again.status_code == 202 and plain_again.json["id"] not in {answer.json["id"] for answer in keyed}
