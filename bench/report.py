"""The table `make bench` prints, and its last line: the summary scripts read."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from bench.batch import BatchResult
from bench.cpu import WHO
from bench.load import Latency, Throughput

BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CACHED_RATIO_TARGET = 0.5
CACHED_P99_TARGET_MS = 20.0
UNCACHED_RATIO_TARGET = 1.5
RULES_TARGET_US = 100.0
# Against the floors measured beside them (rows 1b and 3c), which keep the service's guarantees.
CACHED_FLOOR_TARGET = 0.8
UNCACHED_FLOOR_TARGET = 1.2
SQLITE_CACHED_P99_TARGET_MS = 20.0
BATCH_TARGET_S = 30.0
RSS_GROWTH_TARGET_PCT = 10.0


@dataclass
class Memory:
    """Resident memory (bytes) of the API's and the worker's process groups after the first and the last count;
    `detail` says why the last count fell short of the one asked for."""

    first_count: int
    last_count: int
    api: tuple[int, int]
    worker: tuple[int, int]
    detail: str = ""

    @staticmethod
    def growth_pct(pair: tuple[int, int]) -> float:
        return (pair[1] - pair[0]) / pair[0] * 100


@dataclass
class Results:
    rules_us: dict[str, float] = field(default_factory=dict)
    celery: Latency | None = None
    # The floors: what the service's hot paths cannot avoid (one durable write; a row carried through Celery).
    celery_carry: Latency | None = None
    celery_carry_http: Latency | None = None
    ceiling: Throughput | None = None
    ceiling_write: Throughput | None = None
    cached: dict[str, Throughput] = field(default_factory=dict)
    uncached: dict[str, Latency] = field(default_factory=dict)
    uncached_failures: dict[str, int] = field(default_factory=dict)
    # Rows 3c and 4 on PostgreSQL, interleaved: ms of CPU per request of each process group, and of PostgreSQL.
    uncached_cpu_ms: dict[str, float] = field(default_factory=dict)
    batch: BatchResult | None = None
    memory: Memory | None = None

    def cached_vs_ceiling(self, backend: str = "postgresql") -> float:
        if backend not in self.cached or not self.ceiling:
            return math.nan
        return self.cached[backend].rate / self.ceiling.rate

    def uncached_vs_celery(self, backend: str = "postgresql") -> float:
        if backend not in self.uncached or not self.celery:
            return math.nan
        return self.uncached[backend].p50_ms / self.celery.p50_ms

    def cached_vs_floor(self, backend: str = "postgresql") -> float:
        """Cached POST req/s over row 1b's (the ceiling plus the one durable write a cached check must make)."""
        if backend not in self.cached or not self.ceiling_write:
            return math.nan
        return self.cached[backend].rate / self.ceiling_write.rate

    def uncached_vs_floor(self, backend: str = "postgresql") -> float:
        """Uncached POST p50 over row 3c's (a durable row carried through a Celery task, over HTTP)."""
        if backend not in self.uncached or not self.celery_carry_http:
            return math.nan
        return self.uncached[backend].p50_ms / self.celery_carry_http.p50_ms

    def sqlite_cached_p99_ms(self) -> float:
        return self.cached["sqlite"].p99_ms if "sqlite" in self.cached else math.nan

    def worst_rules_us(self) -> float:
        return max(self.rules_us.values()) if self.rules_us else math.nan

    def batch_seconds(self) -> float:
        return self.batch.seconds if self.batch and self.batch.seconds is not None else math.nan

    def rss_growth_pct(self) -> float:
        if not self.memory:
            return math.nan
        return max(Memory.growth_pct(self.memory.api), Memory.growth_pct(self.memory.worker))


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✓" if ok else "✗")


def _throughput(figures: Throughput) -> str:
    failures = figures.non_2xx + figures.socket_errors
    return (f"{figures.rate:,.0f} req/s  p50 {figures.p50_ms:.1f} ms  p99 {figures.p99_ms:.1f} ms"
            + (f"  ({failures} failed)" if failures else ""))


def _latency(figures: Latency) -> str:
    return f"p50 {figures.p50_ms:.1f} ms  p99 {figures.p99_ms:.1f} ms"


