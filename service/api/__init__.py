"""The /api/v1 area: one blueprint per resource."""

from service.api import batches, billing, eligibility, payers, verifications

BLUEPRINTS = (verifications.blp, billing.blp, payers.blp, eligibility.blp, batches.blp)


def register(api) -> None:
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
