"""Request bodies for the benchmark: the rules benchmark's realistic requests, made distinct by member id."""

from __future__ import annotations

import copy

import orjson

from bench.rules import REQUESTS

# The insured programs; each new request goes to the next one, so the worker sees a realistic mix.
INSURED = ("va_ccn", "tricare", "commercial")
MEMBER_PLACEHOLDER = "__MEMBER__"


def cached() -> bytes:
    """The request every cached POST repeats."""
    return orjson.dumps(REQUESTS["commercial"])


def new(number: int, tag: str) -> bytes:
    """A request no one has sent before: the `number`th program of the mix with its own member id."""
    request = copy.deepcopy(REQUESTS[INSURED[number % len(INSURED)]])
    request["coverage"]["member_id"] = f"B{tag}N{number}"
    return orjson.dumps(request)


def template() -> bytes:
    """The cached request with its member id left for the load generator to fill in."""
    request = copy.deepcopy(REQUESTS["commercial"])
    request["coverage"]["member_id"] = MEMBER_PLACEHOLDER
    return orjson.dumps(request)
