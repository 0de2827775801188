"""Cost-share arithmetic: worked cases, then properties over generated benefits and charges."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.rules.estimate import CENT, assumed_figures, cost_share_series
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
        (benefits(copay=0, coinsurance=20), [("160", True)], 2, "32.00", "64.00"),
        (benefits(copay=0), [("160", True)], 2, "0.00", "0.00"),
        (benefits(copay="0.00", coinsurance=20, deductible=100), [("160", True)], 1, "112.00", "112.00"),
    ],
    ids=[
        "coinsurance", "deductible-spans-sessions", "deductible-partly-met", "oop-cap", "copay-visit",
        "copay-above-allowed", "copay-plan-drug-line", "rounding", "rounding-half-up", "rounding-down",
        "deductible-then-copay-and-coinsurance", "deductible-overmet", "no-cost-sharing", "coinsurance-over-100",
        # CONTRACT.md / the estimates rule: a copay of 0 does not waive the coinsurance.
        "zero-copay-keeps-coinsurance", "zero-copay-only", "zero-copay-after-deductible",
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


# CONTRACT.md "Policy versus eligibility": a cost-share figure nobody gave is unknown, not zero; the
# estimate says which figures it assumed.
@pytest.mark.parametrize(
    "plan, visits, assumed",
    [
        (benefits(deductible=1500, met=250, coinsurance=20, copay=40, oop=6000, oop_met=900), [True, False], []),
        (benefits(deductible=1500, met=250, oop=6000, oop_met=900), [True], ["copay", "coinsurance_percent"]),
        (benefits(deductible=1500, met=250, oop=6000, oop_met=900), [False], ["coinsurance_percent"]),
        (benefits(deductible=1500, met=250, copay=40, oop=6000, oop_met=900), [True], []),
        (benefits(deductible=1500, met=250, copay=40, oop=6000, oop_met=900), [True, False], ["coinsurance_percent"]),
        (benefits(deductible=1500, met=250, copay=0, oop=6000, oop_met=900), [True], []),
        (benefits(coinsurance=20, copay=40), [True], ["deductible"]),
        (benefits(deductible=500, coinsurance=20), [False], ["deductible_met"]),
        (benefits(deductible=0, coinsurance=20, oop=3000), [False], ["out_of_pocket_met"]),
    ],
    ids=["all-given", "visit-no-copay-no-coinsurance", "drug-no-coinsurance", "visit-copay-only", "drug-beside-copay-plan",
         "zero-copay-no-coinsurance", "no-deductible-given", "deductible-met-not-given", "oop-met-not-given"],
)
def test_the_figures_the_estimate_assumed_are_named(plan, visits, assumed):
    assert assumed_figures(plan, visits) == assumed


def reference_series(lines, plan, count):
    """The estimate worked the plain way: every session, every line, in order, nothing skipped.
    Returns (patient share of each line in session 1, patient share of each line over the series,
    whether any session cost the patient differently from the first)."""
    two_places = lambda amount: amount.quantize(CENT, rounding=ROUND_HALF_UP)  # noqa: E731
    deductible_left = D(0)
    if plan.deductible is not None:
        deductible_left = max(D(0), two_places(plan.deductible - (plan.deductible_met or D(0))))
    out_of_pocket_left = None
    if plan.out_of_pocket_max is not None:
        out_of_pocket_left = max(D(0), two_places(plan.out_of_pocket_max - (plan.out_of_pocket_met or D(0))))
    rate = None if plan.coinsurance_percent is None else min(plan.coinsurance_percent, D(100)) / D(100)
    copay = None if plan.copay is None else two_places(plan.copay)
    first, totals, differ = None, [D(0)] * len(lines), False
    for _ in range(count):
        shares = []
        for index, (allowed, is_visit) in enumerate(lines):
            allowed = two_places(allowed)
            from_deductible = min(allowed, deductible_left)
            deductible_left -= from_deductible
            rest = allowed - from_deductible
            if is_visit and copay is not None and (copay > 0 or rate is None):
                share = min(copay, rest)  # a $0 copay with a coinsurance does not waive it
            elif rate is not None:
                share = two_places(rest * rate)
            else:
                share = D(0)
            patient = from_deductible + share
            if out_of_pocket_left is not None:
                patient = min(patient, out_of_pocket_left)
                out_of_pocket_left -= patient
            shares.append(patient)
            totals[index] += patient
        if first is None:
            first = shares
        elif shares != first:
            differ = True
    return first, totals, differ


zero_or_money = st.one_of(st.none(), st.just(D("0")), st.decimals(min_value=0, max_value=200, places=2))
series_plans = st.builds(
    Benefits,
    deductible=st.one_of(st.none(), st.just(D("0")), money),
    deductible_met=st.one_of(st.none(), money),
    coinsurance_percent=st.one_of(st.none(), st.just(D("0")), st.decimals(min_value=0, max_value=120, places=1)),
    copay=zero_or_money,
    out_of_pocket_max=st.one_of(st.none(), st.decimals(min_value=0, max_value=10000, places=2)),
    out_of_pocket_met=st.one_of(st.none(), money),
)
charges = st.decimals(min_value=0, max_value=5000, places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=500, deadline=None)
@given(plan=series_plans, lines=st.lists(st.tuples(charges, st.booleans()), min_size=1, max_size=5),
       count=st.integers(min_value=1, max_value=40))
def test_the_fast_series_matches_the_session_by_session_reference(plan, lines, count):
    first, totals, differ = reference_series(lines, plan, count)
    series = cost_share_series(lines, plan, count)
    assert [patient for patient, _ in series.first_session] == first
    assert [patient for patient, _ in series.series] == totals
    assert series.sessions_differ == differ


# The estimate as a result shows it: the figures assumed, and the lines counted as paid that are not
# payable yet (CONTRACT.md "Policy versus eligibility"; the contract's determination table).
def test_a_result_names_the_figures_it_assumed_and_is_not_confirmed():
    from tests.rules.builders import PSYCHOTHERAPY, notes, run

    result = run("commercial", services=PSYCHOTHERAPY, sessions=1,
                 coverage__benefits={"deductible": 0, "out_of_pocket_max": 6000, "out_of_pocket_met": 0})
    estimate = result["estimate"]
    assert estimate["assumed"] == ["copay", "coinsurance_percent"]
    assert estimate["confirmed"] is False
    assert "Nobody gave copay, coinsurance_percent" in notes(result)


def test_a_zero_copay_beside_a_coinsurance_still_charges_the_coinsurance_in_a_result():
    from tests.rules.builders import PSYCHOTHERAPY, run

    plan = {"deductible": 0, "deductible_met": 0, "copay": 0, "coinsurance_percent": 20,
            "out_of_pocket_max": 6000, "out_of_pocket_met": 0}
    result = run("commercial", services=PSYCHOTHERAPY, sessions=2, coverage__benefits=plan)
    assert result["estimate"]["total"]["patient"] == 64.0
    assert result["estimate"]["assumed"] == []
    assert result["estimate"]["confirmed"] is True


@pytest.mark.parametrize(
    "program, changes, pending, text",
    [
        ("commercial", {"coverage__carrier": "Cigna", "services": [{"code": "G2082", "charge": 650}], "diagnoses": ["F33.2"]},
         ["G2082"], "assumes the authorization still to be obtained is granted"),
        ("va_ccn", {}, ["96365", "96366", "J3490", "90834"], "assumes the authorization still to be obtained is granted"),
        ("commercial", {"coverage__network_status": "out_of_network", "coverage__plan_type": None,
                        "services": [{"code": "90834", "charge": 160}]}, ["90834"], "assumes the review"),
    ],
    ids=["spravato-without-pa", "va-without-referral", "network-review"],
)
def test_lines_not_payable_yet_are_named_when_the_payer_share_counts_them(program, changes, pending, text):
    from tests.rules.builders import BENEFITS, notes, run

    result = run(program, coverage__benefits=dict(BENEFITS, deductible_met=1500), **changes)
    assert result["estimate"]["pending_codes"] == pending
    assert result["estimate"]["confirmed"] is False
    assert text in notes(result)
    assert result["estimate"]["total"]["payer"] > 0


def test_a_settled_estimate_is_confirmed():
    from tests.rules.builders import BENEFITS, PSYCHOTHERAPY, run

    result = run("commercial", services=PSYCHOTHERAPY, coverage__benefits=BENEFITS)
    assert (result["estimate"]["confirmed"], result["estimate"]["assumed"], result["estimate"]["pending_codes"]) == (True, [], [])
