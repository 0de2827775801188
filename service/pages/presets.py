"""The planned-service presets of the intake form, priced from the fee schedule the rules use."""

from workers.rules.catalog import SERVICES

# name -> (planned sessions, [(code, units)])
PRESETS = {
    "Ketamine IV series": (6, [("96365", 1), ("96366", 1), ("J3490", 1)]),
    "Ketamine IM": (6, [("96372", 1), ("J3490", 1)]),
    "Spravato": (8, [("G2082", 1), ("J0013", 56)]),
    # Medicare, TRICARE and VA CCN pay the esketamine within the visit code: billing J0013 too is CARC 97.
    "Spravato, visit code alone (Medicare, TRICARE, VA)": (8, [("G2082", 1)]),
    "Psychiatric visit": (1, [("99214", 1), ("90833", 1)]),
}


def presets() -> list[dict]:
    """Each preset's lines with the fee schedule's charge per session (fee per unit × units)."""
    return [
        {
            "name": name,
            "sessions": sessions,
            "lines": [
                {"code": code, "units": units, "charge": f"{SERVICES[code].default_fee * units:.2f}",
                 "description": SERVICES[code].description}
                for code, units in lines
            ],
        }
        for name, (sessions, lines) in PRESETS.items()
    ]
