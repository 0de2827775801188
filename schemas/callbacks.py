"""The callback_url a verification or batch may carry: http(s) to a host and port on the service's allowlist only.

The allowlist (BV_WEBHOOK_ALLOWED_HOSTS, host or host:port; a host alone means port 443) keeps the
service from being used to reach anything else on its network (SSRF); an empty list turns webhooks
off. Names are checked here; the address a name resolves to is checked when the POST is made
(service/webhooks.py).
"""

from urllib.parse import urlsplit

from flask import current_app
from marshmallow import ValidationError, fields

DEFAULT_PORTS = {"http": 80, "https": 443}


def refusal(url: str) -> str | None:
    """Why the service will not POST to `url`, or None when it will. Never quotes the URL."""
    allowed = current_app.config["WEBHOOK_ALLOWED_HOSTS"]
    if not allowed:
        return "Webhooks are turned off on this service (no allowed hosts are configured)."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Must be an http or https URL."
    if parts.username or parts.password:
        return "Must not carry a user name or password."
    target = f"{parts.hostname.lower()}:{port or DEFAULT_PORTS[parts.scheme]}"
    if target not in {entry if ":" in entry else f"{entry}:443" for entry in allowed}:
        return "That host and port are not on this service's webhook allowlist."
    return None


class CallbackUrl(fields.String):
    """An absolute http(s) URL whose host the service may POST results to."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description",
            "Where to POST the result when it is finished, signed with X-Signature: sha256=<HMAC of the body>; "
            "the host must be on the service's allowlist.",
        )
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        url = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(url) > 2000:
            raise ValidationError("At most 2000 characters.")
        if (reason := refusal(url)) is not None:
            raise ValidationError(reason)
        return url
