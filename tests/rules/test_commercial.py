"""Commercial rules, one carrier row each (policies/commercial/*.toml)."""

import pytest

from tests.rules.builders import (
    BENEFITS,
    KETAMINE_IV,
    PRIOR_AUTHORIZATION,
    PSYCHOTHERAPY,
    SPRAVATO,
    carcs,
    determinations,
    kinds,
    line,
    line_carcs,
    make_request,
    notes,
    outcome,
    requirement_texts,
    run,
)
from workers.rules.engine import Evaluation, Reason
from workers.rules.request import read_request
from workers.rules.shared_rules import esketamine_indication


def authorization(**changes):
    return dict(PRIOR_AUTHORIZATION, **changes)


@pytest.mark.parametrize(
    "carrier, carc",
    [
        ("Aetna", "55"),
        ("Anthem Blue Cross", "55"),
        ("Blue Shield of California", "55"),
        ("Cigna", "55"),
        ("UnitedHealthcare", "56"),
        ("Kaiser Permanente", "55"),
        ("Health Net", "55"),
        ("Blue Cross Blue Shield", "55"),
    ],
)
def test_iv_ketamine_for_ptsd_is_not_covered_with_the_carriers_carc_and_therapy_is(carrier, carc):
    result = run("commercial", coverage__carrier=carrier, coverage__program=None)
    assert determinations(result) == {"96365": "not_covered", "96366": "not_covered", "J3490": "not_covered", "90834": "covered"}
    assert result["determination"] == "partially_covered"
    assert carcs(result) == {carc}
    assert result["denial_reasons"][0]["codes"] == ["96365", "96366", "J3490"]
    assert result["off_label"]["drug"] == "ketamine"
    assert "informed_consent" in kinds(result)


def test_unrecognised_carrier_keeps_the_default_policy_only_as_guidance():
    # CONTRACT.md "No silent default": the whole request needs review; the default policy's decisions are guidance.
    result = run("commercial", coverage__carrier="Acme Mutual Health", coverage__program=None)
    assert result["determination"] == "needs_review"
    assert set(determinations(result).values()) == {"needs_review"}
    assert result["denial_reasons"] == []
    guidance = result["default_policy_guidance"]
    assert "guidance only" in guidance["label"]
    assert {entry["code"]: entry["determination"] for entry in guidance["lines"]} == {
        "96365": "not_covered", "96366": "not_covered", "J3490": "not_covered", "90834": "covered"}
    assert {reason["carc"] for reason in guidance["denial_reasons"]} == {"55"}
    assert result["off_label"]["drug"] == "ketamine"


def test_aetna_cites_its_ketamine_bulletin():
    result = run("commercial")
    assert "CPB 0938" in result["denial_reasons"][0]["explanation"]
    assert "0938" in result["policy"]["source"] or "0938" in result["policy"]["name"]


def test_im_ketamine_falls_with_the_drug():
    result = run("commercial", services=[{"code": "96372", "charge": 300}, {"code": "J3490", "charge": 45}])
    assert result["determination"] == "not_covered"
    assert line(result, "96372")["drug"] == "ketamine"


def test_ketamine_without_a_psychiatric_diagnosis_needs_review():
    result = run("commercial", diagnoses=["G89.29"], services=KETAMINE_IV)
    assert result["determination"] == "needs_review"
    assert outcome(result, "commercial.ketamine") == "fail"


def test_infusion_billed_without_its_drug_needs_review():
    result = run("commercial", services=[{"code": "96365", "charge": 500}])
    assert result["determination"] == "needs_review"
    assert outcome(result, "commercial.administration_has_drug") == "fail"


@pytest.mark.parametrize(
    "changes, expected, carc",
    [
        ({"diagnoses": ["F43.12"]}, {"96365": "not_covered", "J3490": "not_covered"}, "55"),
        ({}, {"96365": "authorization_required", "J3490": "authorization_required"}, "197"),
        ({"coverage__authorization": authorization()}, {"96365": "covered", "J3490": "covered"}, None),
        ({"coverage__authorization": authorization(valid_to="2026-11-15")}, {"96365": "authorization_required"}, "197"),
        ({"coverage__authorization": authorization(approved_visits=4)}, {"96365": "authorization_required"}, "198"),
        ({"coverage__authorization": authorization(), "services": [{"code": "96372", "charge": 300}, {"code": "J3490", "charge": 45}]},
         {"96372": "not_covered", "J3490": "not_covered"}, "55"),
    ],
    ids=["ptsd", "trd-no-pa", "trd-pa", "pa-expired", "pa-exceeded", "im-route"],
)
def test_bcbs_massachusetts_covers_iv_ketamine_for_trd_with_prior_authorization(changes, expected, carc):
    changes = {"diagnoses": ["F33.2"], "services": KETAMINE_IV, **changes}
    result = run("commercial", coverage__carrier="BCBSMA", **changes)
    for code, determination in expected.items():
        assert line(result, code)["determination"] == determination
    assert carcs(result) == ({carc} if carc else set())
    if carc == "197":
        assert "four antidepressants" in requirement_texts(result, "prior_authorization")


