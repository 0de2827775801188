"""Bounds on what a request may send, answered in the contract's error shape: 413 for a body over the
limit (sent with a Content-Length or chunked), 414 for a request line over MAX_URL_BYTES.

gunicorn refuses request lines longer than its `limit_request_line` itself, in HTML; gunicorn.conf.py
sets that to its maximum (8190), above this limit, so every URL from 4 KiB to 8 KiB gets this JSON
answer, and only a longer one gets gunicorn's page.
"""

from flask import Flask, Request, request
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

# The longest method, path and query string an answer is given for (bytes, as sent).
MAX_URL_BYTES = 4096


class BoundedRequest(Request):
    """Flask's request, but a chunked body that reaches the limit is a 413: werkzeug stops reading a chunked
    body at the limit and hands on what it read, which then failed as "not valid JSON" or a broken CSV."""

    def get_data(self, cache=True, as_text=False, parse_form_data=False):
        data = super().get_data(cache=cache, as_text=False, parse_form_data=parse_form_data)
        limit = self.max_content_length
        # At the limit exactly counts as over it: the stream cannot tell whether more was sent.
        if self.content_length is None and limit is not None and len(data) >= limit:
            raise RequestEntityTooLarge()
        return data.decode(errors="replace") if as_text else data


def refuse_long_urls():
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(uri) > MAX_URL_BYTES:
        raise RequestURITooLarge(f"The URL is longer than {MAX_URL_BYTES} bytes.")


def init_app(app: Flask) -> None:
    app.request_class = BoundedRequest
    app.before_request(refuse_long_urls)
