"""API keys: making them, storing only their hash, and checking role on each call (a key, or a signed-in staff user)."""

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from flask import current_app, g, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from service import staff
from service.api_docs import Blueprint
from service.errors import reject
from service.extensions import csrf, db
from service.models import ApiKey, utcnow
from service.roles import ROLES, has_role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
KEY_PREFIX = "bvk_"
# The largest id an api_keys row can have (an INTEGER column).
MAX_KEY_ID = 2**31 - 1
SECURITY = [{"bearerAuth": []}, {"apiKeyHeader": []}]
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def _hash(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and keeps every call cheap.
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(role: str, label: str = "") -> tuple[ApiKey, str]:
    """A new key of `role`; the plain key is returned once and never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    prefix = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(prefix=prefix, key_hash=_hash(plain), role=role, label=label)
    db.session.add(key)
    db.session.commit()
    return key, plain


@dataclass(frozen=True)
class KeyOnFile:
    """What a request needs of its API key: who (for the audit trail and the rate limit) and which role."""

    id: int
    role: str
    key_hash: str
    revoked: bool


def _on_file(prefix: str) -> KeyOnFile | None:
    """The stored key with this prefix, remembered by this process for KEY_CACHE_SECONDS: a key is looked
    up once per few seconds, not on every call, and a revocation elsewhere reaches every process in that time."""
    remembered = _remembered()
    now = time.monotonic()
    if (entry := remembered.get(prefix)) is not None and entry[0] > now:
        return entry[1]
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        return None  # unknown prefixes are not remembered: guessing cannot fill the memory
    on_file = KeyOnFile(key.id, key.role, key.key_hash, key.revoked_at is not None)
    remembered[prefix] = (now + current_app.config["KEY_CACHE_SECONDS"], on_file)
    return on_file


def _remembered() -> dict[str, tuple[float, KeyOnFile]]:
    """This app's keys on file by prefix, each with the monotonic time it must be read again."""
    return current_app.extensions.setdefault("api_keys_on_file", {})


def find_key(plain: str) -> KeyOnFile | None:
    """The live key `plain` names, or None; the hash comparison takes the same time whatever it finds."""
    if not plain.startswith(KEY_PREFIX) or plain.count("_") < 2:
        return None
    prefix = plain[len(KEY_PREFIX):].split("_", 1)[0]
    key = _on_file(prefix)
    stored = key.key_hash if key else _hash(secrets.token_hex(8))
    if not hmac.compare_digest(stored, _hash(plain)) or key is None or key.revoked:
        return None
    return key


def revoke_key(key_id_or_prefix: str) -> ApiKey | None:
    """Revoke the key with this prefix, or else with this id: a prefix may be all digits too (hex)."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == key_id_or_prefix))
    if key is None and key_id_or_prefix.isdigit() and int(key_id_or_prefix) <= MAX_KEY_ID:
        key = db.session.get(ApiKey, int(key_id_or_prefix))
    if key and key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    if key:
        _remembered().pop(key.prefix, None)
    return key


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-API-Key") or None


def current_key() -> KeyOnFile | None:
    """The live key this request presents, looked up once per request (the rate limiter asks first); None without one."""
    if "api_key_found" not in g:
        plain = presented_key()
        g.api_key_found = find_key(plain) if plain else None
    return g.api_key_found


def principal() -> dict:
    """Who is calling, as the columns that record it: {"api_key_id": …, "staff_user_id": …}."""
    key, user = g.get("api_key"), g.get("staff_user")
    return {"api_key_id": key.id if key else None, "staff_user_id": user.id if user and not key else None}


def caller_role() -> str | None:
    """The role the checks let this request in with: the key's, or the signed-in staff user's."""
    key, user = g.get("api_key"), g.get("staff_user")
    return key.role if key else user.role if user else None


def _key_allows(role: str) -> None:
    key = current_key()
    if key is None:
        reject(401, "That API key is not valid or has been revoked.", **{"WWW-Authenticate": "Bearer"})
    if not has_role(key.role, role):
        reject(403, f"This needs the {role} role; the key has {key.role}.")
    g.api_key = key


def _session_allows(user, role: str) -> None:
    if not has_role(user.role, role):
        reject(403, f"This needs the {role} role; your account has {user.role}.")
    if request.method not in SAFE_METHODS:
        # A cookie rides along on any site's request; the token proves the console's own page sent it.
        try:
            csrf.protect()
        except CSRFError:
            reject(403, "Send the page's CSRF token in the X-CSRFToken header (reload the page to get a new one).")


def requires(role: str):
    """Let the view run only for a key (or a signed-in staff user) of `role` or above: 401 without, 403 below.

    A key wins when both are present. A staff session must send the CSRF token on unsafe methods.
    """

    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if presented_key():
                _key_allows(role)
            elif (user := staff.signed_in()) is not None:
                _session_allows(user, role)
            else:
                reject(401, "Send an API key: Authorization: Bearer <key> or X-API-Key: <key>.",
                       **{"WWW-Authenticate": "Bearer"})
            return view(*args, **kwargs)

        guarded.required_role = role
        return Blueprint.doc(
            security=SECURITY,
            # By name, so flask-smorest adds each (lazily registered) response to the document.
            responses={"401": "UNAUTHORIZED", "403": "FORBIDDEN", "429": "TOO_MANY_REQUESTS",
                       "503": "SERVICE_UNAVAILABLE"},
        )(guarded)

    return decorator
