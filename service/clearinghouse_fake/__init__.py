"""A fake clearinghouse that ships with the project, so a newcomer can try "check with the payer"
without a contract: `python -m service.clearinghouse_fake --port 8090`, or `make run` with
BV_CLEARINGHOUSE=fake (the launcher starts it on a free loopback port). Its own WSGI app, never part
of the service's: nothing of the main app reaches it.

It speaks both wires as their vendors document them:

| wire | path | credentials it accepts |
| --- | --- | --- |
| Stedi raw X12 (JSON `{"x12": "<270>"}`) | `POST /2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12` | `Authorization: fake-api-key` |
| CAQH CORE vC2.2.0 SOAP 1.2 (COREEnvelopeRealTimeRequest) | `POST /core/realtime` | UsernameToken `fake-clinic` / `fake-password` |

It answers from real 271s (`samples/`), rewritten to the 270's subscriber (name, member id, birth
date), its trace number (TRN) and fresh control numbers. The member id chooses the answer:

| member id | answer |
| --- | --- |
| `BVAAA42` | a 271 with AAA*Y**42*R: the payer cannot respond now (retry later) |
| `BVREJECT999` | a 999 rejecting the 270 (the subscriber's NM109) |
| `BVTIMEOUT` | nothing until `--hang-seconds` (120) have passed: longer than any payer timeout |
| `BVSLOW` | the active 271, after `--slow-seconds` (5) |
| `BVINACTIVE` | a 271 with EB*6: coverage inactive |
| `BVNOTFOUND` | a 271 with AAA*N**72*C: invalid member id |
| anything else | an active plan (Aetna Choice POS II, with deductible, out-of-pocket and mental-health benefits) |

Wrong credentials get the wire's own refusal: HTTP 401 on Stedi's, a COREEnvelopeRealTimeResponse
with ErrorCode `UnAuthorized` on CORE's (a missing envelope field: `<Field>Required`). A 270 the fake
cannot read gets a 999. It keeps nothing and logs no request content.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape

import defusedxml.ElementTree
from flask import Flask, Response, request

from workers.clearinghouse.core import CORE_NS, RESPONSE_271, RULE_VERSION, SOAP_NS, WSSE_NS, cdata
from workers.clearinghouse.settings import FAKE_API_KEY, FAKE_PASSWORD, FAKE_USERNAME

from . import answers

STEDI_PATH = "/2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12"
CORE_PATH = "/core/realtime"
RESPONSE_999 = "X12_999_Response_005010X231A1"
CORE_FIELDS = ("PayloadType", "ProcessingMode", "PayloadID", "TimeStamp", "SenderID", "ReceiverID", "CORERuleVersion", "Payload")

MEMBERS = {
    "BVAAA42": "unable_to_respond",
    "BVREJECT999": "reject_999",
    "BVTIMEOUT": "hang",
    "BVSLOW": "slow",
    "BVINACTIVE": "inactive",
    "BVNOTFOUND": "invalid_member",
}


def answer_for(x12_270: str, *, slow_seconds: float, hang_seconds: float) -> tuple[str, str]:
    """("271" or "999", its text) for a 270, after the wait its member id asks for."""
    try:
        inquiry = answers.read_270(x12_270)
    except Exception:  # a 270 the fake cannot read is rejected, as a clearinghouse's front end would
        return "999", answers.rejection_999(x12_270)
    member_id = (inquiry.subscriber.member_id or (inquiry.dependent.member_id if inquiry.dependent else "") or "").upper()
    case = MEMBERS.get(member_id, "active")
    if case == "hang":
        time.sleep(hang_seconds)
    if case == "slow":
        time.sleep(slow_seconds)
    writers: dict[str, Callable[[str], str]] = {
        "unable_to_respond": answers.unable_to_respond_271, "inactive": answers.inactive_271,
        "invalid_member": answers.invalid_member_271,
    }
    if case == "reject_999":
        return "999", answers.rejection_999(x12_270)
    return "271", writers.get(case, answers.active_271)(x12_270)


def _core_response(fields: dict[str, str], *, payload_type: str, payload: str, error_code: str = "Success",
                   error_message: str = "None") -> Response:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="{SOAP_NS}">
  <soap:Body>
    <cor:COREEnvelopeRealTimeResponse xmlns:cor="{CORE_NS}">
      <PayloadType>{escape(payload_type)}</PayloadType>
      <ProcessingMode>RealTime</ProcessingMode>
      <PayloadID>{escape(fields.get("PayloadID") or str(uuid.uuid4()))}</PayloadID>
      <TimeStamp>{stamp}</TimeStamp>
      <SenderID>{escape(fields.get("ReceiverID") or "FAKECH")}</SenderID>
      <ReceiverID>{escape(fields.get("SenderID") or "")}</ReceiverID>
      <CORERuleVersion>{RULE_VERSION}</CORERuleVersion>
      <Payload>{cdata(payload) if payload else ""}</Payload>
      <ErrorCode>{escape(error_code)}</ErrorCode>
      <ErrorMessage>{escape(error_message)}</ErrorMessage>
    </cor:COREEnvelopeRealTimeResponse>
  </soap:Body>
</soap:Envelope>
"""
    return Response(body, status=200, content_type="application/soap+xml; charset=utf-8")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _core_fields(root) -> tuple[dict[str, str], tuple[str, str]]:
    """The COREEnvelopeRealTimeRequest's fields and the UsernameToken's (username, password)."""
    fields: dict[str, str] = {}
    request_element = next((e for e in root.iter() if _local(e.tag) == "COREEnvelopeRealTimeRequest"), None)
    for element in request_element.iter() if request_element is not None else ():
        if _local(element.tag) in CORE_FIELDS:
            fields[_local(element.tag)] = (element.text or "").strip()
    token = next((e for e in root.iter(f"{{{WSSE_NS}}}UsernameToken")), None)
    if token is None:
        return fields, ("", "")
    return fields, ((token.findtext(f"{{{WSSE_NS}}}Username") or "").strip(), token.findtext(f"{{{WSSE_NS}}}Password") or "")