@pytest.mark.parametrize(
    "changes, determination, carc",
    [
        ({}, "authorization_required", "197"),
        ({"coverage__authorization": authorization()}, "covered", None),
        ({"coverage__authorization": authorization(approved_codes=["J0013"])}, "covered", None),
        ({"coverage__authorization": authorization(approved_codes=["90834"])}, "authorization_required", "284"),
        ({"coverage__authorization": authorization(used_visits=10)}, "authorization_required", "198"),
        ({"coverage__authorization": authorization(valid_from="2027-01-01")}, "authorization_required", "197"),
        ({"coverage__authorization": authorization(type="va_referral")}, "authorization_required", "197"),
        ({"diagnoses": ["F43.10"]}, "not_covered", "167"),
        ({"diagnoses": ["F43.10", "F33.2"]}, "authorization_required", "197"),
        ({"patient__date_of_birth": "2010-01-01"}, "not_covered", "188"),
    ],
    ids=["no-pa", "pa", "pa-lists-drug", "pa-other-code", "pa-exceeded", "pa-not-yet", "va-referral", "ptsd-only", "ptsd-and-depression", "under-18"],
)
def test_spravato_follows_labelled_indication_age_and_prior_authorization(changes, determination, carc):
    changes = {"diagnoses": ["F33.2"], "services": SPRAVATO, **changes}
    result = run("commercial", coverage__carrier="Cigna", **changes)
    assert result["determination"] == determination
    assert line_carcs(result, "J0013") == line_carcs(result, "G2082") == ([carc] if carc else [])


def test_spravato_prior_authorization_requirement_lists_the_criteria():
    result = run("commercial", coverage__carrier="Cigna", services=SPRAVATO, diagnoses=["F33.2"])
    text = requirement_texts(result, "prior_authorization")
    for criterion in ("18 or older", "two antidepressants", "REMS", "document the history"):
        assert criterion in text
    assert "documented" in notes(result)


def test_spravato_requirement_never_echoes_the_birth_date():
    result = run("commercial", coverage__carrier="Cigna", services=SPRAVATO, diagnoses=["F33.2"])
    assert "1979" not in str(result)


@pytest.mark.parametrize(
    "carrier, plan_type, network_status, determination, carc",
    [
        ("Aetna", "HMO", "out_of_network", "not_covered", "242"),
        ("Aetna", "EPO", "out_of_network", "not_covered", "242"),
        ("Aetna", "PPO", "out_of_network", "covered", None),
        ("Aetna", "POS", "out_of_network", "covered", None),
        ("Aetna", None, "out_of_network", "needs_review", None),
        ("Aetna", "HDHP", "out_of_network", "needs_review", None),
        ("Aetna", "HMO", "unknown", "covered", None),
        ("Aetna", "HMO", "in_network", "covered", None),
        ("Kaiser Permanente", "PPO", "out_of_network", "not_covered", "242"),
    ],
)
def test_network_rules_by_plan_type(carrier, plan_type, network_status, determination, carc):
    result = run("commercial", coverage__carrier=carrier, coverage__plan_type=plan_type,
                 coverage__network_status=network_status, services=PSYCHOTHERAPY, diagnoses=["F33.1"])
    assert result["determination"] == determination
    assert carcs(result) == ({carc} if carc else set())


def test_out_of_network_behavioral_denial_mentions_sb_855():
    result = run("commercial", coverage__plan_type="HMO", coverage__network_status="out_of_network", services=PSYCHOTHERAPY)
    assert "SB 855" in notes(result)


def test_unknown_network_status_asks_to_confirm_it():
    result = run("commercial", coverage__network_status="unknown", services=PSYCHOTHERAPY)
    assert "network" in requirement_texts(result, "eligibility_confirmation")


def test_ppo_out_of_network_says_out_of_network_coinsurance():
    result = run("commercial", coverage__network_status="out_of_network", services=PSYCHOTHERAPY)
    assert "out-of-network coinsurance" in notes(result)


@pytest.mark.parametrize(
    "dates, carc",
    [({"coverage__coverage_start": "2027-01-01"}, "26"), ({"coverage__coverage_end": "2026-11-30"}, "27")],
)
def test_date_outside_coverage_denies_every_line(dates, carc):
    result = run("commercial", **dates)
    assert result["determination"] == "not_covered"
    assert all(line_carcs(result, entry["code"]) == [carc] for entry in result["lines"])


