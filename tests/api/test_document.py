"""A verification's JSON: the fast path (a cached result's bytes spliced in, never parsed) answers
byte for byte what the plain path (the document built as a dict, then serialized) answers."""

import orjson

from service.json_text import SerializedJSON
from service.models import utcnow
from service.verification import row
from service.verification.document import document, document_json
from tests.api.conftest import result


def test_a_cached_results_bytes_spliced_in_are_the_plain_documents_bytes(app):
    finished = result("commercial", "not_covered", "55", "242") | {"lines": [{"code": "96365", "covered": False}]}
    columns = row.result_columns(finished, cached=True, completed_at=utcnow())
    parsed = row.new({"request": {}, "request_digest": "d" * 64, "fingerprint": "f" * 64, "carrier": "Aetna",
                      "callback_url": None}, **columns)
    spliced = parsed._replace(result=SerializedJSON(orjson.dumps(finished).decode()))

    with app.test_request_context():
        plain = orjson.dumps(document(parsed))
        assert document_json(spliced) == plain
        assert document_json(parsed) == plain
        assert document(spliced) == document(parsed)
