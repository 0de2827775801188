"""Commits that must reach the disk before they return, even in the worker, whose commits otherwise do
not wait for it (SYNCHRONOUS_COMMIT in service/config.py).

A result the worker wrote can be made again if a PostgreSQL crash undoes it: the sweep runs the
verification again. A promise the worker made cannot: a webhook delivery it scheduled (its task is
already sent), or a batch it marked complete (nothing would complete it again). Those commit durably,
and with them everything committed before them.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session


def commit_durably(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO ON"))
    session.commit()
