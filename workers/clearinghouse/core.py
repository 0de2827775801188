"""CAQH CORE Connectivity vC2.2.0, SOAP 1.2: the wire Stedi's SOAP endpoint, Office Ally, Availity and
every CORE-certified clearinghouse take. No maintained library builds these envelopes, so this module
writes the request (a short template) and reads the answer (defusedxml, by local names).

Request (Connectivity Rule vC2.2.0, section 4.4; Stedi's rendering:
https://www.stedi.com/docs/api-reference/healthcare/post-healthcare-eligibility-soap):

    <soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"
                   xmlns:cor="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">
      <soap:Header>  WS-Security UsernameToken (PasswordText), when a username is configured  </soap:Header>
      <soap:Body><cor:COREEnvelopeRealTimeRequest>
        <PayloadType>X12_270_Request_005010X279A1</PayloadType> <ProcessingMode>RealTime</ProcessingMode>
        <PayloadID>uuid</PayloadID> <TimeStamp>2026-01-05T10:20:34Z</TimeStamp>
        <SenderID/> <ReceiverID/> <CORERuleVersion>2.2.0</CORERuleVersion>
        <Payload><![CDATA[ISA*...~]]></Payload>
      </cor:COREEnvelopeRealTimeRequest></soap:Body>
    </soap:Envelope>

Answer: COREEnvelopeRealTimeResponse with the same fields plus ErrorCode ("Success" or why the
envelope was refused) and ErrorMessage; PayloadType X12_271_Response_005010X279A1 for the 271,
X12_999_Response_005010X231A1 or X12_TA1_Response_00501X231A1 for a rejection. A SOAP Fault, or
HTTP 401/403, is an envelope the server refused. The other authentication CORE allows, an X.509
client certificate, is given to the TLS connection (`cert`), not to the envelope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

import defusedxml.ElementTree

from .exchange import Answer, Failure, answer_or_failure
from .transport import post, scrub

SOAP_NS = "http://www.w3.org/2003/05/soap-envelope"
CORE_NS = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
# The token's Type (a URI naming the form of the password, not a password).
PASSWORD_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"  # nosec B105
REQUEST_TYPE = "X12_270_Request_005010X279A1"
RESPONSE_271 = "X12_271_Response_005010X279A1"
RULE_VERSION = "2.2.0"
# The SOAP 1.2 action CORE's WSDL names for a real-time transaction, carried in the content type.
ACTION = "RealTimeTransaction"

_ENVELOPE = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="{soap}" xmlns:cor="{core}">
  <soap:Header>{security}</soap:Header>
  <soap:Body>
    <cor:COREEnvelopeRealTimeRequest>
      <PayloadType>{payload_type}</PayloadType>
      <ProcessingMode>RealTime</ProcessingMode>
      <PayloadID>{payload_id}</PayloadID>
      <TimeStamp>{timestamp}</TimeStamp>
      <SenderID>{sender_id}</SenderID>
      <ReceiverID>{receiver_id}</ReceiverID>
      <CORERuleVersion>{rule_version}</CORERuleVersion>
      <Payload>{payload}</Payload>
    </cor:COREEnvelopeRealTimeRequest>
  </soap:Body>
</soap:Envelope>
"""

_SECURITY = """
    <wsse:Security xmlns:wsse="{wsse}" xmlns:wsu="{wsu}" soap:mustUnderstand="true">
      <wsse:UsernameToken wsu:Id="UsernameToken-1">
        <wsse:Username>{username}</wsse:Username>
        <wsse:Password Type="{password_type}">{password}</wsse:Password>
      </wsse:UsernameToken>
    </wsse:Security>
  """