def rows(results: Results) -> list[tuple[str, str, str, str, str, str]]:
    """(figure, measured, reference, ratio, target, ✓/✗) for every figure taken."""
    table = []
    ceiling, floor = results.ceiling, results.ceiling_write
    if ceiling:
        table.append(("1 ceiling: bare Flask + 1 Redis GET", _throughput(ceiling), "", "", "the reference", ""))
    if floor:
        table.append(("1b … + 1 durable INSERT of what it read", _throughput(floor),
                      f"ceiling {ceiling.rate:,.0f} req/s" if ceiling else "",
                      f"{floor.rate / ceiling.rate:.2f}×" if ceiling else "", "a cached POST's floor", ""))
    for backend, name in BACKENDS.items():
        if backend in results.cached:
            figures = results.cached[backend]
            ratio, to_floor = results.cached_vs_ceiling(backend), results.cached_vs_floor(backend)
            ok = (to_floor >= CACHED_FLOOR_TARGET if floor else ratio >= CACHED_RATIO_TARGET) \
                and figures.p99_ms <= CACHED_P99_TARGET_MS and not figures.non_2xx
            table.append((f"2 cached POST, {name}", _throughput(figures),
                          f"ceiling {ceiling.rate:,.0f} req/s" if ceiling else "",
                          f"{ratio:.2f}×" + (f" ({to_floor:.2f}× 1b)" if floor else ""),
                          f"≥ {CACHED_FLOOR_TARGET}× 1b, p99 ≤ {CACHED_P99_TARGET_MS:.0f} ms", _mark(ok)))
    if results.celery:
        table.append(("3 Celery round trip: no-op delay().get()", _latency(results.celery), "", "", "the reference", ""))
    carry_http = results.celery_carry_http
    for label, floor_latency, what in (
            ("3b … INSERT a row, a task reads and writes it", results.celery_carry, "an uncached POST's floor"),
            ("3c … the same behind a bare Flask POST", carry_http, "… as a client sees it")):
        if floor_latency:
            table.append((label, _latency(floor_latency),
                          f"Celery p50 {results.celery.p50_ms:.1f} ms" if results.celery else "",
                          f"{floor_latency.p50_ms / results.celery.p50_ms:.2f}×" if results.celery else "", what, ""))
    for backend, name in BACKENDS.items():
        if backend in results.uncached:
            figures = results.uncached[backend]
            ratio, to_floor = results.uncached_vs_celery(backend), results.uncached_vs_floor(backend)
            failures = results.uncached_failures.get(backend, 0)
            met = to_floor <= UNCACHED_FLOOR_TARGET if carry_http else ratio <= UNCACHED_RATIO_TARGET
            table.append((f"4 uncached POST ?wait=10, {name}",
                          _latency(figures) + (f"  ({failures} not 200)" if failures else ""),
                          f"Celery p50 {results.celery.p50_ms:.1f} ms" if results.celery else "",
                          f"{ratio:.2f}×" + (f" ({to_floor:.2f}× 3c)" if carry_http else ""),
                          f"p50 ≤ {UNCACHED_FLOOR_TARGET}× 3c", _mark(met and not failures)))
    for program, micros in results.rules_us.items():
        table.append((f"5 rules: evaluate(), {program}", f"{micros:.1f} µs/request", "", "",
                      f"≤ {RULES_TARGET_US:.0f} µs", _mark(micros <= RULES_TARGET_US)))
    if results.batch:
        seconds = results.batch.seconds
        measured = results.batch.detail if seconds is None or math.isinf(seconds) else f"{seconds:.1f} s  ({results.batch.detail})"
        table.append((f"6 batch: {results.batch.rows:,} CSV rows, PostgreSQL", measured, "", "", f"≤ {BATCH_TARGET_S:.0f} s",
                      _mark(None if seconds is None else seconds <= BATCH_TARGET_S)))
    if results.memory:
        memory = results.memory
        for what, pair in (("API (gunicorn, all processes)", memory.api), ("worker (Celery, all processes)", memory.worker)):
            growth = Memory.growth_pct(pair)
            table.append((f"7 memory: {what}", f"{pair[1] / 2**20:,.0f} MiB after {memory.last_count:,} requests"
                          + (f" ({memory.detail})" if memory.detail else ""),
                          f"{pair[0] / 2**20:,.0f} MiB after {memory.first_count:,}", f"{growth:+.1f}%",
                          f"≤ {RSS_GROWTH_TARGET_PCT:.0f}% growth", _mark(growth <= RSS_GROWTH_TARGET_PCT)))
    return table


def render(results: Results) -> str:
    header = ("figure", "measured", "reference (same run)", "ratio", "target", "")
    table = [header, *rows(results)]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    lines = []
    for index, row in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def cpu_rows(results: Results) -> list[tuple[str, ...]]:
    """Where each throughput row's CPU went, per request, and the budget the cached target leaves."""
    measured = [("1 ceiling", results.ceiling), ("1b ceiling + 1 durable INSERT", results.ceiling_write)]
    measured += [(f"2 cached POST, {name}", results.cached.get(backend)) for backend, name in BACKENDS.items()]
    table = []
    for label, figures in measured:
        if figures and figures.cpu_ms:
            spent = [figures.cpu_ms[who] for who in WHO]
            table.append((label, *(f"{ms:.3f}" for ms in spent), f"{sum(spent):.3f}"))
    return table


def render_cpu(results: Results) -> str:
    table = cpu_rows(results)
    if not table:
        return ""
    header = ("ms of CPU per request", *WHO, "total")
    widths = [max(len(row[column]) for row in (header, *table)) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in (header, *table)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    if results.ceiling_write and results.ceiling_write.cpu_ms:
        budget = sum(results.ceiling_write.cpu_ms.values()) / CACHED_FLOOR_TARGET
        lines.append(f"Every row keeps the {os.cpu_count()} cores busy, so req/s ≈ cores ÷ total: "
                     f"{CACHED_FLOOR_TARGET}× 1b's req/s leaves a cached POST {budget:.3f} ms in all.")
    return "\n".join(lines)


def render_uncached_cpu(results: Results) -> str:
    cpu = results.uncached_cpu_ms
    if not cpu:
        return ""
    return ("ms of CPU per request while rows 3c and 4 (PostgreSQL) alternate: "
            f"row 3c's Flask view {cpu['ceiling']:.2f} and reference worker {cpu['reference worker']:.2f}; "
            f"row 4's API {cpu['API']:.2f} and worker {cpu['worker']:.2f}; "
            f"PostgreSQL {cpu['PostgreSQL']:.2f} and Redis {cpu['Redis']:.2f} for one of each together.")


def summary(results: Results) -> str:
    """The one line scripts read: PostgreSQL figures, ratios to this run's references."""
    return (f"bench: cached_vs_ceiling={results.cached_vs_ceiling():.2f} uncached_vs_celery={results.uncached_vs_celery():.2f} "
            f"rules_us={results.worst_rules_us():.1f} batch10k_s={results.batch_seconds():.1f} "
            f"rss_growth_pct={results.rss_growth_pct():.1f} cached_vs_floor={results.cached_vs_floor():.2f} "
            f"uncached_vs_floor={results.uncached_vs_floor():.2f} sqlite_cached_p99_ms={results.sqlite_cached_p99_ms():.1f}")
