"""Counts the cases the OpenAPI fuzzing ran, and says so at the end of the run."""

from collections import Counter

FUZZ_CASES: Counter = Counter()


def pytest_terminal_summary(terminalreporter):
    if FUZZ_CASES:
        terminalreporter.write_sep("-", "schemathesis")
        for operation, count in sorted(FUZZ_CASES.items()):
            terminalreporter.write_line(f"{count:6d}  {operation}")
        terminalreporter.write_line(f"{sum(FUZZ_CASES.values()):6d}  cases in all, over {len(FUZZ_CASES)} operations")
