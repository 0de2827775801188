import re

import pytest

from workers.rules.codes import (
    DIAGNOSIS_CODE_PATTERN,
    PROCEDURE_CODE_PATTERN,
    normalize_diagnosis,
    normalize_procedure,
)


@pytest.mark.parametrize(
    "code, valid",
    [
        ("96365", True),
        ("0591T", True),
        ("3008F", True),
        ("J3490", True),
        ("j3490", True),
        (" 99213 ", True),
        ("s0013", True),
        ("9636", False),
        ("963655", False),
        ("JJ349", False),
        ("3490J", False),
        ("9636A", False),
        ("", False),
        ("J34 90", False),
    ],
)
def test_procedure_code_pattern_accepts_cpt_hcpcs_and_category_iii_only(code, valid):
    assert (re.match(PROCEDURE_CODE_PATTERN, code) is not None) is valid


@pytest.mark.parametrize(
    "code, valid",
    [
        ("F43.10", True),
        ("F4310", True),
        ("f43.10", True),
        ("F32.A", True),
        ("F32A", True),
        ("F33.2", True),
        ("F10", True),
        ("R45.851", True),
        ("S72.001A", True),
        ("43.10", False),
        ("F4", False),
        ("F43.12345", False),
        ("FF3.1", False),
        ("F43..1", False),
        ("", False),
    ],
)
def test_diagnosis_code_pattern_accepts_dotted_and_undotted_icd10cm(code, valid):
    assert (re.match(DIAGNOSIS_CODE_PATTERN, code) is not None) is valid


@pytest.mark.parametrize(
    "raw, normal",
    [("f4310", "F43.10"), ("F32A", "F32.A"), (" f33.2 ", "F33.2"), ("F43", "F43"), ("r45851", "R45.851"), ("F43.10", "F43.10")],
)
def test_normalize_diagnosis_upper_cases_and_dots(raw, normal):
    assert normalize_diagnosis(raw) == normal


@pytest.mark.parametrize("raw, normal", [(" j3490 ", "J3490"), ("96365", "96365"), ("0591t", "0591T")])
def test_normalize_procedure_strips_and_upper_cases(raw, normal):
    assert normalize_procedure(raw) == normal
