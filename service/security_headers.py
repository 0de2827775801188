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
    app.wsgi_app = _AlwaysHeaders(app.wsgi_app)


class _AlwaysHeaders:
    """Adds ALWAYS to every response as it is sent. The same for every response, so they are appended to the
    WSGI header list as they are, not set one by one through werkzeug's Headers, which checks each value it
    is given (a tenth of a cached POST's Python calls went there). No view sets any of them."""

    _always = list(ALWAYS.items())

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start_with_headers(status, headers, exc_info=None):
            headers.extend(self._always)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    if "Content-Security-Policy" not in headers:
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
