"""Staff accounts for the console: argon2 password hashes, roles, and who is signed in on this session.

The session cookie (Flask's, signed with the app's secret; HttpOnly, SameSite=Lax) holds the user's
id and a stamp derived from the password hash, so changing a password or disabling the account
ends every session at its next request.
"""

import functools
import re
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select

from service.extensions import db
from service.models import StaffUser, utcnow
from service.roles import ROLES, has_role
from service.signing import sign

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

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
    db.session.commit()


def set_disabled(user: StaffUser, disabled: bool) -> None:
    user.disabled_at = utcnow() if disabled else None
    db.session.commit()


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


def _stamp(user: StaffUser) -> str:
    return sign("staff-session", f"{user.id}:{user.password_hash}".encode())[:32]


def sign_in(user: StaffUser) -> None:
    # A fresh session: nothing set before signing in survives it.
    session.clear()
    session.permanent = True
    session["staff_user"] = user.id
    session["stamp"] = _stamp(user)


def sign_out() -> None:
    session.clear()


def signed_in() -> StaffUser | None:
    """The staff user of this request's session, if the session is still good."""
    if "staff_user" not in g:
        user = db.session.get(StaffUser, session["staff_user"]) if "staff_user" in session else None
        if user is not None and (user.disabled_at is not None or session.get("stamp") != _stamp(user)):
            session.clear()
            user = None
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
