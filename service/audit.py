"""The audit trail: which API key or staff user created or read which verification, and when.

Events hold ids only, never PHI, so they are kept when retention purges the verifications.
`add()` puts events in the caller's transaction (a batch's creates cost no extra commit);
`record()` commits them on their own (a read). A single verification's "create" event is written with
its row (service/verification/store.py).
"""

from dataclasses import dataclass

from service import auth
from service.extensions import db
from service.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acted: an API key, a staff user signed in to the console, or (a command, a task) neither."""

    api_key_id: int | None = None
    staff_user_id: int | None = None


def current_actor() -> Actor:
    """The caller of this request, as the auth checks left it."""
    return Actor(**auth.principal())


def add(action: str, verification_ids, actor: Actor | None = None) -> None:
    actor = actor or current_actor()
    db.session.add_all(
        AuditEvent(action=action, verification_id=verification_id, api_key_id=actor.api_key_id,
                   staff_user_id=actor.staff_user_id)
        for verification_id in verification_ids
    )


def record(action: str, verification_ids, actor: Actor | None = None) -> None:
    add(action, verification_ids, actor)
    db.session.commit()
