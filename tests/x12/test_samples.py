"""Real 271s read as a biller reads them: every file of tests/x12/samples/ (and ../shared/x12-samples/
where it is there), each figure held to the EB segment it came from."""

from datetime import date
from decimal import Decimal

import pytest

from schemas.verification_request import VerificationRequestSchema
from service.x12_exchange import merged
from tests.x12.documents import every_sample, raw_segments, sample
from workers.x12.reader import read_271
from workers.x12.summary import summarize

EB01 = {"deductible": "C", "deductible_met": "C", "out_of_pocket_max": "G", "out_of_pocket_met": "G",
        "copay": "B", "coinsurance_percent": "A"}
EB12 = {"Y": "in_network", "N": "out_of_network", "W": "not_applicable", "U": "unknown", "": "both"}
WHOLE = {"deductible_met": "deductible", "out_of_pocket_met": "out_of_pocket_max"}


def summary_of(text, network="in_network", date_of_service=date(2025, 9, 9)):
    request = {"patient": {}, "coverage": {"network_status": network}, "date_of_service": date_of_service}
    return summarize(read_271(text), request)


def element(segment, index):
    return segment[index] if index < len(segment) else ""


def assert_figures_match_their_segments(text, summary):
    """Each figure's EB segment, read by the test's own split: its EB01, EB03, EB12 and amount say the figure."""
    raw = raw_segments(text)
    repetition = text.lstrip("\ufeff").lstrip()[82]
    for name, figure in summary["figures"].items():
        eb = raw[figure["position"]]
        assert eb[0] == "EB" and eb[1] == EB01[name], (name, eb)
        assert figure["service_type"] in element(eb, 3).split(repetition), (name, eb)
        assert figure["network"] == EB12[element(eb, 12)], (name, eb)
        value = Decimal(figure["value"])
        if name == "coinsurance_percent":
            stated = Decimal(eb[8])
            assert value == (stated * 100 if stated <= 1 else stated), (name, eb)
        elif name in WHOLE and figure["period"] == "Remaining":
            assert value == Decimal(summary["figures"][WHOLE[name]]["value"]) - Decimal(eb[7]), (name, eb)
        else:
            assert value == Decimal(eb[7]), (name, eb)
        if figure["place_of_service"]:
            following = raw[figure["position"] + 1:]
            qualifiers = list(following[:next((i for i, s in enumerate(following) if s[0] == "EB"), len(following))])
            assert ["III", "ZZ", figure["place_of_service"]] in qualifiers, (name, eb)


@pytest.mark.parametrize("path", every_sample(), ids=lambda path: path.name)
def test_every_real_271_is_read_with_its_warnings_named_by_segment(path):
    text = path.read_bytes().decode("utf-8")

    response = read_271(text)

    assert response.subscribers
    assert all(str(warning).startswith("segment ") for warning in response.warnings)
    for network in ("in_network", "out_of_network"):
        summary, _figures = summary_of(text, network)
        assert_figures_match_their_segments(text, summary)


def test_aetna_pos_deductible_and_out_of_pocket_from_the_plan_lines_in_network():
    text = sample("01-aetna-choice-pos-ii.271")
    summary, figures = summary_of(text)

    assert summary["status"] == "active" and summary["warnings"] == []
    assert figures == {
        "deductible": Decimal("5000.00"), "deductible_met": Decimal("1244.43"),
        "out_of_pocket_max": Decimal("7000.00"), "out_of_pocket_met": Decimal("3634.05"),
        "copay": Decimal("70.00"), "coinsurance_percent": Decimal("0.00"),
    }
    assert {name: figure["position"] for name, figure in summary["figures"].items()} == {
        "deductible": 30, "deductible_met": 34, "out_of_pocket_max": 35, "out_of_pocket_met": 37,
        "coinsurance_percent": 64, "copay": 100,
    }


def test_aetna_copay_stated_only_under_office_visits_is_the_specialists_in_the_office():
    text = sample("01-aetna-choice-pos-ii.271")
    summary, _figures = summary_of(text)
    raw = raw_segments(text)

    copay = summary["figures"]["copay"]
    assert (copay["service_type"], copay["place_of_service"], copay["value"]) == ("98", "11", "70.00")
    said = [" ".join(s[1:]) for s in raw[copay["position"] + 1:copay["position"] + 4] if s[0] == "MSG"]
    assert "SPECIALIST VISIT OR EVALUATION,COPAY INCLUDED IN OOP" in said, "not the $45 primary-care or walk-in copay"


def test_aetna_deductible_waived_for_the_office_visit_in_network_only():
    text = sample("01-aetna-choice-pos-ii.271")
    inside, _ = summary_of(text)
    outside, _ = summary_of(text, "out_of_network")

    waived = inside["deductible_waived"]
    assert waived == {"service_type": "98", "network": "in_network", "place_of_service": "11",
                      "message": "SPECIALIST VISIT OR EVALUATION/PLAN DED WAIVED", "position": waived["position"]}
    eb = raw_segments(text)[waived["position"]]
    assert eb[:4] == ["EB", "F", "EMP", "98"] and eb[-1] == "Y"
    assert outside["deductible_waived"] is None, "out of network only the telemedicine visit's deductible is waived"