def cdata(text: str) -> str:
    """`text` as CDATA; a `]]>` inside (X12's extended character set allows `]` and `>`) split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def envelope(x12_270: str, *, payload_id: str, sender_id: str, receiver_id: str, username: str = "",
             password: str = "", timestamp: datetime | None = None) -> str:
    """The COREEnvelopeRealTimeRequest for a 270, in a SOAP 1.2 envelope."""
    stamp = (timestamp or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    security = _SECURITY.format(wsse=WSSE_NS, wsu=WSU_NS, username=escape(username), password=escape(password),
                                password_type=PASSWORD_TEXT) if username else ""
    return _ENVELOPE.format(soap=SOAP_NS, core=CORE_NS, security=security, payload_type=REQUEST_TYPE,
                            payload_id=escape(payload_id), timestamp=stamp, sender_id=escape(sender_id),
                            receiver_id=escape(receiver_id), rule_version=RULE_VERSION, payload=cdata(x12_270))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: Any, name: str) -> Any:
    return next((element for element in root.iter() if _local(element.tag) == name), None)


def _text(root: Any, name: str) -> str:
    element = _find(root, name)
    return (element.text or "").strip() if element is not None else ""


class CoreAdapter:
    name = "core"

    def __init__(self, url: str, *, sender_id: str, receiver_id: str, username: str = "", password: str = "",
                 cert: tuple[str, str] | None = None, verify: bool | str = True):
        self.url = url
        self.sender_id = sender_id
        self.receiver_id = receiver_id
        self._username = username
        self._password = password
        self._cert = cert
        self._verify = verify

    def __repr__(self) -> str:
        return f"CoreAdapter(host={urlsplit(self.url).netloc!r}, sender_id={self.sender_id!r}, receiver_id={self.receiver_id!r})"

    def send(self, x12_270: str, *, timeout: float, payload_id: str) -> Answer:
        body = envelope(x12_270, payload_id=payload_id, sender_id=self.sender_id, receiver_id=self.receiver_id,
                        username=self._username, password=self._password)
        reply = post(self.url, body.encode(), timeout=timeout, cert=self._cert, verify=self._verify, headers={
            "Content-Type": f'application/soap+xml; charset=utf-8; action="{ACTION}"',
            "Accept": "application/soap+xml, text/xml"})
        secrets = (self._username, self._password)
        try:
            root = defusedxml.ElementTree.fromstring(reply.body)
        except Exception:  # defusedxml's refusals and ParseError alike: the answer is not usable XML
            root = None
        if root is None or _local(root.tag) != "Envelope":
            if reply.status in (401, 403):
                raise Failure("envelope_rejected", f"the clearinghouse refused the credentials (HTTP {reply.status}).")
            raise Failure("envelope_rejected", f"the clearinghouse's answer (HTTP {reply.status}) is not a SOAP envelope.")
        if (fault := _find(root, "Fault")) is not None:
            code = _text(fault, "Value") or "unknown"
            reason = _text(fault, "Text") or "no reason given"
            raise Failure("envelope_rejected", scrub(f"the clearinghouse refused the envelope (SOAP fault {code}): {reason}"[:500],
                                                     *secrets))
        response = _find(root, "COREEnvelopeRealTimeResponse")
        if response is None:
            raise Failure("envelope_rejected", f"the clearinghouse's answer (HTTP {reply.status}) holds no COREEnvelopeRealTimeResponse.")
        error_code = _text(response, "ErrorCode")
        answer_id = _text(response, "PayloadID") or payload_id
        payload = _text(response, "Payload")
        if error_code and error_code != "Success":
            message = _text(response, "ErrorMessage") or "no message"
            raise Failure("envelope_rejected", scrub(f"the clearinghouse refused the envelope ({error_code}): {message}"[:500],
                                                     *secrets))
        payload_type = _text(response, "PayloadType")
        if not payload:
            raise Failure("envelope_rejected", f"the clearinghouse answered {payload_type or 'without a PayloadType'} with no Payload.")
        return answer_or_failure(payload, payload_id=answer_id, elapsed_seconds=reply.elapsed_seconds)
