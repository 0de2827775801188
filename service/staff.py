"""Staff accounts for the console: argon2 password hashes, roles, and who is signed in on this session.

A sign-in is a row on the server (staff_sessions) holding the hash of a random token; the session
cookie (Flask's, signed with the app's secret; HttpOnly, SameSite=Lax) carries the token. A session
ends when its user signs out, after STAFF_SESSION_IDLE_SECONDS without a request, and in any case
PERMANENT_SESSION_LIFETIME after signing in; a new password or a disabled account ends all of the
user's sessions. An ended session's cookie opens nothing, wherever it was copied to.
"""

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import delete, or_, select

from service.extensions import db
from service.models import StaffSession, StaffUser, utcnow
from service.roles import ROLES, has_role

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
# How stale a session's last_seen_at may get before a request writes it again: the idle timeout holds to within this.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)

_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong name costs as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash("no such user: this hash only spends the same time")


def normal_username(username: str) -> str:
    return username.strip().lower()


def check_new_credentials(username: str, password: str, role: str) -> None:
    if not USERNAME.match(normal_username(username)):
        raise ValueError("username: 2 to 64 of a-z, 0-9, . _ @ -, starting with a letter or digit")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")


def create_user(username: str, password: str, role: str) -> StaffUser:
    check_new_credentials(username, password, role)
    user = StaffUser(username=normal_username(username), password_hash=_hasher.hash(password), role=role)
    db.session.add(user)
    db.session.commit()
    return user


def find_user(username: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.username == normal_username(username)))


def set_password(user: StaffUser, password: str) -> None:
    check_new_credentials(user.username, password, user.role)
    user.password_hash = _hasher.hash(password)
    _end_sessions_of(user)
    db.session.commit()


def set_disabled(user: StaffUser, disabled: bool) -> None:
    user.disabled_at = utcnow() if disabled else None
    _end_sessions_of(user)
    db.session.commit()


def _end_sessions_of(user: StaffUser) -> None:
    db.session.execute(delete(StaffSession).where(StaffSession.staff_user_id == user.id))


def authenticate(username: str, password: str) -> StaffUser | None:
    """The active user these credentials name, or None; as slow for an unknown name as for a wrong password."""
    user = find_user(username)
    try:
        _hasher.verify(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled_at is not None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()
    return user


def _token_hash(token: str) -> str:
    # The token carries 256 random bits: a fast hash is enough, and a stolen table opens no session.
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(seconds=current_app.config["STAFF_SESSION_IDLE_SECONDS"])


def sign_in(user: StaffUser) -> None:
    now = utcnow()
    # Sessions that ended by themselves go when someone signs in: the table holds live ones and a few more.
    db.session.execute(delete(StaffSession).where(
        or_(StaffSession.expires_at <= now, StaffSession.last_seen_at <= now - _idle_limit())))
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_token_hash(token), staff_user_id=user.id, created_at=now,
                                last_seen_at=now, expires_at=now + current_app.permanent_session_lifetime))
    db.session.commit()
    # A fresh cookie: nothing set before signing in survives it.
    session.clear()
    session.permanent = True
    session["token"] = token


def sign_out() -> None:
    if token := session.get("token"):
        db.session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
        db.session.commit()
    session.clear()


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored one is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _live_session_user() -> StaffUser | None:
    token = session.get("token")
    if not isinstance(token, str):
        return None
    found = db.session.execute(
        select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
        .where(StaffSession.token_hash == _token_hash(token))
    ).first()
    now = utcnow()
    if found is None:
        return None
    live, user = found
    if _utc(live.expires_at) <= now or _utc(live.last_seen_at) <= now - _idle_limit() or user.disabled_at is not None:
        db.session.delete(live)
        db.session.commit()
        return None
    if now - _utc(live.last_seen_at) >= LAST_SEEN_RESOLUTION:
        live.last_seen_at = now
        db.session.commit()
    return user


def signed_in() -> StaffUser | None:
    """The staff user of this request's session, if the session is still live (signed in, not idle, not expired)."""
    if "staff_user" not in g:
        user = _live_session_user()
        if user is None and "token" in session:
            session.clear()
        g.staff_user = user
    return g.staff_user


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (where to go after signing in), else None: no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def page_requires(role: str):
    """Let a console page open only for a signed-in user of `role` or above; others go to the sign-in page."""

    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            user = signed_in()
            if user is None:
                return redirect(url_for("signin.sign_in", next=request.full_path.rstrip("?")))
            if not has_role(user.role, role):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_role = role
        return guarded

    return decorator
