"""VA Community Care Network rules (policies/triwest_va_ccn.toml)."""

import pytest

from tests.rules.builders import (
    SPRAVATO,
    SPRAVATO_VISIT,
    VA_REFERRAL,
    carcs,
    determinations,
    kinds,
    line,
    line_carcs,
    notes,
    outcome,
    requirement_texts,
    run,
)


def referral(**changes):
    return dict(VA_REFERRAL, **changes)


def test_referral_on_file_covers_the_series_and_the_veteran_owes_nothing():
    result = run("va_ccn", coverage__authorization=VA_REFERRAL)
    assert result["determination"] == "covered"
    assert set(determinations(result).values()) == {"covered"}
    assert result["estimate"]["total"] == {"patient": 0.0, "payer": 5130.0, "allowed": 5130.0, "non_covered": 0.0}
    assert all(entry["authorization_required"] for entry in result["lines"])
    assert outcome(result, "va_ccn.referral_on_file") == "pass"


def test_no_referral_needs_a_referral_with_carc_197():
    result = run("va_ccn")
    assert result["determination"] == "authorization_required"
    assert set(line_carcs(result, "96365")) == {"197"}
    assert result["denial_reasons"][0]["rarc"] == "M62"
    text = requirement_texts(result, "va_referral")
    assert "96365, 96366, J3490, 90834" in text and "6 visit(s)" in text
    assert outcome(result, "va_ccn.referral_number_format") == "skip"


def test_prior_authorization_is_not_a_va_referral():
    result = run("va_ccn", coverage__authorization=referral(type="prior_authorization"))
    assert carcs(result) == {"197"}
    assert "not a VA referral" in result["denial_reasons"][0]["explanation"]


@pytest.mark.parametrize(
    "window",
    [{"valid_from": "2026-03-01", "valid_to": "2026-08-31"}, {"valid_from": "2027-01-01", "valid_to": "2027-06-30"}],
    ids=["expired", "not-yet-valid"],
)
def test_referral_not_valid_on_the_date_of_service_needs_a_new_referral(window):
    result = run("va_ccn", coverage__authorization=referral(**window))
    assert result["determination"] == "authorization_required"
    assert carcs(result) == {"197"}
    assert "not valid on the date of service" in result["denial_reasons"][0]["explanation"]
    assert "new referral" in requirement_texts(result, "va_referral")


def test_fewer_visits_left_than_sessions_needs_a_secondary_authorization_request():
    result = run("va_ccn", coverage__authorization=referral(used_visits=5))
    assert carcs(result) == {"198"}
    assert "3 visit(s) left for 6" in result["denial_reasons"][0]["explanation"]
    assert "Secondary Authorization Request" in requirement_texts(result, "va_referral")


def test_exactly_enough_visits_left_is_covered():
    assert run("va_ccn", coverage__authorization=referral(used_visits=2))["determination"] == "covered"


def test_service_outside_the_referral_gets_284_on_that_line_only():
    result = run("va_ccn", coverage__authorization=referral(approved_codes=["96365", "96366", "J3490"]))
    assert determinations(result) == {"96365": "covered", "96366": "covered", "J3490": "covered", "90834": "authorization_required"}
    assert line_carcs(result, "90834") == ["284"]
    assert result["denial_reasons"][0]["codes"] == ["90834"]
    assert outcome(result, "va_ccn.referral_covers_services") == "fail"
    assert "90834" in requirement_texts(result, "va_referral")


def test_episode_of_care_not_itemised_passes_visits_but_ketamine_needs_review():
    result = run("va_ccn", coverage__authorization=referral(approved_codes=[]))
    assert line(result, "90834")["determination"] == "covered"
    assert line(result, "96365")["determination"] == "needs_review"
    assert result["determination"] == "needs_review"
    assert outcome(result, "va_ccn.referral_covers_services") == "info"
    assert "SEOC" in notes(result)
    assert "SEOC" in requirement_texts(result, "va_referral")


def test_episode_of_care_not_itemised_covers_a_psychotherapy_only_request():
    result = run("va_ccn", coverage__authorization=referral(approved_codes=[]), services=[{"code": "90834", "charge": 160}])
    assert result["determination"] == "covered"


def test_off_label_ketamine_on_the_referral_is_paid_and_says_so():
    result = run("va_ccn", coverage__authorization=VA_REFERRAL)
    assert result["off_label"]["fda_approved_for_indication"] is False
    assert "authorized ketamine in this referral" in notes(result)
    assert {"informed_consent", "medical_necessity_documentation"} <= set(kinds(result))
    assert "VA medical center" in requirement_texts(result, "medical_necessity_documentation")


