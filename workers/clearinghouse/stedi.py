"""Stedi's raw-X12 real-time eligibility endpoint: the project's own 270, unchanged, in JSON.

The exchange followed (https://www.stedi.com/docs/api-reference/healthcare/post-healthcare-eligibility-raw-x12):

    POST https://healthcare.us.stedi.com/2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12
    Authorization: <api key>
    Content-Type: application/json

    {"x12": "ISA*00*...~GS*HS*...~ST*270*...~...~IEA*1*...~"}

    200 application/json
    {"meta": {"traceId": "...", ...}, "controlNumber": "...", ..., "errors": [...AAA...], "x12": "ISA*...~ST*271*...~"}

The JSON fields beside `x12` are Stedi's reading of the 271; this adapter keeps only `x12` (the
service reads the 271 itself, as it reads a pasted one) and `meta.traceId` as the request's id. A
non-2xx answer carries `errors` (code, description, followupAction; sometimes a 999 in `x12`);
401/403 mean the key was refused.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from .exchange import Answer, Failure, answer_or_failure
from .transport import post, scrub


class StediAdapter:
    name = "stedi"

    def __init__(self, url: str, api_key: str, verify: bool | str = True):
        self.url = url
        self._api_key = api_key
        self._verify = verify

    def __repr__(self) -> str:
        return f"StediAdapter(host={urlsplit(self.url).netloc!r})"

    def request_body(self, x12_270: str) -> bytes:
        return json.dumps({"x12": x12_270}).encode()

    def send(self, x12_270: str, *, timeout: float, payload_id: str) -> Answer:
        reply = post(self.url, self.request_body(x12_270), timeout=timeout, verify=self._verify,
                     headers={"Authorization": self._api_key, "Content-Type": "application/json",
                              "Accept": "application/json"})
        if reply.status in (401, 403):
            raise Failure("envelope_rejected", f"Stedi refused the API key (HTTP {reply.status}): check BV_CLEARINGHOUSE_API_KEY.")
        if reply.status in (408, 504):
            raise Failure("timeout", f"the payer did not answer in time (Stedi answered HTTP {reply.status}).")
        try:
            data = json.loads(reply.body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise Failure("envelope_rejected", f"Stedi's answer (HTTP {reply.status}) is not the documented JSON.")
        request_id = str((data.get("meta") or {}).get("traceId") or payload_id)
        x12 = data.get("x12")
        if isinstance(x12, str) and x12.strip():
            return answer_or_failure(x12, payload_id=request_id, elapsed_seconds=reply.elapsed_seconds)
        raise Failure("envelope_rejected", f"Stedi did not send the 270 on (HTTP {reply.status}): "
                      + scrub(_errors(data), self._api_key))


def _errors(data: dict) -> str:
    """Stedi's `errors` by code and follow-up action: a description may quote the request's values
    (a name, an id), so it is left out."""
    words = []
    for error in data.get("errors") or ():
        if isinstance(error, dict) and (error.get("code") or error.get("followupAction")):
            words.append(" ".join(str(part) for part in (
                f"code {error['code']}" if error.get("code") else "", error.get("followupAction") or "") if part))
    return ("; ".join(words) or "no reason given")[:500] + "."
