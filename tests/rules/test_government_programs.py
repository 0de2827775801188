"""Medicare, Medicare Advantage, Medicaid/Medi-Cal and CHAMPVA (DOMAIN.md "Other programs a clinic's patients
bring"), and the dependent-age rules: each decision with the source it follows."""

import pytest

from tests.rules.builders import (
    KETAMINE_IV,
    PRIOR_AUTHORIZATION,
    PSYCHOTHERAPY,
    SPRAVATO,
    carcs,
    determinations,
    kinds,
    line,
    notes,
    requirement_texts,
    run,
)
from workers.rules.programs import GOVERNMENT

G2082_VISIT = [{"code": "G2082", "units": 1, "charge": 650.0}]
VISIT = [{"code": "99214", "units": 1, "charge": 180.0}]


# -- never a commercial answer for a government program ----------------------------------------

@pytest.mark.parametrize("carrier, plan_type, program", [
    ("Medicare", None, "medicare"),
    ("Medicare Part B", None, "medicare"),
    ("Noridian", None, "medicare"),
    ("Medicare", "HMO", "medicare_advantage"),  # Original Medicare has no network plans
    ("Medicare", "MA", "medicare_advantage"),
    ("Aetna", "MEDICARE", "medicare_advantage"),  # a commercial carrier's Medicare plan
    ("Humana Gold Plus", None, "medicare_advantage"),
    ("UnitedHealthcare Medicare Advantage", None, "medicare_advantage"),
    ("Anthem Blue Cross", "MEDI-CAL", "medicaid"),
    ("Molina Healthcare", "MEDI-CAL", "medicaid"),  # a plan not in the table, named Medi-Cal by the plan type
    ("Health Net Medi-Cal", None, "medicaid"),
    ("Aetna Better Health", None, "medicaid"),
    ("UnitedHealthcare Community Plan", None, "medicaid"),
    ("L.A. Care", None, "medicaid"),
    ("CHAMPVA", None, "champva"),
    ("VA", "CHAMPVA", "champva"),
])
def test_government_programs_are_recognised_by_name_payer_id_and_plan_type(carrier, plan_type, program):
    result = run("commercial", coverage__program=None, coverage__carrier=carrier, coverage__plan_type=plan_type)
    assert result["program"] == program
    assert not result["rule_module"].startswith("commercial")


@pytest.mark.parametrize("carrier, program", [
    ("Medicare", "commercial"), ("Medi-Cal", "commercial"), ("CHAMPVA", "commercial"),
    ("Humana Gold Plus", "medicare"),  # an Advantage card is not Original Medicare
    ("Aetna", "medicare"), ("Aetna", "champva"), ("TriWest", "medicaid"),
])
def test_a_program_that_contradicts_the_card_needs_review(carrier, program):
    result = run("commercial", coverage__program=program, coverage__carrier=carrier)
    assert result["determination"] == "needs_review"
    assert "eligibility_confirmation" in kinds(result)


@pytest.mark.parametrize("carrier, program, plan", [
    ("Aetna", "medicaid", "Aetna Better Health (Medicaid)"),
    ("UnitedHealthcare", "medicare_advantage", "UnitedHealthcare Medicare Advantage"),
])
def test_a_commercial_carrier_may_run_the_government_plan_named_by_the_program(carrier, program, plan):
    result = run("commercial", coverage__program=program, coverage__carrier=carrier)
    assert result["program"] == program and result["plan"]["name"] == plan


@pytest.mark.parametrize("veteran, relationship, authorization, expected", [
    (None, "self", None, None),  # nothing tells VA community care from CHAMPVA: a person asks
    (True, "self", None, "va_ccn"),
    (False, "spouse", None, "champva"),
    (None, "child", None, "champva"),
    (False, "spouse", "va_referral", None),  # the hints disagree
])
def test_a_va_card_is_va_ccn_or_champva_never_commercial(veteran, relationship, authorization, expected):
    changes = {"coverage__relationship": relationship, "patient__veteran": veteran}
    if authorization:
        changes["coverage__authorization"] = {"type": "va_referral", "number": "VA0012345678"}
    result = run("commercial", coverage__program=None, coverage__carrier="Veterans Affairs", **changes)
    assert result["program"] == expected
    if expected is None:
        assert result["determination"] == "needs_review"
        assert "CHAMPVA" in requirement_texts(result, "eligibility_confirmation")