def create_app(*, slow_seconds: float = 5.0, hang_seconds: float = 120.0) -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index():
        return Response(__doc__, content_type="text/plain; charset=utf-8")

    @app.post(STEDI_PATH)
    def stedi():
        if request.headers.get("Authorization", "").removeprefix("Key ").strip() != FAKE_API_KEY:
            return {"message": "Unauthorized"}, 401
        data = request.get_json(silent=True)
        x12 = data.get("x12") if isinstance(data, dict) else None
        if not isinstance(x12, str) or not x12.strip():
            return {"errors": [{"code": "33", "description": "The request body needs an x12 string.",
                                "followupAction": "Please Correct and Resubmit"}]}, 400
        kind, text = answer_for(x12, slow_seconds=slow_seconds, hang_seconds=hang_seconds)
        meta = {"traceId": uuid.uuid4().hex.upper(), "applicationMode": "test", "senderId": "FAKECH"}
        if kind == "999":
            return {"meta": meta, "errors": [{"code": "33", "followupAction": "Please Correct and Resubmit"}], "x12": text}, 400
        return {"meta": meta, "x12": text}

    @app.post(CORE_PATH)
    def core():
        try:
            root = defusedxml.ElementTree.fromstring(request.get_data())
        except Exception:  # not XML (or XML defusedxml refuses): a SOAP 1.2 sender fault
            return Response(_fault("soap:Sender", "The request is not a SOAP 1.2 envelope."), status=400,
                            content_type="application/soap+xml; charset=utf-8")
        fields, (username, password) = _core_fields(root)
        if (username, password) != (FAKE_USERNAME, FAKE_PASSWORD):
            return _core_response(fields, payload_type="CoreEnvelopeError", payload="", error_code="UnAuthorized",
                                  error_message="The UsernameToken was not accepted.")
        for name in CORE_FIELDS:
            if not fields.get(name):
                return _core_response(fields, payload_type="CoreEnvelopeError", payload="", error_code=f"{name}Required",
                                      error_message=f"{name} is required.")
        if fields["PayloadType"] != "X12_270_Request_005010X279A1":
            return _core_response(fields, payload_type="CoreEnvelopeError", payload="", error_code="PayloadTypeIllegal",
                                  error_message="Only X12_270_Request_005010X279A1 is answered here.")
        if fields["ProcessingMode"] != "RealTime":
            return _core_response(fields, payload_type="CoreEnvelopeError", payload="", error_code="ProcessingModeIllegal",
                                  error_message="Only RealTime is answered here.")
        if fields["CORERuleVersion"] != RULE_VERSION:
            return _core_response(fields, payload_type="CoreEnvelopeError", payload="", error_code="VersionMismatch",
                                  error_message=f"CORERuleVersion must be {RULE_VERSION}.")
        kind, text = answer_for(fields["Payload"], slow_seconds=slow_seconds, hang_seconds=hang_seconds)
        return _core_response(fields, payload_type=RESPONSE_999 if kind == "999" else RESPONSE_271, payload=text)

    return app


def _fault(code: str, reason: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body><soap:Fault>'
            f"<soap:Code><soap:Value>{code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang=\"en\">"
            f"{escape(reason)}</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>")
