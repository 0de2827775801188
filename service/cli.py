"""Command-line tasks: `python -m service keys …` (API keys), `users …` (staff sign-in) and `purge` (retention)."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from service import auth, retention, staff, webhooks
from service.extensions import db
from service.models import ApiKey, StaffUser

keys = AppGroup("keys", help="Manage API keys.")


@keys.command("create")
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--label", default="", help="Who or what uses the key.")
def create_key(role, label):
    """Create a key; it is printed once, as the last line, and only its hash is stored."""
    key, plain = auth.create_key(role, label)
    click.echo(f"Webhook signing secret (X-Signature; `keys webhook-secret {key.prefix}` shows it again):")
    click.echo(webhooks.secret_of(api_key_id=key.id))
    click.echo(f"Created {role} key {key.id} ({key.prefix}). Store it now; it cannot be shown again:")
    click.echo(plain)


@keys.command("list")
def list_keys():
    """Every key: id, prefix, role, label, created, revoked."""
    for key in db.session.scalars(select(ApiKey).order_by(ApiKey.id)):
        revoked = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.id}\t{key.prefix}\t{key.role}\t{key.label}\t{key.created_at:%Y-%m-%d}\t{revoked}")


@keys.command("revoke")
@click.argument("key")
def revoke_key(key):
    """Revoke a key, by id or prefix."""
    revoked = auth.revoke_key(key)
    if revoked is None:
        raise click.ClickException(f"No key {key}.")
    click.echo(f"Revoked key {revoked.id} ({revoked.prefix}).")


@keys.command("webhook-secret")
@click.argument("prefix")
def key_webhook_secret(prefix):
    """The secret that signs webhooks for the key with this prefix (derived from the app's secret)."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise click.ClickException(f"No key with prefix {prefix}.")
    click.echo(webhooks.secret_of(api_key_id=key.id))


users = AppGroup("users", help="Manage staff accounts for the console (sign-in at /login).")


def _password(from_stdin: bool) -> str:
    """From standard input (one line) or a hidden prompt, never from an argument that lands in shell history."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user(username: str) -> StaffUser:
    user = staff.find_user(username)
    if user is None:
        raise click.ClickException(f"No user {username}.")
    return user


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(auth.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username, role, password_stdin):
    """Create a staff account; only an argon2 hash of the password is stored."""
    if staff.find_user(username) is not None:
        raise click.ClickException(f"User {staff.normal_username(username)} already exists.")
    try:
        user = staff.create_user(username, _password(password_stdin), role)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} user {user.username}.")


@users.command("list")
def list_users():
    """Every staff account: username, role, created, disabled."""
    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.username)):
        state = f"disabled {user.disabled_at:%Y-%m-%d}" if user.disabled_at else "active"
        click.echo(f"{user.username}\t{user.role}\t{user.created_at:%Y-%m-%d}\t{state}")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(username, password_stdin):
    """Give a user a new password; their open sessions end."""
    try:
        staff.set_password(_user(username), _password(password_stdin))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Password changed for {staff.normal_username(username)}.")


@users.command("disable")
@click.argument("username")
def disable_user(username):
    """Stop a user signing in; their open sessions end."""
    staff.set_disabled(_user(username), True)
    click.echo(f"Disabled {staff.normal_username(username)}.")


@users.command("enable")
@click.argument("username")
def enable_user(username):
    """Let a disabled user sign in again."""
    staff.set_disabled(_user(username), False)
    click.echo(f"Enabled {staff.normal_username(username)}.")


@users.command("webhook-secret")
@click.argument("username")
def user_webhook_secret(username):
    """The secret that signs webhooks for verifications this user asked for with a callback_url."""
    click.echo(webhooks.secret_of(staff_user_id=_user(username).id))


@click.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep this many days instead of BV_RETENTION_DAYS.")
@with_appcontext
def purge(days):
    """Delete verifications older than the retention period (the audit trail is kept)."""
    days = days or current_app.config["RETENTION_DAYS"]
    deleted = retention.purge(days)
    click.echo(f"Deleted {deleted} verifications created more than {days} days ago.")
