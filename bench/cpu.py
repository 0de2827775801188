"""CPU time per request, by who spent it: the server measured, PostgreSQL, Redis and wrk itself.

Every throughput row runs the two cores flat out, so its req/s is about 2 cores divided by the CPU
one request costs in all; these figures say where that CPU goes, and what a ratio to the ceiling allows.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
WHO = ("server", "PostgreSQL", "Redis", "wrk")


def _processes():
    """(command name, process group, CPU seconds) of every live process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: it ends at the last ')'.
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # After the command: state, ppid, pgrp, ... utime and stime are fields 14 and 15 of stat(5).
        yield name, int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK


def _snapshot(server_pgid: int, redis_pgid: int) -> dict[str, float]:
    spent = dict.fromkeys(WHO, 0.0)
    for name, pgid, seconds in _processes():
        if pgid == server_pgid:
            spent["server"] += seconds
        elif pgid == redis_pgid:
            spent["Redis"] += seconds
        elif name.startswith("postgres"):  # the server's backends and its WAL writer, checkpointer, ...
            spent["PostgreSQL"] += seconds
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been waited for
    spent["wrk"] = usage.ru_utime + usage.ru_stime
    return spent


class Meter:
    """Started before a measurement; `per_request(count)` after it: ms of CPU per request for each of WHO."""

    def __init__(self, server_pgid: int, redis_pgid: int):
        self.server_pgid, self.redis_pgid = server_pgid, redis_pgid
        self.before = _snapshot(server_pgid, redis_pgid)

    def per_request(self, count: int) -> dict[str, float]:
        after = _snapshot(self.server_pgid, self.redis_pgid)
        return {who: (after[who] - self.before[who]) * 1000 / count for who in WHO} if count else {}


def group_seconds(pgids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process group, and of every PostgreSQL process (under "PostgreSQL")."""
    names = {pgid: name for name, pgid in pgids.items()}
    spent = dict.fromkeys([*pgids, "PostgreSQL"], 0.0)
    for command, pgid, seconds in _processes():
        if pgid in names:
            spent[names[pgid]] += seconds
        elif command.startswith("postgres"):
            spent["PostgreSQL"] += seconds
    return spent
