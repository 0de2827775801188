"""Code formats the API validates against, and the normal form every rule compares.

The marshmallow schema imports the two patterns; the rules call the two normalisers. Both patterns
accept lower case and surrounding spaces, since the normalisers strip and upper-case.
"""

# CPT (5 digits), CPT Category II/III (4 digits + F or T), HCPCS Level II (a letter + 4 digits).
PROCEDURE_CODE_PATTERN = r"^\s*(?:[0-9]{5}|[0-9]{4}[FfTt]|[A-Za-z][0-9]{4})\s*$"

# ICD-10-CM: a letter, a digit, a digit or letter, then optionally 1-4 more characters, with or
# without the dot after the third ("F43.10", "F4310", "F32.A", "F32A").
DIAGNOSIS_CODE_PATTERN = r"^\s*[A-Za-z][0-9][0-9A-Za-z](?:\.?[0-9A-Za-z]{1,4})?\s*$"


def normalize_procedure(code: str) -> str:
    return code.strip().upper()


def normalize_diagnosis(code: str) -> str:
    compact = code.strip().upper().replace(".", "")
    if len(compact) > 3:
        return f"{compact[:3]}.{compact[3:]}"
    return compact
