"""Billing's questions across many verifications: which were denied, for what, and how often."""

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import distinct, func, select

from service import exports
from service.extensions import db
from service.models import Verification, VerificationDenial


def _period(query, since, until, program):
    if since:
        query = query.where(Verification.created_at >= datetime.combine(since, time.min, timezone.utc))
    if until:
        query = query.where(Verification.created_at < datetime.combine(until + timedelta(days=1), time.min, timezone.utc))
    if program:
        query = query.where(Verification.program == program)
    return query


def matching(*, since=None, until=None, program=None, determination=None, carc=None, carrier=None):
    """The query for verifications matching billing's filters, newest first."""
    query = _period(select(Verification), since, until, program)
    if determination:
        query = query.where(Verification.determination == determination)
    if carrier:
        query = query.where(func.lower(Verification.carrier) == carrier.lower())
    if carc:
        query = query.where(
            Verification.id.in_(select(VerificationDenial.verification_id).where(VerificationDenial.carc == carc))
        )
    return query.order_by(Verification.created_at.desc(), Verification.id)


def search(*, page=1, per_page=25, **filters) -> tuple[list[Verification], int]:
    """One page of verifications, newest first, and how many match in all."""
    query = matching(**filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def export(**filters):
    """Every matching verification as CSV lines, read from the database in slices (and audited: it names patients)."""
    stored = exports.in_slices(matching(**filters))
    return exports.csv_lines(exports.COLUMNS, (exports.summary(verification) for verification in stored))


def denial_summary(*, since=None, until=None, program=None) -> list[dict]:
    """Each CARC given in the period, how many verifications gave it, split by program; commonest first."""
    rows = db.session.execute(
        _period(
            select(
                VerificationDenial.carc,
                Verification.program,
                func.max(VerificationDenial.description),
                func.count(distinct(VerificationDenial.verification_id)),
            ).join(Verification, Verification.id == VerificationDenial.verification_id),
            since,
            until,
            program,
        ).group_by(VerificationDenial.carc, Verification.program)
    ).all()
    summary: dict[str, dict] = {}
    for carc, row_program, description, count in rows:
        item = summary.setdefault(carc, {"carc": carc, "description": description, "count": 0, "programs": {}})
        item["count"] += count
        # A request the rules could not route has no program; its reasons are still billing's to count.
        item["programs"][row_program or "unrouted"] = count
    return sorted(summary.values(), key=lambda item: (-item["count"], item["carc"]))