def test_coverage_dates_that_contradict_each_other_need_review():
    result = run("commercial", coverage__coverage_start="2026-12-31", coverage__coverage_end="2026-01-01")
    assert result["determination"] == "needs_review"


def test_default_policy_says_it_is_a_default_and_to_confirm_with_the_payer():
    result = run("commercial", coverage__carrier="Acme Mutual Health")
    assert result["rule_module"] == "commercial"
    assert "default commercial policy applies" in notes(result)
    assert "Confirm coverage of each service with the payer" in notes(result)
    assert result["carrier"]["default_policy"] is True
    assert result["billing"]["submit_to"] is None


@pytest.mark.parametrize(
    "carrier, confirmed", [("Aetna", True), ("Health Net", False), ("UnitedHealthcare", False)]
)
def test_unconfirmed_policy_sections_say_confirm_with_the_payer(carrier, confirmed):
    result = run("commercial", coverage__carrier=carrier, services=KETAMINE_IV)
    assert ("Ketamine coverage follows" in notes(result)) is not confirmed


def test_payer_id_and_timely_filing_are_not_invented():
    result = run("commercial", coverage__carrier="Aetna", services=PSYCHOTHERAPY)
    assert result["billing"]["payer_id"] == "60054"
    assert result["billing"]["payer_id_confirmed"] is False
    assert result["billing"]["timely_filing_days"] is None
    assert "provider contract" in notes(result)


def test_benefits_on_file_give_an_estimate_and_unknown_benefits_do_not():
    with_benefits = run("commercial", services=PSYCHOTHERAPY, sessions=1, coverage__benefits=BENEFITS)
    assert with_benefits["estimate"]["basis"] == "benefits_on_file"
    assert with_benefits["estimate"]["total"]["patient"] == 160.0
    without = run("commercial", services=PSYCHOTHERAPY, sessions=1)
    assert without["estimate"]["total"]["patient"] is None
    assert without["estimate"]["total"]["allowed"] == 160.0
    assert "eligibility_confirmation" in kinds(without)


def test_not_covered_charges_are_shown_apart_from_the_patient_share():
    result = run("commercial", coverage__benefits=BENEFITS, sessions=1)
    assert result["estimate"]["per_session"]["non_covered"] == 695.0
    assert result["estimate"]["per_session"]["allowed"] == 160.0
    assert line(result, "96365")["non_covered_charge"] == 500.0
    assert "agreeing in writing" in notes(result)


@pytest.mark.parametrize(
    "code, day, carc, bill",
    [("S0013", "2026-01-01", "181", "Bill J0013"), ("J0013", "2025-12-31", "181", "Bill S0013"),
     ("S0013", "2025-12-31", None, None), ("J0013", "2026-01-01", None, None)],
)
def test_esketamine_code_must_be_the_one_in_force_on_the_date_of_service(code, day, carc, bill):
    result = run("commercial", coverage__carrier="Cigna", coverage__authorization=authorization(valid_from="2025-06-01"),
                 services=[{"code": code, "units": 56, "charge": 900}], diagnoses=["F33.2"], date_of_service=day)
    assert line_carcs(result, code) == ([carc] if carc else [])
    if bill:
        assert bill in line(result, code)["denial_reasons"][0]["explanation"]
        assert outcome(result, "commercial.code_valid_on_date") == "fail"


# A payer-issued prior authorization that lists the billed codes is the payer's word against its own
# published "experimental" row: a person confirms it (needs_review with why), never a silent denial
# and never a silent green (the same codes carry other drugs: J3490 is "unclassified drugs").
@pytest.mark.parametrize(
    "carrier, pa, determination, carc",
    [
        ("Aetna", authorization(approved_codes=["96365", "96366", "J3490"]), "needs_review", None),
        ("Acme Mutual Health", authorization(approved_codes=["96365", "J3490"]), "needs_review", None),
        ("UnitedHealthcare", authorization(approved_codes=["J3490"]), "needs_review", None),
        ("Aetna", authorization(approved_codes=["90834"]), "not_covered", "55"),
        ("Aetna", authorization(approved_codes=["96365", "J3490"], valid_to="2026-11-30"), "not_covered", "55"),
        ("Aetna", authorization(approved_codes=[]), "not_covered", "55"),
        ("Aetna", authorization(approved_codes=["96365", "J3490"], type="va_referral"), "not_covered", "55"),
    ],
    ids=["aetna-pa-lists-ketamine", "default-pa-lists-ketamine", "uhc-pa-lists-drug", "pa-lists-other-code",
         "pa-expired", "pa-not-itemised", "not-a-payer-pa"],
)
def test_a_prior_authorization_listing_ketamine_is_reviewed_not_overridden(carrier, pa, determination, carc):
    result = run("commercial", coverage__carrier=carrier, coverage__program=None, coverage__authorization=pa,
                 services=KETAMINE_IV, diagnoses=["F43.10"])
    assert {line(result, code)["determination"] for code in ("96365", "96366", "J3490")} == {determination}
    assert carcs(result) == ({carc} if carc else set())
    if determination == "needs_review":
        text = requirement_texts(result, "prior_authorization")
        assert "confirm with the payer that the authorization is for this drug" in text
        assert "experimental" in text or "unproven" in text


