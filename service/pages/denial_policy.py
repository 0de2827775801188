"""A commercial denial as billing acts on it: the payer policy behind it (name, link, date) and the appeal:
its window and what the file needs (appeals.toml, with its federal sources)."""

import re
from functools import cache
from pathlib import Path

from workers.rules.catalog import read_toml
from workers.rules.policy import COMMERCIAL

_URL = re.compile(r"\((https?://[^)\s]+)\)\s*$")


@cache
def _appeals() -> dict:
    return read_toml(Path(__file__).with_name("appeals.toml"))


def _policy_of(v: dict):
    named = (v.get("policy") or {}).get("name")
    return next((policy for policy in COMMERCIAL.values() if policy.name == named), None)


def cited_policy(v: dict) -> dict | None:
    """The policy a commercial result applied: its name, first linked source, and the date it took effect."""
    summary = v.get("policy")
    if v.get("program") != "commercial" or not summary:
        return None
    found = _URL.search(summary.get("source") or "")
    policy = _policy_of(v)
    effective = (policy.data.get("policy") or {}).get("effective") if policy else None
    dated = next((source.get("date") for source in policy.sources if source.get("date")), None) if policy else None
    return {
        "name": summary["name"],
        "url": found[1] if found else None,
        "date": str(effective or dated or "") or None,
        "sources": [source for source in policy.sources if source.get("url")] if policy else [],
    }


def appeal(v: dict) -> dict | None:
    """For a commercial result with a denial: the appeal window, what the file needs, and the rules behind it."""
    if v.get("program") != "commercial" or not v.get("denial_reasons"):
        return None
    data = _appeals()
    return {"window": data["window"]["text"], "days": data["window"]["days"], "needs": data["needs"]["items"],
            "sources": data["source"]}
