"""Cost-share arithmetic: worked cases, then properties over generated benefits and charges."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.rules.estimate import CENT, cost_share_series
from workers.rules.request import Benefits

D = Decimal


def benefits(deductible=None, met=None, coinsurance=None, copay=None, oop=None, oop_met=None):
    as_d = lambda value: None if value is None else D(str(value))  # noqa: E731
    return Benefits(as_d(deductible), as_d(met), as_d(coinsurance), as_d(copay), as_d(oop), as_d(oop_met))


@pytest.mark.parametrize(
    "plan, lines, sessions, per_session, total",
    [
        (benefits(coinsurance=20), [("500", False)], 1, "100.00", "100.00"),
        (benefits(deductible=1000, coinsurance=20), [("500", False)], 3, "500.00", "1100.00"),
        (benefits(deductible=1000, met=900, coinsurance=20), [("500", False)], 2, "180.00", "280.00"),
        (benefits(coinsurance=50, oop=1000, oop_met=850), [("400", False)], 2, "150.00", "150.00"),
        (benefits(copay=40, coinsurance=20), [("160", True)], 3, "40.00", "120.00"),
        (benefits(copay=50), [("30", True)], 1, "30.00", "30.00"),
        (benefits(copay=40), [("500", False)], 1, "0.00", "0.00"),
        (benefits(coinsurance=20), [("123.45", False)], 1, "24.69", "24.69"),
        (benefits(coinsurance="12.5"), [("0.20", False)], 1, "0.03", "0.03"),
        (benefits(coinsurance=33), [("100.01", False)], 1, "33.00", "33.00"),
        (benefits(deductible=100, copay=30, coinsurance=20), [("160", True), ("500", False)], 2, "230.00", "360.00"),
        (benefits(deductible=500, met=800, coinsurance=10), [("200", False)], 1, "20.00", "20.00"),
        (benefits(), [("300", False)], 4, "0.00", "0.00"),
        (benefits(coinsurance=150), [("100", False)], 1, "100.00", "100.00"),
    ],
    ids=[
        "coinsurance", "deductible-spans-sessions", "deductible-partly-met", "oop-cap", "copay-visit",
        "copay-above-allowed", "copay-plan-drug-line", "rounding", "rounding-half-up", "rounding-down",
        "deductible-then-copay-and-coinsurance", "deductible-overmet", "no-cost-sharing", "coinsurance-over-100",
    ],
)
def test_worked_cost_share_cases(plan, lines, sessions, per_session, total):
    series = cost_share_series([(D(amount), visit) for amount, visit in lines], plan, sessions)
    assert series.per_session[0] == D(per_session)
    assert series.total[0] == D(total)
    allowed = sum(D(amount) for amount, _ in lines)
    assert series.total[0] + series.total[1] == allowed * sessions


def test_sessions_differ_only_when_the_deductible_or_the_cap_bites():
    assert cost_share_series([(D(500), False)], benefits(deductible=1000, coinsurance=20), 3).sessions_differ
    assert cost_share_series([(D(500), False)], benefits(coinsurance=50, oop=300), 3).sessions_differ
    assert not cost_share_series([(D(500), False)], benefits(coinsurance=20, oop=6000), 3).sessions_differ


def test_deductible_bite_is_noted_in_the_result():
    from tests.rules.builders import BENEFITS, notes, run

    result = run("commercial", services=[{"code": "90834", "charge": 160}], coverage__benefits=BENEFITS, sessions=12)
    assert "not the per-session amount times the number of sessions" in notes(result)
    assert result["estimate"]["total"]["patient"] != result["estimate"]["per_session"]["patient"] * 12


money = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
percent = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=1))
plans = st.builds(
    Benefits,
    deductible=st.one_of(st.none(), money),
    deductible_met=st.one_of(st.none(), money),
    coinsurance_percent=percent,
    copay=st.one_of(st.none(), st.decimals(min_value=0, max_value=200, places=2)),
    out_of_pocket_max=st.one_of(st.none(), st.decimals(min_value=0, max_value=10000, places=2)),
    out_of_pocket_met=st.one_of(st.none(), money),
)
line_lists = st.lists(st.tuples(money, st.booleans()), min_size=1, max_size=5)
sessions = st.integers(min_value=1, max_value=20)


def out_of_pocket_left(plan):
    if plan.out_of_pocket_max is None:
        return None
    return max(D(0), plan.out_of_pocket_max - (plan.out_of_pocket_met or D(0)))


@settings(max_examples=300, deadline=None)
@given(plan=plans, lines=line_lists, count=sessions)
def test_patient_plus_payer_is_the_allowed_amount_per_line_and_in_total(plan, lines, count):
    series = cost_share_series(lines, plan, count)
    for (allowed, _), (patient, payer), (series_patient, series_payer) in zip(lines, series.first_session, series.series):
        assert patient + payer == allowed
        assert series_patient + series_payer == allowed * count
    assert sum(series.total) == sum(allowed for allowed, _ in lines) * count


@settings(max_examples=300, deadline=None)
@given(plan=plans, lines=line_lists, count=sessions)
def test_patient_share_is_never_negative_nor_above_the_out_of_pocket_left(plan, lines, count):
    series = cost_share_series(lines, plan, count)
    left = out_of_pocket_left(plan)
    amounts = [amount for pair in series.first_session + series.series for amount in pair]
    assert all(amount >= 0 for amount in amounts)
    assert series.total[0] >= 0
    if left is not None:
        assert series.total[0] <= left


@settings(max_examples=300, deadline=None)
@given(plan=plans, lines=line_lists, count=sessions)
def test_every_amount_is_exact_to_the_cent(plan, lines, count):
    series = cost_share_series(lines, plan, count)
    amounts = [amount for pair in series.first_session + series.series for amount in pair]
    amounts += list(series.per_session) + list(series.total)
    assert all(amount == amount.quantize(CENT) for amount in amounts)


@settings(max_examples=300, deadline=None)
@given(plan=plans, lines=line_lists, count=sessions, index=st.integers(min_value=0, max_value=4), raise_by=money)
def test_patient_share_never_falls_when_a_charge_rises(plan, lines, count, index, raise_by):
    index %= len(lines)
    higher = list(lines)
    higher[index] = (lines[index][0] + raise_by, lines[index][1])
    before = cost_share_series(lines, plan, count)
    after = cost_share_series(higher, plan, count)
    assert after.total[0] >= before.total[0]
    assert after.per_session[0] >= before.per_session[0]
