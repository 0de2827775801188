"""The callback_url a verification or batch may carry: http(s) to a host on the service's allowlist only.

The allowlist (BV_WEBHOOK_ALLOWED_HOSTS, host or host:port) keeps the service from being used to
reach anything else on its network (SSRF); an empty list turns webhooks off.
"""

from urllib.parse import urlsplit

from flask import current_app
from marshmallow import ValidationError, fields


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
    host = parts.hostname.lower()
    if host not in allowed and f"{host}:{port or (443 if parts.scheme == 'https' else 80)}" not in allowed:
        return "That host is not on this service's webhook allowlist."
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