def test_aetna_out_of_network_figures_come_from_the_n_lines():
    summary, figures = summary_of(sample("01-aetna-choice-pos-ii.271"), "out_of_network")

    assert figures == {
        "deductible": Decimal("10000.00"), "deductible_met": Decimal("784.88"),
        "out_of_pocket_max": Decimal("14000.00"), "out_of_pocket_met": Decimal("784.88"),
        "copay": Decimal("0.00"), "coinsurance_percent": Decimal("40.00"),
    }
    assert {figure["network"] for figure in summary["figures"].values()} == {"out_of_network"}


def test_aetna_plan_type_dates_and_entities_by_qualifier():
    text = sample("01-aetna-choice-pos-ii.271")
    summary, _ = summary_of(text)

    plan = summary["plan"]
    assert (plan["name"], plan["plan_type"]) == ("AETNA CHOICE POS II", "POS")
    assert raw_segments(text)[plan["plan_type_position"]][:5] == ["EB", "1", "EMP", "30", "PS"]
    assert summary["dates"] == {"asked": "2025-09-09", "plan": {"begin": "2025-01-20", "end": None},
                                "eligibility": {"begin": "2021-10-01", "end": None}}
    assert (plan["begin"], plan["end"]) == ("2025-01-20", None)
    assert [(c["entity_code"], c["name"]) for c in summary["contacts"]] == [("P3", "PCP SELECTION NOT REQUIRED"), ("PR", "AETNA")]


def test_aetna_fills_the_requests_plan_type_and_figures():
    schema = VerificationRequestSchema()
    body = {"patient": {"first_name": "Terry", "last_name": "Sample", "date_of_birth": "1995-01-01"},
            "coverage": {"carrier": "Aetna", "member_id": "W000000001", "network_status": "in_network",
                         "eligibility_271": sample("01-aetna-choice-pos-ii.271")},
            "services": [{"code": "99214", "charge": 180}], "date_of_service": "2025-09-09"}

    coverage = schema.dump(merged(schema.load(body)))["coverage"]

    assert coverage["plan_type"] == "POS" and coverage["eligibility"]["plan_type_source"] == "271"
    assert coverage["benefits"]["copay"] == "70.00"
    assert coverage["eligibility"]["identity"]["member_id"] == "match"


def test_cms_rejection_with_its_eligibility_range_and_indentation_warning():
    text = sample("07-cms-hets-aaa72-indented.271")
    summary, figures = summary_of(text)

    assert summary["status"] == "rejected" and figures == {}
    [rejection] = summary["rejections"]
    assert (rejection["loop"], rejection["code"], rejection["follow_up_code"]) == ("2100C", "72", "C")
    assert summary["dates"]["eligibility"] == {"begin": "2012-03-10", "end": "2014-10-10"}, "DTP*307 RD8 is eligibility, not the plan"
    assert summary["dates"]["plan"] == {"begin": None, "end": None}
    assert summary["warnings"] == ["segment GS: segments are indented with tabs or spaces, which are not X12: the indentation was ignored."]


@pytest.mark.parametrize("name", ["09-x12guide-dependent-lfh.271", "13-oopfactory-example-3-2-2-dependent.271"])
def test_guide_dependent_example_is_read_for_the_dependent(name):
    text = sample(name)
    inside, figures = summary_of(text)
    outside, outside_figures = summary_of(text, "out_of_network")

    assert inside["patient_loop"] == "2100D" and inside["status"] == "active"
    assert (figures["copay"], outside_figures["copay"]) == (Decimal("10.00"), Decimal("30.00"))
    assert inside["figures"]["copay"]["service_type"] == "MH", "MH inside the EB03 repetition"
    assert inside["plan"]["plan_type"] == "HMO" and inside["plan"]["name"] == "GOLD 123 PLAN"
    assert inside["dates"]["plan"] == {"begin": "2006-01-01", "end": None}
    assert [(c["entity_code"], c["name"]) for c in inside["contacts"]] == [("P3", "MARCUS JONES")]


def test_the_a1_less_bom_indented_example_is_read_with_each_deviation_named():
    assert [str(w) for w in read_271(sample("13-oopfactory-example-3-2-2-dependent.271")).warnings] == [
        "segment ISA: the document starts with a UTF-8 byte-order mark, which is not X12: it was ignored.",
        "segment GS: segments are indented with tabs or spaces, which are not X12: the indentation was ignored.",
        "segment ST at position 1: ST03 (or GS08) says 005010X279, without the addenda (A1): read as 005010X279A1.",
        "segment GS: GS01 should be HB for a 271.",
        "segment HL at position 12: HL04 says child HL loops follow, but the document has none: read as HL02 links them.",
    ]


def test_payer_unavailable_behind_a_bom_and_spaces():
    summary, _ = summary_of(sample("11-anon-payer-aaa42-ebp-oopfactory.271"))

    assert summary["status"] == "rejected"
    assert [(r["loop"], r["code"], r["follow_up_code"]) for r in summary["rejections"]] == [("2100C", "42", "R")]
    assert summary["warnings"][0].startswith("segment ISA: the document starts with a UTF-8 byte-order mark")


def test_navicure_rejections_at_every_level_and_its_wrong_se01_count():
    text = sample("14-navicure-uhc-anon-tabs.271")
    summary, _ = summary_of(text)

    assert [(r["loop"], r["code"]) for r in summary["rejections"]] == [("2000A", "42"), ("2100B", "43"), ("2100C", "72"), ("2110C", "70")]
    assert "segment SE at position 36: SE01 says 53 segments, but the transaction set has 36 (ST to SE): " \
           "the segments were read as they are." in summary["warnings"]
    assert raw_segments(text)[36][:2] == ["SE", "53"]
