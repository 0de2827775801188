"""Which clearinghouse the service sends 270s to, and with what credentials: read from the environment
in this one place (BV_CLEARINGHOUSE_*), like service/config.py reads the rest.

| variable | meaning |
| --- | --- |
| BV_CLEARINGHOUSE | "" (none: staff paste 271s), "stedi" (raw X12 JSON), "core" (CAQH CORE vC2.2.0 SOAP), "fake" |
| BV_CLEARINGHOUSE_URL | the endpoint; Stedi's raw-X12 URL when unset for "stedi"; the fake's base URL for "fake" |
| BV_CLEARINGHOUSE_API_KEY | Stedi's API key (sent as the Authorization header) |
| BV_CLEARINGHOUSE_USERNAME / _PASSWORD | CORE WS-Security UsernameToken |
| BV_CLEARINGHOUSE_CERT / _KEY | files of an X.509 client certificate and its key (CORE's other authentication) |
| BV_CLEARINGHOUSE_CA | a PEM file of the CA certificates to trust for the clearinghouse's TLS, instead of the system's |
| BV_CLEARINGHOUSE_SENDER_ID / _RECEIVER_ID | CORE SenderID and ReceiverID |

Secrets are kept out of every repr, so a settings object printed or logged shows none.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .exchange import Adapter

KINDS = ("", "stedi", "core", "fake")

# Stedi's raw-X12 real-time eligibility endpoint (https://www.stedi.com/docs/api-reference/healthcare/post-healthcare-eligibility-raw-x12).
STEDI_URL = "https://healthcare.us.stedi.com/2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12"

# The fake clearinghouse's own credentials (service/clearinghouse_fake): it accepts these and no others.
FAKE_USERNAME = "fake-clinic"
# A documented test credential of the fake, never a real one.
FAKE_PASSWORD = "fake-password"  # nosec B105
FAKE_API_KEY = "fake-api-key"
FAKE_SENDER_ID = "BVCLINIC"
FAKE_RECEIVER_ID = "FAKECH"


@dataclass(frozen=True)
class Settings:
    kind: str = ""
    url: str = ""
    api_key: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    cert: str = ""  # a path, not a secret; the key file's content never passes through here
    key: str = ""
    ca: str = ""  # a path too, read where the 270 is sent (a worker's host), not checked here
    sender_id: str = ""
    receiver_id: str = ""


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The clearinghouse settings; ValueError naming the variable when one is wrong."""
    environ = os.environ if environ is None else environ

    def get(name: str) -> str:
        return (environ.get(f"BV_CLEARINGHOUSE{name}") or "").strip()

    kind = get("").lower()
    if kind not in KINDS:
        raise ValueError(f"BV_CLEARINGHOUSE must be one of stedi, core, fake or empty, not {kind!r}.")
    settings = Settings(kind=kind, url=get("_URL"), api_key=get("_API_KEY"), username=get("_USERNAME"),
                        password=get("_PASSWORD"), cert=get("_CERT"), key=get("_KEY"), ca=get("_CA"),
                        sender_id=get("_SENDER_ID"), receiver_id=get("_RECEIVER_ID"))
    if kind == "stedi":
        if not settings.api_key:
            raise ValueError("BV_CLEARINGHOUSE_API_KEY is required for BV_CLEARINGHOUSE=stedi.")
        if not settings.url:
            settings = replace(settings, url=STEDI_URL)
    elif kind == "core":
        if not settings.url:
            raise ValueError("BV_CLEARINGHOUSE_URL is required for BV_CLEARINGHOUSE=core (the CORE endpoint).")
        if not (settings.username and settings.password) and not settings.cert:
            raise ValueError("BV_CLEARINGHOUSE=core needs BV_CLEARINGHOUSE_USERNAME and _PASSWORD, "
                             "or BV_CLEARINGHOUSE_CERT (and _KEY) for a client certificate.")
        if bool(settings.username) != bool(settings.password):
            raise ValueError("BV_CLEARINGHOUSE_USERNAME and BV_CLEARINGHOUSE_PASSWORD go together.")
        if not (settings.sender_id and settings.receiver_id):
            raise ValueError("BV_CLEARINGHOUSE_SENDER_ID and BV_CLEARINGHOUSE_RECEIVER_ID are required for "
                             "BV_CLEARINGHOUSE=core (the ids the clearinghouse gave the clinic).")
    elif kind == "fake":
        if not settings.url:
            raise ValueError("BV_CLEARINGHOUSE_URL is required for BV_CLEARINGHOUSE=fake "
                             "(`make run` starts the fake and sets it).")
        settings = replace(settings, username=settings.username or FAKE_USERNAME,
                            password=settings.password or FAKE_PASSWORD,
                            sender_id=settings.sender_id or FAKE_SENDER_ID,
                            receiver_id=settings.receiver_id or FAKE_RECEIVER_ID)
    return settings


def adapter_from_settings(settings: Settings) -> Adapter | None:
    """The adapter the settings name; None when no clearinghouse is configured."""
    if not settings.kind:
        return None
    if settings.kind == "stedi":
        from .stedi import StediAdapter

        return StediAdapter(settings.url, settings.api_key, verify=settings.ca or True)
    from .core import CoreAdapter

    url = settings.url
    if settings.kind == "fake":
        url = url.rstrip("/") + "/core/realtime"  # the fake speaks CORE SOAP there (and Stedi's wire too)
    return CoreAdapter(url, sender_id=settings.sender_id, receiver_id=settings.receiver_id,
                       username=settings.username, password=settings.password,
                       cert=(settings.cert, settings.key) if settings.cert else None, verify=settings.ca or True)


def adapter_from_env(environ: Mapping[str, str] | None = None) -> Adapter | None:
    """The configured adapter, None when BV_CLEARINGHOUSE is unset or empty; ValueError naming the
    variable when the settings are incomplete."""
    return adapter_from_settings(settings_from_env(environ))