def test_spravato_on_the_referral_for_depression_is_covered_case_by_case():
    # Billed as Medicare's method has it (TriWest follows it for CCN): the G-code alone, which includes the drug.
    result = run("va_ccn", coverage__authorization=VA_REFERRAL, services=SPRAVATO_VISIT, diagnoses=["F33.2"])
    assert result["determination"] == "covered"
    assert result["off_label"] is None
    assert "off the VA national formulary" in notes(result)


# TriWest, "Billing and Claims": "do not use any extra characters, spaces, or words with the
# referral/authorization number or the claim will deny" (Auth VA0012345, Auth # VA0012345, Ref VA0012345,
# Ref # VA0012345, VA 0012345, VA012345). Each is a blocking requirement with what to type instead.
@pytest.mark.parametrize(
    "number, problem, fix",
    [
        ("Auth # VA0012345678", "has a prefix ('Auth #')", "VA******5678"),
        ("Auth VA0012345", "has a prefix ('Auth')", "VA***2345"),
        ("Ref VA0012345", "has a prefix ('Ref')", "VA***2345"),
        ("Ref # VA0012345", "has a prefix ('Ref #')", "VA***2345"),
        ("VA 0012345", "contains a space", "VA***2345"),
        ("VA012345", "has 6 digits after 'VA'", None),
        ("VA00123456", "has 8 digits after 'VA'", None),
        ("va0012345", "is in lower case", "VA***2345"),
        ("", "is missing", None),
        ("VA00123X5", "is not in a form the VA issues", None),
        ("VA0012345 ", "has spaces before or after it", "VA***2345"),
        ("402-pc-1234567", "is in lower case", "402-**-***4567"),
    ],
    ids=["auth-hash", "auth", "ref", "ref-hash", "space", "shortened", "eight-digits", "lower-case", "missing",
         "letter", "trailing-space", "old-form-lower-case"],
)
def test_referral_number_in_a_denying_form_blocks_the_lines_and_says_what_to_type(number, problem, fix):
    result = run("va_ccn", coverage__authorization=referral(number=number))
    assert outcome(result, "va_ccn.referral_number_format") == "fail"
    assert result["determination"] == "authorization_required"
    assert set(determinations(result).values()) == {"authorization_required"}
    assert carcs(result) == {"16"}
    assert result["denial_reasons"][0]["rarc"] == "M62"
    text = requirement_texts(result, "va_referral")
    assert problem in text
    if fix:
        assert f"Type it as {fix}" in text
    else:
        assert "Copy it exactly from the referral in HSRM" in text
    assert number.strip() == "" or number.strip() not in str(result)  # the result carries no identifier


@pytest.mark.parametrize("number", ["VA0012345", "VA0091827364", "402-123456-12", "402-PC-1234567"])
def test_referral_number_in_a_form_the_va_issues_passes(number):
    # DOMAIN.md "VA Community Care Network": VA and 7 or 10 digits, and the older 402- forms.
    result = run("va_ccn", coverage__authorization=referral(number=number))
    assert outcome(result, "va_ccn.referral_number_format") == "pass"
    assert result["determination"] == "covered"


def test_a_bad_number_on_an_expired_referral_still_says_what_to_type():
    result = run("va_ccn", coverage__authorization=referral(number="Auth # VA0012345678", valid_to="2026-11-30"))
    assert carcs(result) == {"197"}
    assert "has a prefix ('Auth #')" in requirement_texts(result, "va_referral")


def test_referral_with_end_before_start_needs_review():
    result = run("va_ccn", coverage__authorization=referral(valid_from="2027-01-01", valid_to="2026-01-01"))
    assert result["determination"] == "needs_review"
    assert "eligibility_confirmation" in kinds(result)


# DOMAIN.md "VA Community Care Network": CCN is for the veteran; dependents of permanently and totally
# disabled veterans have CHAMPVA.
@pytest.mark.parametrize(
    "changes",
    [{"patient__veteran": False}, {"coverage__relationship": "spouse"}, {"coverage__relationship": "child"},
     {"coverage__relationship": "Spouse", "patient__veteran": None}],
    ids=["not-a-veteran", "spouse", "child", "spouse-veteran-unknown"],
)
def test_a_patient_who_is_not_the_veteran_is_not_covered_and_is_asked_about_champva(changes):
    result = run("va_ccn", coverage__authorization=VA_REFERRAL, **changes)
    assert result["determination"] == "needs_review"
    assert outcome(result, "va_ccn.veteran_status") == "fail"
    assert "CHAMPVA" in requirement_texts(result, "eligibility_confirmation")


