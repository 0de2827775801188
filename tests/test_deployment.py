"""docker-compose.yml parses, and runs the same commands as `make run` (the Procfile)."""

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
