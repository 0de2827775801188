"""The shared catalogs: services, diagnosis groups, drug labels."""

from decimal import Decimal

import pytest

from workers.rules.catalog import DRUGS, SERVICES, diagnosis_groups


def default_session(*codes_and_units):
    return sum((SERVICES[code].default_fee * units for code, units in codes_and_units), Decimal(0))


@pytest.mark.parametrize(
    "session, low, high",
    [
        ((("96365", 1), ("96366", 1), ("J3490", 1)), 300, 1500),  # IV ketamine, a session
        ((("96372", 1), ("J3490", 1)), 275, 800),  # IM ketamine
        ((("J0013", 56),), 600, 900),  # Spravato 56 mg
    ],
    ids=["iv-ketamine", "im-ketamine", "spravato"],
)
def test_default_fee_schedule_sits_inside_published_self_pay_prices(session, low, high):
    assert low <= default_session(*session) <= high


@pytest.mark.parametrize(
    "codes",
    [["96365", "96366", "96372"], ["J3490", "J3590"], ["J0013", "S0013", "G2082", "G2083"],
     ["99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"],
     ["90791", "90792", "90832", "90833", "90834", "90836", "90837", "90838", "90847", "90853"]],
)
def test_every_service_the_issue_names_is_in_the_catalog(codes):
    assert all(code in SERVICES for code in codes)


# MDD by exact code, never the prefix F32 (DOMAIN.md "Codes": F32.0-F32.5, F32.9, F33.0-F33.3, F33.4x,
# F33.8, F33.9 are MDD; F32.81, F32.89, F32.A are not).
@pytest.mark.parametrize(
    "code, groups",
    [
        ("F43.10", {"ptsd", "psychiatric"}),
        ("F43.12", {"ptsd", "psychiatric"}),
        ("F32.A", {"depression_not_mdd", "psychiatric"}),
        ("F32.89", {"depression_not_mdd", "psychiatric"}),
        ("F32.81", {"pmdd", "psychiatric"}),
        ("F32.0", {"depression", "psychiatric"}),
        ("F32.5", {"depression", "psychiatric"}),
        ("F32.9", {"depression", "psychiatric"}),
        ("F33.2", {"depression", "psychiatric"}),
        ("F33.41", {"depression", "psychiatric"}),
        ("F33.8", {"depression", "psychiatric"}),
        ("F33.9", {"depression", "psychiatric"}),
        ("F11.20", {"substance_use", "psychiatric"}),
        ("F41.1", {"psychiatric"}),
        ("R45.851", {"suicidal_ideation", "psychiatric"}),
        ("G89.29", set()),
    ],
)
def test_diagnosis_groups(code, groups):
    assert diagnosis_groups(code) == groups


def test_only_esketamine_is_labelled_for_a_psychiatric_group():
    assert DRUGS["ketamine"].labelled_groups == frozenset()
    assert DRUGS["esketamine"].labelled_groups == {"depression"}
