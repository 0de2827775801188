"""Load generators: wrk for throughput (16 connections) and a keep-alive client for sequential latency."""

from __future__ import annotations

import http.client
import json
import math
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SCRIPTS = Path(__file__).resolve().parent / "wrk"
CONNECTIONS = 16
THREADS = 2


@dataclass
class Throughput:
    """What wrk measured: requests over seconds, latency percentiles in milliseconds, failures."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per request by who spent it (bench/cpu.py)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Latency:
    """Client-side latencies of sequential calls, in milliseconds."""

    samples: list[float]

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 99)


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least q% of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: `make bench` installs it (apt-get install wrk).")
    return found


def _command(url: str, script: str, args: list[str], seconds: float) -> list[str]:
    return [wrk_binary(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
            "-s", str(SCRIPTS / script), url, "--", *args]


def _parse(output: str) -> Throughput:
    for line in output.splitlines():
        if line.startswith("BENCH "):
            figures = json.loads(line[len("BENCH "):])
            return Throughput(
                requests=figures["requests"],
                seconds=figures["duration_us"] / 1e6,
                p50_ms=figures["p50_us"] / 1000,
                p99_ms=figures["p99_us"] / 1000,
                non_2xx=figures["non_2xx"],
                socket_errors=figures["socket_errors"],
            )
    raise RuntimeError(f"wrk printed no figures:\n{output}")


def wrk(url: str, seconds: float, args: list[str] = (), script: str = "request.lua") -> Throughput:
    """Run wrk for `seconds` against `url` (16 connections, 2 threads)."""
    done = subprocess.run(_command(url, script, list(args), seconds), capture_output=True, text=True,
                          timeout=seconds + 60)
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return _parse(done.stdout)


def mix(url: str, requests: int, cached_body: Path, template: Path, key: str, phase: str,
        cap_seconds: float) -> Throughput:
    """Send `requests` of mix.lua's traffic (each thread stops at its share), or as many as `cap_seconds` allow."""
    per_thread = math.ceil(requests / THREADS)
    args = [str(cached_body), str(template), key, str(per_thread), phase]
    process = subprocess.Popen(_command(url, "mix.lua", args, cap_seconds),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, finished = [], 0
    try:
        for line in process.stdout:
            lines.append(line)
            if line.strip() == "THREAD-DONE":
                finished += 1
                if finished == THREADS:
                    # wrk sleeps out its whole duration even when every thread has stopped: wake it.
                    process.send_signal(signal.SIGINT)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return _parse("".join(lines))


class Client:
    """One keep-alive HTTP connection to the API, for sequential calls timed from the client's side."""

    def __init__(self, base_url: str, key: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": f"Bearer {key}"}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        """(status, body bytes, seconds) of one call."""
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            data = answer.read()
        except (http.client.HTTPException, OSError):
            # The server closed an idle keep-alive connection: one fresh try.
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            started = time.perf_counter()
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            data = answer.read()
        return answer.status, data, time.perf_counter() - started

    def close(self) -> None:
        self.connection.close()