def test_a_medicare_supplement_card_goes_to_medicare_first():
    result = run("commercial", coverage__program=None, coverage__carrier="Aetna Medicare Supplement")
    assert result["determination"] == "needs_review"
    assert "Original Medicare" in requirement_texts(result, "eligibility_confirmation")


@pytest.mark.parametrize("program", sorted(GOVERNMENT - {"va_ccn", "tricare"}))
def test_ketamine_or_spravato_for_ptsd_carries_the_off_label_notice_in_every_new_program(program):
    # DOMAIN.md: nothing is FDA-approved for PTSD but sertraline and paroxetine.
    for services, drug in ((KETAMINE_IV, "ketamine"), (SPRAVATO, "esketamine")):
        result = run(program, services=services, diagnoses=["F43.10"])
        assert result["off_label"]["drug"] == drug
        assert "informed_consent" in kinds(result)


# -- Medicare (Part B) ---------------------------------------------------------------------------

def test_medicare_iv_ketamine_for_ptsd_is_not_reasonable_and_necessary():
    # Medicare Benefit Policy Manual ch. 15 s. 50.4.2; CO-50 without an ABN, PR-50 with one (DOMAIN.md).
    result = run("medicare", services=KETAMINE_IV + PSYCHOTHERAPY, diagnoses=["F43.10"])
    assert determinations(result) == {"96365": "not_covered", "96366": "not_covered", "J3490": "not_covered", "90834": "covered"}
    assert carcs(result) == {"50"}
    assert "N386" not in {reason["rarc"] for reason in result["denial_reasons"]}  # no NCD applies
    assert "Advance Beneficiary Notice" in notes(result)


def test_medicare_iv_ketamine_for_depression_asks_the_contractor():
    # DOMAIN.md: for TRD the contractor may accept it as medically accepted off-label use: unconfirmed.
    result = run("medicare", services=KETAMINE_IV, diagnoses=["F33.2"])
    assert result["determination"] == "needs_review"
    assert "Noridian" in requirement_texts(result, "eligibility_confirmation")


@pytest.mark.parametrize("services, diagnoses, expected, carc", [
    (G2082_VISIT, ["F33.2"], {"G2082": "covered"}, None),
    (SPRAVATO, ["F33.2"], {"J0013": "not_covered", "G2082": "covered"}, "97"),  # the G-code includes the drug (bundled: CARC 97, RARC M15)
    ([{"code": "J0013", "units": 56, "charge": 900.0}], ["F33.2"], {"J0013": "not_covered"}, "96"),  # self-administered
    (G2082_VISIT, ["F43.10"], {"G2082": "not_covered"}, "50"),
], ids=["labelled", "j0013-same-day-bills-the-drug-twice", "j0013-alone", "ptsd-only"])
def test_medicare_pays_spravato_only_through_g2082_g2083_for_labelled_indications(services, diagnoses, expected, carc):
    # DOMAIN.md (CGS: no separate J-code, KX modifier); Medicare Benefit Policy Manual ch. 15 s. 50.2.
    result = run("medicare", services=services, diagnoses=diagnoses)
    assert determinations(result) == expected
    assert carcs(result) == ({carc} if carc else set())
    if "covered" in expected.values():
        assert "KX" in requirement_texts(result, "medical_necessity_documentation")


