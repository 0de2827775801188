"""One HTTP POST to a clearinghouse, with every way it can go wrong named as a `Failure`.

The line this draws is what the eligibility task retries on: only a request that never left this
machine (refused connection, unknown host, a TLS handshake that failed, a connect that timed out) is
`not_sent`; once the request may have reached the clearinghouse, a lost answer is `timeout` with
`sent=True`. Nothing is retried here (requests' default adapter retries nothing): a 270 is never
sent twice by this module.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import requests
import urllib3.exceptions

from .exchange import Failure

# An answer larger than this is not a 271 a clinic can use (the biggest real ones are tens of kB).
MAX_ANSWER_BYTES = 5 * 1024 * 1024
# Connecting takes no longer than this, whatever the payer's own timeout.
CONNECT_SECONDS = 5.0


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    elapsed_seconds: float


def post(url: str, body: bytes, *, headers: dict[str, str], timeout: float,
         cert: tuple[str, str] | None = None, verify: bool | str = True) -> Reply:
    """POST `body`; the reply whatever its status; Failure not_sent / timeout when none came. `verify`: True
    (the system's CAs) or the path of the CA certificates the server's must chain to.
    `timeout` bounds each wait for the answer's bytes, and an answer still arriving after `timeout`
    seconds in all is cut off (checked between chunks: a server trickling bytes costs at most twice it)."""
    if isinstance(verify, str) and not os.path.isfile(verify):
        raise Failure("not_sent", "BV_CLEARINGHOUSE_CA names no file on this worker's host: nothing was sent.",
                      sent=False)
    started = time.monotonic()
    deadline = started + timeout
    try:
        response = requests.post(url, data=body, headers=headers, cert=cert, verify=verify, stream=True,
                               timeout=(min(CONNECT_SECONDS, timeout), timeout), allow_redirects=False)
    except requests.exceptions.ConnectTimeout:
        raise Failure("not_sent", f"could not connect to the clearinghouse within {min(CONNECT_SECONDS, timeout):g} s.",
                      sent=False) from None
    except requests.exceptions.SSLError:
        raise Failure("not_sent", "the TLS handshake with the clearinghouse failed (certificate or protocol).",
                      sent=False) from None
    except requests.exceptions.ReadTimeout:
        raise Failure("timeout", f"no answer from the clearinghouse within {timeout:g} s.") from None
    except requests.exceptions.ConnectionError as error:
        if _never_connected(error):
            raise Failure("not_sent", "could not connect to the clearinghouse (refused, or its host name is unknown).",
                          sent=False) from None
        raise Failure("timeout", "the clearinghouse closed the connection before answering.") from None
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
        raise Failure("not_sent", "the clearinghouse URL is not a valid http(s) URL (BV_CLEARINGHOUSE_URL).",
                      sent=False) from None
    with response:
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise Failure("envelope_rejected", f"the clearinghouse's answer is larger than {MAX_ANSWER_BYTES} bytes.")
                if time.monotonic() > deadline:
                    raise Failure("timeout", f"the clearinghouse's answer did not finish within {timeout:g} s.")
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.HTTPError):
            raise Failure("timeout", "the clearinghouse's answer was cut off before it finished.") from None
        return Reply(response.status_code, response.headers.get("Content-Type", ""), b"".join(chunks),
                     time.monotonic() - started)


def _never_connected(error: BaseException) -> bool:
    """Whether the connection was never made, so the request never went out: urllib3's
    NewConnectionError (refused, unreachable, DNS) somewhere inside requests' ConnectionError."""
    stack, seen = [error], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            return True
        stack.extend(item for item in (getattr(current, "reason", None), current.__cause__, current.__context__, *current.args)
                     if isinstance(item, BaseException))
    return False


def scrub(text: str, *secrets: str) -> str:
    """`text` with every secret in it replaced, for a clearinghouse's own message quoted in a Failure."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "[redacted]")
    return text
