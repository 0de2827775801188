"""Policy data: one file per payer with its sources, versions that follow the data, the directory."""

import shutil

import pytest

from workers.rules import payer_directory, rules_version
from workers.rules.policy import (
    CHAMPVA,
    COMMERCIAL,
    COMMERCIAL_DIR,
    MEDICAID,
    MEDICARE,
    MEDICARE_ADVANTAGE,
    POLICY_DIR,
    SELF_PAY,
    TRICARE,
    VA_CCN,
    load_policy,
)
from workers.rules.programs import PROGRAMS

ALL_POLICIES = [VA_CCN, TRICARE, MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, CHAMPVA, SELF_PAY, *COMMERCIAL.values()]
REQUIRED_CARRIERS = {
    "Aetna", "Anthem Blue Cross", "Blue Shield of California", "Cigna", "UnitedHealthcare", "Kaiser Permanente",
    "Health Net", "Blue Cross Blue Shield of Massachusetts",
}


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda policy: policy.key)
def test_every_policy_names_itself_its_sources_and_a_version(policy):
    summary = policy.summary()
    assert summary["name"] and summary["version"].count("+") == 1
    assert policy.sources, f"{policy.key} cites no source"
    for source in policy.sources:
        assert source["title"] and "confirmed" in source and source["says"]


@pytest.mark.parametrize("key", sorted(COMMERCIAL), ids=str)
def test_each_commercial_carrier_keeps_its_whole_policy_in_one_file(key):
    data = COMMERCIAL[key].data
    assert {"carrier", "policy", "source", "ketamine", "esketamine", "visits", "network"} <= set(data)
    assert data["ketamine"]["coverage"] in {"experimental", "unproven", "prior_authorization"}
    assert data["esketamine"]["labelled_groups"] == ["depression"]


def test_default_row_says_it_is_a_default():
    default = COMMERCIAL["default"].data
    assert default["carrier"]["default"] is True
    assert default["policy"]["confirmed"] is False
    assert "default" in default["policy"]["name"].lower()


def test_editing_policy_data_changes_the_version_and_a_comment_does_not(tmp_path):
    original = POLICY_DIR / "triwest_va_ccn.toml"
    copy = tmp_path / original.name
    shutil.copy(original, copy)
    assert load_policy(copy).version == VA_CCN.version
    copy.write_text("# a new comment\n" + original.read_text())
    assert load_policy(copy).version == VA_CCN.version
    copy.write_text(original.read_text().replace("timely_filing_days = 180", "timely_filing_days = 120"))
    changed = load_policy(copy).version
    assert changed != VA_CCN.version
    assert changed.split("+")[0] == VA_CCN.version.split("+")[0]


def test_a_policy_naming_an_unknown_or_retired_carc_does_not_load(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text((COMMERCIAL_DIR / "aetna.toml").read_text().replace('carc = "55"', 'carc = "15"'))
    with pytest.raises(ValueError, match="15"):
        load_policy(path)


def test_rules_version_is_one_stable_string():
    assert rules_version() == rules_version()
    assert isinstance(rules_version(), str) and len(rules_version()) > 8


def test_payer_directory_lists_every_program_with_its_carriers():
    directory = payer_directory()
    assert [entry["program"] for entry in directory] == list(PROGRAMS)
    for entry in directory:
        assert {"program", "rule_module", "rule_version", "description", "carriers"} <= set(entry)
        for carrier in entry["carriers"]:
            assert {"name", "aliases", "payer_ids", "policy"} <= set(carrier)
            assert {"name", "source", "version"} <= set(carrier["policy"])
    commercial = {carrier["name"] for carrier in directory[2]["carriers"]}
    assert REQUIRED_CARRIERS <= commercial
    va = directory[0]["carriers"][0]
    assert va["payer_ids"] == ["TWVACCN"] and "TriWest" in va["aliases"]


def test_payer_directory_is_a_copy():
    payer_directory()[0]["carriers"].clear()
    assert payer_directory()[0]["carriers"]


def test_data_folders_are_packages_so_a_non_editable_install_ships_the_toml_files():
    # setuptools ships package data only from packages (folders with __init__.py).
    for folder in (POLICY_DIR, COMMERCIAL_DIR, POLICY_DIR.parent / "catalogs"):
        assert (folder / "__init__.py").is_file()