def test_the_veteran_recorded_as_self_is_covered():
    assert run("va_ccn", coverage__authorization=VA_REFERRAL, coverage__relationship="self")["determination"] == "covered"


# TriWest, "Billing and Claims": "TriWest cannot pay claims for out-of-network providers."
def test_an_out_of_network_clinic_is_not_paid():
    result = run("va_ccn", coverage__authorization=VA_REFERRAL, coverage__network_status="out_of_network")
    assert result["determination"] == "not_covered"
    assert carcs(result) == {"242"}
    assert "out-of-network providers" in result["denial_reasons"][0]["explanation"]
    assert "network provider" in requirement_texts(result, "va_referral")
    assert result["estimate"]["total"]["patient"] == 0.0


def test_unknown_network_status_asks_to_confirm_the_clinic_is_in_ccn():
    result = run("va_ccn", coverage__authorization=VA_REFERRAL, coverage__network_status=None)
    assert outcome(result, "va_ccn.network") == "info"
    assert "Community Care Network" in requirement_texts(result, "eligibility_confirmation")


# DOMAIN.md "Codes" (G2082/G2083 include the supply of esketamine); TriWest follows Medicare
# Fee-for-Service billing guidelines for CCN (TriWest, "Billing and Claims").
@pytest.mark.parametrize(
    "services, day, drug_line",
    [(SPRAVATO, "2026-12-02", "J0013"),
     ([{"code": "S0013", "units": 56, "charge": 900}, {"code": "G2083", "charge": 900}], "2025-12-02", "S0013"),
     ([{"code": "J0013", "units": 84, "charge": 1300}, {"code": "G2083", "charge": 900}], "2026-12-02", "J0013")],
    ids=["j0013-g2082", "s0013-g2083-2025", "j0013-g2083"],
)
def test_the_drug_line_with_a_spravato_visit_bills_the_drug_twice(services, day, drug_line):
    authorization = referral(approved_codes=[entry["code"] for entry in services], valid_from="2025-06-01")
    result = run("va_ccn", coverage__authorization=authorization, services=services, diagnoses=["F33.2"], date_of_service=day)
    assert line(result, drug_line)["determination"] == "not_covered"
    assert line_carcs(result, drug_line) == ["97"]
    assert line(result, drug_line)["denial_reasons"][0]["rarc"] == "M15"
    visit = next(entry["code"] for entry in services if entry["code"].startswith("G"))
    assert line(result, visit)["determination"] == "covered"
    assert result["determination"] == "partially_covered"
    assert outcome(result, "va_ccn.drug_billed_with_spravato_visit") == "fail"


def test_date_before_eligibility_starts_is_not_covered_with_carc_26():
    result = run("va_ccn", coverage__authorization=VA_REFERRAL, coverage__coverage_start="2027-01-01")
    assert result["determination"] == "not_covered"
    assert carcs(result) == {"26"}


def test_unauthorized_care_is_never_billed_to_the_veteran():
    result = run("va_ccn", coverage__coverage_end="2026-01-01")
    assert result["estimate"]["total"]["patient"] == 0.0
    assert result["estimate"]["total"]["non_covered"] == 0.0
    assert "Do not bill the veteran" in notes(result)


def test_s0013_on_a_2026_date_is_invalid_in_va_ccn_too():
    result = run("va_ccn", coverage__authorization=referral(approved_codes=["S0013", "G2082"]),
                 services=[{"code": "S0013", "units": 56, "charge": 900}, {"code": "G2082", "charge": 650}], diagnoses=["F33.2"])
    assert line_carcs(result, "S0013") == ["181"]
    assert "Bill J0013" in line(result, "S0013")["denial_reasons"][0]["explanation"]


@pytest.mark.parametrize(
    "carrier, submit_to, payer_id",
    [
        ("TriWest", "TriWest Healthcare Alliance", "TWVACCN"),
        ("Optum VA CCN", "Optum Serve (Optum Public Sector Solutions)", None),
        ("VA CCN", None, None),
    ],
)
def test_billing_names_the_administrator_and_the_180_day_limit(carrier, submit_to, payer_id):
    result = run("va_ccn", coverage__carrier=carrier, coverage__authorization=VA_REFERRAL)
    billing = result["billing"]
    assert (billing["submit_to"], billing["payer_id"]) == (submit_to, payer_id)
    assert billing["timely_filing_days"] == 180
    assert billing["reconsideration_days"] == 90
    assert "30 days" in notes(result)
