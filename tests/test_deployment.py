"""docker-compose.yml parses, and runs the same commands as `make run` (the Procfile)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def compose_command() -> list[str]:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    assert shutil.which("docker-compose"), "make test installs docker-compose (Debian's) to check the file"
    return ["docker-compose"]


def test_compose_file_is_valid():
    result = subprocess.run([*compose_command(), "config", "-q"], cwd=ROOT, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_compose_runs_the_procfile_commands_with_health_checks():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)

    assert {"api", "worker", "beat", "redis", "postgres"} <= set(services)
    assert " ".join(services["api"]["command"]) == procfile["api"].replace("'", "")
    assert " ".join(services["worker"]["command"]) == procfile["worker"]
    assert " ".join(services["beat"]["command"]) == procfile["beat"], "one beat sends the sweep and the purge"
    assert all("healthcheck" in services[name] for name in ("api", "worker", "redis", "postgres"))


def test_the_lock_pins_every_dependency_with_hashes_and_satisfies_pyproject():
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lock = (ROOT / "requirements.lock").read_text()
    pinned = {}
    for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", lock, re.MULTILINE):
        pinned[canonicalize_name(name)] = version
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 2)[2])
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry), "every pin carries its hashes"
    for dependency in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        requirement = Requirement(dependency)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {requirement.name} {pinned[name]}, outside {requirement.specifier}: run `make lock`")


def test_workers_scale_out_and_beat_runs_once():
    """`docker compose up --scale worker=N`: nothing fixes a worker to one instance, and beat, the one thing
    that must run once, is its own service rather than part of every worker."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    worker, beat = services["worker"], services["beat"]

    assert not {"container_name", "ports", "hostname"} & set(worker), "a fixed name, host port or hostname stops --scale"
    assert not {"--beat", "-B"} & set(worker["command"]), "beat inside every worker would send each schedule N times"
    assert "beat" in beat["command"]
    assert "deploy" not in beat or beat["deploy"].get("replicas", 1) == 1
    assert worker["environment"]["BV_WORKER_METRICS_PORT"] and "9808" in worker["expose"]
