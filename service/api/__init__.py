"""The /api/v1 area: one blueprint per resource."""

from service.api import batches, billing, payers, settings, verifications, x12_fhir

BLUEPRINTS = (verifications.blp, billing.blp, payers.blp, x12_fhir.blp, batches.blp, settings.blp)


def register(api) -> None:
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