@pytest.mark.parametrize("benefits, patient, payer, confirmed", [
    ({"deductible": 283.0, "deductible_met": 283.0, "coinsurance_percent": 20}, 24.0, 96.0, True),
    ({"deductible_met": 283.0}, 24.0, 96.0, True),  # the 2026 figures fill the rest
    (None, 120.0, 0.0, False),  # nothing met is assumed: the most the patient would pay
    ({"deductible_met": 200.0}, 83.0 + 7.4, 29.6, True),
])
def test_medicare_estimate_uses_the_2026_part_b_deductible_and_20_percent(benefits, patient, payer, confirmed):
    # CMS 2026 fact sheet: $283 deductible, then 20%; no out-of-pocket maximum.
    result = run("medicare", services=[{"code": "90834", "charge": 120.0}], sessions=1, coverage__benefits=benefits)
    assert result["estimate"]["total"]["patient"] == pytest.approx(patient)
    assert result["estimate"]["total"]["payer"] == pytest.approx(payer)
    assert result["estimate"]["confirmed"] is confirmed
    assert result["billing"]["timely_filing_days"] == 365  # 42 CFR 424.44


# -- Medicare Advantage ----------------------------------------------------------------------------

def test_medicare_advantage_spravato_without_a_prior_authorization_asks_the_plan():
    result = run("medicare_advantage", services=G2082_VISIT, diagnoses=["F33.2"])
    assert result["determination"] == "needs_review"
    assert "Humana" in requirement_texts(result, "prior_authorization")


def test_medicare_advantage_honours_a_plan_prior_authorization_on_file():
    result = run("medicare_advantage", services=G2082_VISIT, diagnoses=["F33.2"], coverage__authorization=PRIOR_AUTHORIZATION)
    assert result["determination"] == "covered"
    assert line(result, "G2082")["authorization_required"] is True


def test_medicare_advantage_applies_medicares_coverage_of_ketamine():
    result = run("medicare_advantage", services=KETAMINE_IV + PSYCHOTHERAPY, diagnoses=["F43.10"])
    assert result["determination"] == "partially_covered"
    assert carcs(result) == {"50"}


@pytest.mark.parametrize("plan_type, determination", [("HMO", "not_covered"), ("PPO", "covered"), (None, "needs_review")])
def test_medicare_advantage_out_of_network_follows_the_plan_type(plan_type, determination):
    result = run("medicare_advantage", services=PSYCHOTHERAPY, coverage__network_status="out_of_network",
                 coverage__plan_type=plan_type)
    assert result["determination"] == determination
    if determination == "not_covered":
        assert carcs(result) == {"242"}


def test_medicare_advantage_plan_not_in_the_table_says_what_to_ask():
    result = run("medicare_advantage", coverage__carrier="Medicare", coverage__plan_type="HMO", services=PSYCHOTHERAPY)
    assert result["plan"] == {"name": None, "known": False}
    assert "which plan" in requirement_texts(result, "eligibility_confirmation")


# -- Medicaid / Medi-Cal ---------------------------------------------------------------------------

def test_medi_cal_plan_covers_mild_to_moderate_psychotherapy_and_names_the_county():
    # DOMAIN.md; DHCS APL 22-006.
    result = run("medicaid", services=PSYCHOTHERAPY)
    assert result["determination"] == "covered"
    assert "county mental health plan" in notes(result)
    assert "coordination_of_benefits" in kinds(result)  # Medicaid pays last
    assert result["billing"]["submit_to"] == "L.A. Care Health Plan (Medi-Cal)"


@pytest.mark.parametrize("carrier, plan_type, asks", [
    ("Medi-Cal", None, "which Medi-Cal managed-care plan"),
    ("Medicaid", None, "which state"),
    ("UnitedHealthcare Community Plan", None, "which state"),
])
def test_medicaid_without_a_known_plan_or_state_needs_review_and_says_what_to_ask(carrier, plan_type, asks):
    result = run("medicaid", services=PSYCHOTHERAPY, coverage__carrier=carrier, coverage__plan_type=plan_type)
    assert result["determination"] == "needs_review"
    assert asks in requirement_texts(result, "eligibility_confirmation")


def test_medicaid_ketamine_infusion_is_asked_about_until_confirmed():
    # DOMAIN.md: not a benefit, "confirm per state".
    result = run("medicaid", services=KETAMINE_IV, diagnoses=["F43.10"])
    assert result["determination"] == "needs_review"
    assert "covered benefit" in requirement_texts(result, "eligibility_confirmation")


