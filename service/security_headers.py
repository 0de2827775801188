"""Headers on every response: a strict Content-Security-Policy, no framing, no MIME sniffing, no
referrer, and `Cache-Control: no-store` on the API and on every HTML page (they may show PHI).

Pages carry no inline script or style, so `default-src 'self'` holds everywhere but the API docs
page, whose one inline script (flask-smorest's Swagger UI loader) is allowed by its hash.
"""

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

STRICT_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # One pass over the names already set: each look-up in werkzeug's Headers is a scan of the list.
    present = {name.lower() for name in headers.keys()}
    headers.extend((name, value) for name, value in ALWAYS.items() if name.lower() not in present)
    if "content-security-policy" not in present:
        headers["Content-Security-Policy"] = _docs_policy(response) if request.endpoint == DOCS_ENDPOINT else STRICT_POLICY
    if request.path.startswith("/api/") or response.mimetype == "text/html":
        headers["Cache-Control"] = "no-store"
    return response


def _docs_policy(response: Response) -> str:
    """Swagger UI from its configured origin, and the page's own inline script by hash."""
    parts = urlsplit(current_app.config.get("OPENAPI_SWAGGER_UI_URL") or "")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(response.get_data())
    )
    return (
        f"default-src 'self'; script-src 'self' {origin} {hashes}; style-src 'self' {origin} 'unsafe-inline'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )
