"""Fixtures of the worker tests."""

import pytest

import workers.rules


@pytest.fixture
def evaluations(monkeypatch):
    """The member ids of the requests the rule modules evaluate during the test."""
    calls = []
    evaluate = workers.rules.evaluate
    monkeypatch.setattr(
        workers.rules, "evaluate", lambda request: calls.append(request["coverage"].get("member_id")) or evaluate(request)
    )
    return calls