# DOMAIN.md "Codes": BCBS Massachusetts uses G2082 as the prior-authorization code for both drugs.
@pytest.mark.parametrize(
    "services, diagnoses, approved, determination",
    [
        (KETAMINE_IV, ["F33.2"], ["G2082"], "covered"),
        (SPRAVATO, ["F33.2"], ["G2082"], "covered"),
        (KETAMINE_IV, ["F33.2"], ["J0013"], "authorization_required"),
    ],
    ids=["iv-ketamine-authorised-as-g2082", "spravato-authorised-as-g2082", "ketamine-pa-lists-spravato-drug"],
)
def test_bcbs_massachusetts_authorises_both_drugs_by_g2082(services, diagnoses, approved, determination):
    result = run("commercial", coverage__carrier="BCBSMA", services=services, diagnoses=diagnoses,
                 coverage__authorization=authorization(approved_codes=approved))
    assert result["determination"] == determination


def test_g2082_on_another_carriers_authorization_does_not_cover_ketamine_lines():
    result = run("commercial", coverage__carrier="Cigna", services=SPRAVATO, diagnoses=["F33.2"],
                 coverage__authorization=authorization(approved_codes=["90834"]))
    assert result["determination"] == "authorization_required"
    assert line_carcs(result, "G2082") == ["284"]


# DOMAIN.md "Codes": MDD by exact code; F32.81 is never a Spravato indication, F32.89 and F32.A need review.
@pytest.mark.parametrize(
    "diagnoses, determination, carc",
    [
        (["F32.81"], "not_covered", "167"),
        (["F32.81", "F43.10"], "not_covered", "167"),
        (["F32.89"], "needs_review", None),
        (["F32.A"], "needs_review", None),
        (["F32.A", "F33.1"], "authorization_required", "197"),
        (["F32.0"], "authorization_required", "197"),
        (["F33.40"], "authorization_required", "197"),
    ],
    ids=["pmdd", "pmdd-and-ptsd", "other-specified", "unspecified", "unspecified-and-mdd", "mdd-single-mild", "mdd-remission"],
)
def test_spravato_indication_is_read_by_exact_code(diagnoses, determination, carc):
    result = run("commercial", coverage__carrier="Cigna", services=SPRAVATO, diagnoses=diagnoses)
    assert result["determination"] == determination
    assert line_carcs(result, "J0013") == ([carc] if carc else [])
    if determination == "needs_review":
        assert "not a major depressive disorder code" in requirement_texts(result, "medical_necessity_documentation")


def test_bcbs_massachusetts_iv_ketamine_for_depression_not_coded_as_mdd_needs_review():
    result = run("commercial", coverage__carrier="BCBSMA", services=KETAMINE_IV, diagnoses=["F32.A"])
    assert result["determination"] == "needs_review"
    assert "not coded as MDD" in requirement_texts(result, "medical_necessity_documentation")


@pytest.mark.parametrize(
    "diagnoses, accepted, outcome_, open_lines",
    [(["F32.A"], {"F32.A"}, "pass", 2), (["F32.A"], set(), "fail", 0), (["F32.81"], {"F32.A"}, "fail", 0)],
    ids=["policy-names-f32a", "policy-silent", "policy-names-f32a-but-pmdd-billed"],
)
def test_a_payers_policy_that_names_f32a_accepts_it(diagnoses, accepted, outcome_, open_lines):
    # Texas Medicaid's Spravato list names F32.89 and F32.A (DOMAIN.md): a policy's accepted_codes.
    evaluation = Evaluation("commercial", read_request(make_request(services=SPRAVATO, diagnoses=diagnoses)))
    unlabelled = Reason("167", "N130", "not labelled")
    left = esketamine_indication(evaluation, ["depression"], 18, unlabelled, unlabelled, accepted_codes=accepted)
    assert len(left) == open_lines
    assert outcome({"trace": evaluation.trace}, "commercial.esketamine_labelled_indication") == outcome_