@pytest.mark.parametrize("diagnoses, authorization, expected, carc", [
    (["F33.2"], None, "authorization_required", "197"),
    (["F33.2"], PRIOR_AUTHORIZATION, "covered", None),
    (["F43.10"], None, "not_covered", "167"),
])
def test_medi_cal_spravato_needs_the_plans_prior_authorization_for_labelled_indications(diagnoses, authorization, expected, carc):
    result = run("medicaid", services=G2082_VISIT, diagnoses=diagnoses, coverage__authorization=authorization)
    assert result["determination"] == expected
    assert carcs(result) == ({carc} if carc else set())
    if expected == "authorization_required":
        assert "Medi-Cal Rx" in requirement_texts(result, "prior_authorization")


# -- CHAMPVA ---------------------------------------------------------------------------------------

def test_champva_covers_a_visit_at_25_percent_after_the_deductible():
    # 38 CFR 17.274.
    result = run("champva", services=VISIT, sessions=1, diagnoses=["F43.10"],
                 coverage__benefits={"deductible_met": 50.0})
    assert result["determination"] == "covered"
    assert (result["estimate"]["total"]["patient"], result["estimate"]["total"]["payer"]) == (45.0, 135.0)
    assert result["billing"]["submit_to"].startswith("CHAMPVA, PO Box 469064, Denver")
    assert result["billing"]["timely_filing_days"] == 365
    assert "coordination_of_benefits" in kinds(result)


def test_champva_estimate_without_figures_assumes_the_deductible_unmet_and_says_so():
    result = run("champva", services=VISIT, sessions=1, diagnoses=["F43.10"])
    assert (result["estimate"]["total"]["patient"], result["estimate"]["confirmed"]) == (50.0 + 32.5, False)
    assert "assumed" in notes(result)


@pytest.mark.parametrize("birth, determination, asks", [
    ("2010-02-17", "covered", None),
    ("2006-01-01", "needs_review", "full-time student"),  # 20: to 23 only as a full-time student
    ("2001-06-01", "needs_review", "CHAMPVA ends at 23"),  # 25: the age-26 rule does not apply
])
def test_champva_children_are_covered_to_18_or_23_as_students(birth, determination, asks):
    result = run("champva", services=VISIT, coverage__relationship="child", patient__date_of_birth=birth,
                 patient__veteran=False)
    assert result["determination"] == determination
    if asks:
        assert asks in requirement_texts(result, "eligibility_confirmation")


@pytest.mark.parametrize("services", [KETAMINE_IV, SPRAVATO], ids=["ketamine", "spravato"])
def test_champva_ketamine_and_spravato_are_unconfirmed_and_say_what_to_ask(services):
    result = run("champva", services=services, diagnoses=["F33.2"])
    assert result["determination"] == "needs_review"
    assert "1-800-733-8387" in requirement_texts(result, "eligibility_confirmation")


def test_champva_does_not_cover_the_veteran_himself():
    result = run("champva", services=VISIT, coverage__relationship="self", patient__veteran=True)
    assert result["determination"] == "needs_review"


# -- a child past 26 on a parent's commercial plan -------------------------------------------------

@pytest.mark.parametrize("birth, determination", [
    ("2001-01-15", "partially_covered"),  # 25 on the date of service (2026-12-02): still covered
    ("2000-12-01", "needs_review"),  # turned 26 the day before
    ("1990-05-01", "needs_review"),  # 36
])
def test_a_child_on_a_parents_commercial_plan_is_covered_only_until_26(birth, determination):
    # ACA, 45 CFR 147.120: a plan that covers children covers them until they turn 26.
    result = run("commercial", coverage__relationship="child", patient__date_of_birth=birth)
    assert result["determination"] == determination
    if determination == "needs_review":
        assert "45 CFR 147.120" in requirement_texts(result, "eligibility_confirmation")
