"""The clinic's own details (name, NPI, TIN, address, phone), as Good Faith Estimates, 270 inquiries, FHIR
views and the console's pages name it.

An admin sets them on the settings page (or PUT /api/v1/settings/clinic); a detail not set there comes
from the environment (BV_CLINIC_*). Every reader asks `clinic_details()`, so the two never disagree.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, g

from service.audit import Actor, current_actor, current_origin
from service.extensions import db
from service.models import AuditEvent, ClinicSettings, utcnow

SETTINGS_ROW = 1
# Each detail and the setting (service/config.py, from BV_<setting>) that fills it when the page leaves it unset.
ENVIRONMENT = {"name": "CLINIC_NAME", "npi": "CLINIC_NPI", "tin": "CLINIC_TIN", "address": "CLINIC_ADDRESS",
               "phone": "CLINIC_PHONE"}
# What the No Surprises Act requires a Good Faith Estimate to name of its provider (45 CFR 149.610(c)),
# in the words the refusal uses.
GOOD_FAITH_ESTIMATE_NEEDS = {"name": "name", "npi": "NPI", "tin": "TIN", "address": "address"}


@dataclass(frozen=True)
class ClinicDetails:
    """The details in use; an empty string is set nowhere."""

    name: str = ""
    npi: str = ""
    tin: str = ""
    address: str = ""
    phone: str = ""
    # Per detail: "settings", "environment" or "unset".
    sources: tuple[tuple[str, str], ...] = ()
    updated_at: datetime | None = None

    def source(self, field: str) -> str:
        return dict(self.sources).get(field, "unset")

    def missing_for_good_faith_estimate(self) -> list[str]:
        return [field for field in GOOD_FAITH_ESTIMATE_NEEDS if not getattr(self, field)]


def _row() -> ClinicSettings | None:
    return db.session.get(ClinicSettings, SETTINGS_ROW)


def clinic_details() -> ClinicDetails:
    """The clinic as every page and document names it: the settings' value where set, else the environment's.
    Read once per request."""
    if "clinic_details" not in g:
        g.clinic_details = _details(_row())
    return g.clinic_details


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes, which were stored as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _details(row: ClinicSettings | None) -> ClinicDetails:
    values, sources = {}, []
    for field, setting in ENVIRONMENT.items():
        stored = (getattr(row, field) or "").strip() if row else ""
        configured = (current_app.config.get(setting) or "").strip()
        values[field] = stored or configured
        sources.append((field, "settings" if stored else "environment" if configured else "unset"))
    return ClinicDetails(**values, sources=tuple(sources), updated_at=_utc(row.updated_at) if row else None)


def stored_settings() -> dict[str, str | None]:
    """What the settings hold, detail by detail (None: not set here)."""
    row = _row()
    return {field: getattr(row, field) if row else None for field in ENVIRONMENT}


def save(settings: dict[str, str | None], actor: Actor | None = None) -> ClinicDetails:
    """Store the details (None: not set here, the environment's applies), with an audit event naming the
    details that changed (never their values), in one commit."""
    row = _row()
    if row is None:
        row = ClinicSettings(id=SETTINGS_ROW)
        db.session.add(row)
    changed = [field for field in ENVIRONMENT if getattr(row, field) != settings.get(field)]
    for field in ENVIRONMENT:
        setattr(row, field, settings.get(field))
    row.updated_at = utcnow()
    actor, origin = actor or current_actor(), current_origin()
    db.session.add(AuditEvent(action="settings", endpoint=origin.endpoint, query=f"changed={','.join(changed)}"[:500],
                              remote_addr=origin.remote_addr, api_key_id=actor.api_key_id,
                              staff_user_id=actor.staff_user_id))
    db.session.commit()
    g.pop("clinic_details", None)
    return clinic_details()


def described(details: ClinicDetails) -> dict:
    """The details as the API shows them: values, where each comes from, and what an estimate still lacks."""
    return {**{field: getattr(details, field) for field in ENVIRONMENT}, "sources": dict(details.sources),
            "missing_for_good_faith_estimate": details.missing_for_good_faith_estimate(),
            "updated_at": details.updated_at}
