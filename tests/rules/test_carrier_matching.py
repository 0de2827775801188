"""Carrier names as cards and staff write them: every name the payer directory lists resolves to its own
carrier, however it is typed; a misspelling is resolved right or sent to a person with the right name
first among `carrier_suggestions`; a name nobody knows is never answered by a default (CONTRACT.md
"No silent default")."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import OSA

from tests.rules.builders import kinds, make_request, requirement_texts
from workers.rules import evaluate, payer_directory
from workers.rules.request import read_request
from workers.rules.routing import alias_key, compact, match_carrier, route, written_key


def identity(candidate):
    """(program, carrier name), the carrier name None for a name that means the program itself."""
    return candidate.program, candidate.name if candidate.key else None


def directory_names() -> dict[str, set[tuple[str, str | None]]]:
    """Every name and alias the payer directory lists -> the carriers (program, name) that list it."""
    names: dict[str, set] = {}
    for entry in payer_directory():
        for alias in entry.get("aliases", ()):
            names.setdefault(alias, set()).add((entry["program"], None))
        for carrier in entry["carriers"]:
            if carrier.get("default"):
                continue  # "no policy on file" is not a carrier
            for alias in (carrier["name"], *carrier["aliases"]):
                names.setdefault(alias, set()).add((entry["program"], carrier["name"]))
    # Names that read the same (case, spacing, "BCBS") are one name: every carrier listing any of them.
    by_key: dict[str, set] = {}
    for alias, owners in names.items():
        by_key.setdefault(compact(alias_key(alias)), set()).update(owners)
    return {alias: by_key[compact(alias_key(alias))] for alias in names}


NAMES = directory_names()
# A name owned by two programs (TriWest, VA) is told apart by the rest of the request, not the name.
SINGLE_OWNER = {alias: owners for alias, owners in NAMES.items() if len({program for program, _ in owners}) == 1}


def test_the_directory_lists_every_program_and_the_names_cards_carry():
    # DOMAIN.md "Other programs": managed-care names that hide Medicaid, and Medicare Advantage names.
    for alias in ("Aetna Better Health", "Anthem Blue Cross Medi-Cal", "Blue Shield Promise", "Health Net Medi-Cal",
                  "L.A. Care", "UnitedHealthcare Community Plan", "UnitedHealthcare Medicare Advantage",
                  "Humana Gold Plus", "Medicare", "Medi-Cal", "Medicaid", "CHAMPVA"):
        assert alias in NAMES, alias
    assert {program for owners in NAMES.values() for program, _ in owners} == {
        "va_ccn", "tricare", "commercial", "medicare", "medicare_advantage", "medicaid", "champva"}


@pytest.mark.parametrize("alias", sorted(NAMES), ids=str)
def test_every_directory_name_resolves_to_the_carriers_that_list_it(alias):
    assert {identity(c) for c in match_carrier(alias).candidates} == NAMES[alias]


def tolerant_forms(alias: str) -> list[str]:
    """The same name as people type it: case, spacing, punctuation, "BCBS of" (CONTRACT.md)."""
    words = alias.split()
    forms = [alias.upper(), alias.lower(), alias.title(), f"  {alias}  ", "  ".join(words), ", ".join(words) + ".",
             "-".join(words)]
    if alias.lower().startswith("blue cross blue shield"):
        forms.append("BCBS" + alias[len("blue cross blue shield"):])
        forms.append("Blue Cross & Blue Shield" + alias[len("blue cross blue shield"):])
    if 1 < len(words) <= 3 and not ({"of", "the", "and", "inc", "bcbs"} & {word.lower() for word in words}):
        forms.append("".join(words))  # "Tri West" written "TriWest", and the reverse
    return forms


def test_every_payer_id_resolves_to_a_carrier_billing_under_it():
    for entry in payer_directory():
        for carrier in entry["carriers"]:
            for payer_id in carrier["payer_ids"]:
                found = match_carrier(payer_id).candidates
                assert found, payer_id
                assert all(payer_id in row["payer_ids"] for c in found for e in payer_directory() if e["program"] == c.program
                           for row in e["carriers"] if row["name"] == c.name), payer_id


@pytest.mark.parametrize("alias", sorted(NAMES), ids=str)
def test_case_spacing_and_punctuation_do_not_change_the_carrier(alias):
    for form in tolerant_forms(alias):
        assert {identity(c) for c in match_carrier(form).candidates} == NAMES[alias], form


@pytest.mark.parametrize("written, carrier", [
    ("BCBS of Massachusetts", "Blue Cross Blue Shield of Massachusetts"),  # the issue's own example
    ("Blue Cross and Blue Shield of Massachusetts", "Blue Cross Blue Shield of Massachusetts"),
    ("bcbs  of alabama", "Blue Cross Blue Shield (other Blue plans)"),
    ("Tri West", "TriWest Healthcare Alliance"),
    ("tri-west healthcare alliance", "TriWest Healthcare Alliance"),
    ("LA Care Health Plan", "L.A. Care Health Plan (Medi-Cal)"),
    ("MediCal", None),
])
def test_the_common_ways_of_writing_a_name_resolve(written, carrier):
    assert carrier in {c.name if c.key else None for c in match_carrier(written).candidates}


@pytest.mark.parametrize("written, program, key", [
    # The longest, most specific alias wins (issue text; DOMAIN.md "names hide them").
    ("BCBS of Massachusetts", "commercial", "bcbs_massachusetts"),
    ("Blue Cross Blue Shield of Texas", "commercial", "blue_cross_blue_shield"),
    ("UnitedHealthcare Community Plan", "medicaid", "uhc_community_plan"),
    ("UnitedHealthcare Medicare Advantage", "medicare_advantage", "uhc_medicare_advantage"),
    ("UnitedHealthcare Choice Plus", "commercial", "unitedhealthcare"),
    ("Health Net Medi-Cal", "medicaid", "health_net_medi_cal"),
    ("Health Net", "commercial", "health_net"),
    ("Health Net Federal Services", "tricare", "hnfs_legacy"),
    ("Aetna Better Health", "medicaid", "aetna_better_health"),
    ("Aetna Better Health of California", "medicaid", "aetna_better_health_california"),
    ("Aetna Open Access", "commercial", "aetna"),
    ("Anthem Blue Cross Medi-Cal", "medicaid", "anthem_medi_cal"),
    ("Anthem Blue Cross", "commercial", "anthem_blue_cross"),
    ("Blue Shield Promise", "medicaid", "blue_shield_promise"),
    ("Blue Shield of California", "commercial", "blue_shield_california"),
    ("Humana Gold Plus HMO", "medicare_advantage", "humana_medicare_advantage"),
    ("Humana Military", "tricare", "humana_east"),
    ("Kaiser Permanente Senior Advantage", "medicare_advantage", "kaiser_senior_advantage"),
    ("L.A. Care Health Plan", "medicaid", "la_care"),
    ("Medicare Part B", "medicare", None),
    ("CHAMPVA", "champva", "champva_denver"),
])
def test_the_longest_alias_wins(written, program, key):
    assert [(c.program, c.key) for c in match_carrier(written).candidates] == [(program, key)]


def misspellings(alias: str) -> list[str]:
    """A letter dropped (first, middle, last), two letters swapped, one doubled: the slips intake makes."""
    middle = len(alias) // 2
    slips = {alias[1:], alias[:middle] + alias[middle + 1:], alias[:-1],
             alias[:middle] + alias[middle + 1] + alias[middle] + alias[middle + 2:],
             alias[:middle] + alias[middle] + alias[middle:]}
    return sorted(slip for slip in slips if slip.strip() and compact(alias_key(slip)) != compact(alias_key(alias)))


# Misspellings of names of five letters or more: a slip in "UHC" or a payer id is another name, not a typo.
TYPO_CASES = [
    (alias, slip)
    for alias in sorted(NAMES)
    if len(written_key(alias)) >= 5 and not written_key(alias).isdigit()
    for slip in misspellings(alias)
]


@pytest.mark.parametrize("alias, slip", TYPO_CASES, ids=[f"{a}->{s}" for a, s in TYPO_CASES])
def test_a_misspelling_is_resolved_right_or_suggested_never_resolved_wrong(alias, slip):
    found = match_carrier(slip)
    if found.candidates:
        assert {identity(c) for c in found.candidates} == NAMES[alias]
    else:
        assert found.suggestions, f"{slip!r}: no suggestion"
        first = identity(found.suggestions[0])
        if first not in NAMES[alias]:
            # Only a true tie may put another carrier first: "Medicare Part " is one slip from Part B and Part C.
            assert slips_to(slip, {first}) == slips_to(slip, NAMES[alias]), [c.name for c in found.suggestions]
            assert any(identity(c) in NAMES[alias] for c in found.suggestions)


def slips_to(slip: str, owners: set) -> int:
    """The fewest typing slips from `slip` to any directory name of these carriers."""
    return min(OSA.distance(written_key(slip), written_key(name)) for name, found in NAMES.items() if found & owners)


def test_a_misspelling_gives_needs_review_with_the_suggestions_in_the_result():
    result = evaluate(make_request("commercial", coverage__program=None, coverage__carrier="Untied Healthcare"))
    assert result["determination"] == "needs_review"
    assert result["carrier_suggestions"][0] == "UnitedHealthcare"
    assert "Untied Healthcare" in requirement_texts(result, "eligibility_confirmation")


@pytest.mark.parametrize("written, first", [
    # A name that starts with one carrier's alias but misspells a longer alias of another is not the short one.
    ("Anthem Blue Cross Medi-Cl", "Anthem Blue Cross Medi-Cal"),
    ("UnitedHealthcare Comunity Plan", "UnitedHealthcare Community Plan (Medicaid)"),
    ("Aetna Bettr Health of California", "Aetna Better Health of California (Medi-Cal)"),
    ("TRICARE Eats", "Humana Military (TRICARE East Region)"),
    ("Medicre", "Original Medicare (Part B)"),
    ("CHAMVA", "CHAMPVA (VA Office of Integrated Veteran Care, Denver)"),
])
def test_a_near_miss_of_a_longer_alias_is_suggested_not_resolved_to_the_shorter(written, first):
    found = match_carrier(written)
    assert found.candidates == ()
    assert found.suggestions[0].name == first


def test_a_near_miss_of_a_government_name_gets_no_commercial_guidance():
    # DOMAIN.md: a government program is never decided by a commercial policy, not even as guidance.
    result = evaluate(make_request("commercial", coverage__program=None, coverage__carrier="Medicre Part B"))
    assert result["determination"] == "needs_review"
    assert result["program"] is None and "default_policy_guidance" not in result
    assert result["carrier_suggestions"][0] == "Original Medicare (Part B)"


# Made-up carriers built from words no alias uses (checked below), the way real plan names are built.
FIRST = ["Acme", "Sunrise", "Harborview", "Granite State", "Pinecrest", "Bluewater", "Evergreen Valley", "Redwood Coast",
         "Lakeshore", "Northstar", "Silverline", "Oakridge", "Prairie Wind", "Keystone Mountain", "Lighthouse",
         "Copperfield", "Driftwood", "Maple Leaf", "Ironwood", "Starfish", "Juniper", "Cobblestone", "Windmill",
         "Thunderbird", "Goldenrod"]
SECOND = ["Mutual", "Health Plan", "Benefit Trust", "Insurance Company", "Assurance", "Employee Benefits Fund"]
MADE_UP = [f"{first} {SECOND[index % len(SECOND)]}" for index, first in enumerate(FIRST)] + [
    f"{first} {SECOND[(index + 3) % len(SECOND)]}" for index, first in enumerate(FIRST)]


def test_fifty_made_up_carriers_none_of_which_is_a_real_alias():
    assert len(set(MADE_UP)) == 50
    for name in MADE_UP:
        assert match_carrier(name).candidates == (), name


@pytest.mark.parametrize("name", MADE_UP)
def test_a_made_up_carrier_needs_review_over_the_whole_request(name):
    result = evaluate(make_request("commercial", coverage__program=None, coverage__carrier=name))
    assert result["determination"] == "needs_review"
    assert {line["determination"] for line in result["lines"]} == {"needs_review"}
    assert "eligibility_confirmation" in kinds(result)
    assert name in requirement_texts(result, "eligibility_confirmation")
    assert "guidance only" in result["default_policy_guidance"]["label"]


@pytest.mark.parametrize("name", MADE_UP[:10])
def test_a_made_up_carrier_with_program_commercial_needs_review_too(name):
    result = evaluate(make_request("commercial", coverage__carrier=name))
    assert result["determination"] == "needs_review"


@pytest.mark.parametrize("alias", sorted(SINGLE_OWNER), ids=str)
def test_a_directory_name_routes_to_its_program_and_carrier(alias):
    request = make_request("commercial", coverage__program=None, coverage__plan_type=None, coverage__carrier=alias)
    chosen = route(read_request(request), [])
    assert chosen.review is None
    assert (chosen.program, chosen.candidate.name if chosen.candidate and chosen.candidate.key else None) in NAMES[alias]
