"""The console's words for the API's values: every value the schemas and rules can send has words a
person reads, no snake_case or field path survives, and dates read MM/DD/YYYY.

Plain functions, no browser: tests/pages/test_word_sweep.py checks the same on every page as shown.
"""

import re

import pytest

from schemas import verification_request as request_fields
from service import words
from service.pages import intake, result_card
from tests.rules.builders import BENEFITS, KETAMINE_IV, SPRAVATO, make_request, run
from workers.rules import evaluate
from workers.rules.programs import PROGRAMS

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ALL_PROGRAMS = [*PROGRAMS]


@pytest.mark.parametrize(("table", "values"), [
    (words.RELATIONSHIPS, request_fields.RELATIONSHIPS),
    (words.NETWORK_STATUSES, request_fields.NETWORK_STATUSES),
    (words.BENEFICIARY_CATEGORIES, request_fields.BENEFICIARY_CATEGORIES),
    (words.AUTHORIZATION_TYPES, request_fields.AUTHORIZATION_TYPES),
])
def test_every_value_a_picker_offers_has_its_own_words(table, values):
    assert set(values) <= set(table), f"no words for {set(values) - set(table)}"
    for _, said in words.choices(table, values):
        assert "_" not in said and said[0].isupper(), said


def test_program_names_keep_their_capitals():
    assert words.program("va_ccn") == "VA Community Care Network"
    assert words.program("champva") == "CHAMPVA"
    assert words.program("tricare") == "TRICARE"
    assert words.requirement("va_referral") == "VA referral"
    assert words.AUTHORIZATION_TYPES["va_referral"] == "VA referral"


def test_a_value_no_table_knows_still_reads_as_words():
    assert words.determination("some_new_answer") == "Some new answer"
    assert words.outcome("pass") == "Passed" and words.outcome("skip") == "Not checked"
    assert words.rule("va_ccn.referral_on_file") == "Referral on file"
    assert words.determination("failed") == "Failed"


@pytest.mark.parametrize(("given", "shown"), [
    ("2026-12-01", "12/01/2026"),
    ("2026-12-01T14:03:00+00:00", "12/01/2026"),
    ("", "—"),
    (None, "—"),
])
def test_us_date(given, shown):
    assert words.us_date(given) == shown


def test_plain_turns_field_paths_values_and_dates_into_the_desks_words():
    said = words.plain("Set coverage.program: va_ccn or tricare; non_covered charges; referral ends 2027-04-30; "
                       "out_of_network; needs_review")
    assert said == ("Set the Program on the form: VA Community Care Network or tricare; not covered charges; "
                    "referral ends 04/30/2027; out of network; needs review")


def _all_card_text(v: dict, request: dict) -> str:
    card = result_card.card(v, request)
    texts = [card["headline"], card["eligibility"] or "", *card["tell"]]
    texts += [f"{item['name']} {item['text']}" for item in card["do_now"] + card["collect"]]
    texts += [words.plain(note) for note in v.get("notes") or ()]
    texts += [words.plain(reason.get("explanation")) for reason in v.get("denial_reasons") or ()]
    texts += [f"{words.rule(step['rule'])} {words.outcome(step['outcome'])} {words.plain(step['detail'])}" for step in v["trace"]]
    texts += [words.determination(line["determination"]) for line in v["lines"]]
    return "\n".join(texts)


CASES = {
    **{program: make_request(program) for program in ALL_PROGRAMS},
    "va_ccn_expired_referral": make_request("va_ccn", coverage__authorization={
        "type": "va_referral", "number": "VA0012345678", "valid_from": "2025-01-01", "valid_to": "2025-06-30"}),
    "triwest_card_alone": make_request("va_ccn", coverage__program=None, coverage__carrier="TriWest Healthcare Alliance"),
    "unknown_carrier": make_request("commercial", coverage__program=None, coverage__carrier="Blue Sky Mutual"),
    "commercial_spravato_benefits": make_request("commercial", services=SPRAVATO, diagnoses=["F33.2"], coverage__benefits=BENEFITS),
    "tricare_spravato": make_request("tricare", services=SPRAVATO, diagnoses=["F33.2"]),
    "medicare_ketamine": make_request("medicare", services=KETAMINE_IV),
}


@pytest.mark.parametrize("case", CASES)
def test_what_the_desk_and_billing_read_has_no_snake_case_field_path_or_iso_date(case):
    request = CASES[case]
    text = _all_card_text(evaluate(request), request)
    assert not SNAKE.findall(text), SNAKE.findall(text)
    assert not ISO_DATE.findall(text), ISO_DATE.findall(text)
    assert not re.findall(r"\b(?:coverage|patient)\.\w+", text)


def test_the_first_session_is_not_called_the_price_of_every_session():
    v = run("commercial", services=SPRAVATO, diagnoses=["F33.2"], coverage__benefits=BENEFITS)
    per_session, total = v["estimate"]["per_session"]["patient"], v["estimate"]["total"]["patient"]
    assert per_session * v["estimate"]["sessions"] != total, "the deductible makes session 1 dearer"
    assert result_card.tell_patient(v)[0] == f"Your share: ${per_session:,.2f} for the first session, ${total:,.2f} for the 6 sessions."


def test_a_figure_nobody_gave_is_named_in_words():
    v = run("medicare", services=[{"code": "G2082", "units": 1, "charge": 650.0}], diagnoses=["F33.2"])
    assert v["estimate"]["assumed"], "the deductible met is not given"
    said = " ".join(result_card.tell_patient(v))
    assert "the deductible already met as $0" in said and "deductible_met" not in said


def test_nothing_covered_is_not_told_as_owing_nothing():
    v = run("commercial", services=KETAMINE_IV)
    assert v["determination"] == "not_covered"
    said = result_card.tell_patient(v)
    assert said[0] == "Your plan does not pay for these services."
    assert not any("owe nothing" in sentence for sentence in said)


def test_billing_and_batches_get_the_same_words_as_the_pages():
    names = words.for_scripts()
    assert names["determinations"]["needs_review"] == intake.DETERMINATIONS["needs_review"][0]
    assert names["programs"]["va_ccn"] == words.program("va_ccn")
