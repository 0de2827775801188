"""pip-audit of the pinned dependency set, requirements.lock (what `pip install --require-hashes -r
requirements.lock` installs, as the Dockerfile does): fails on any known vulnerability, and says loudly
when the vulnerability service could not be asked (this machine reaches PyPI's package index but
neither PyPI's JSON API nor OSV, so nothing can be audited here).

Regenerate the lock after changing pyproject.toml's dependencies: `make lock`.

    python .ci/audit.py            # make test: vulnerabilities fail; an unreachable service is reported
    python .ci/audit.py --strict   # make lint: an unreachable service fails too
"""

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def main() -> int:
    strict = "--strict" in sys.argv
    # --disable-pip: the lock pins every package with its hashes, so nothing needs resolving or installing.
    run = subprocess.run([str(BIN / "pip-audit"), "-r", str(LOCK), "--require-hashes", "--disable-pip",
                          "--format", "json", "--progress-spinner", "off"], capture_output=True, text=True)
    try:
        dependencies = json.loads(run.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        print(run.stdout, run.stderr, sep="\n", file=sys.stderr)
        return 1
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"pip-audit: {dependency['name']} {dependency['version']} is vulnerable: {ids}", file=sys.stderr)
    if vulnerable:
        return 1
    if not audited:
        print("\n" + "!" * 78 + "\npip-audit: NOT AUDITED: the vulnerability service could not be reached for any of "
              f"the {len(dependencies)} packages of {LOCK.name}.\n" + "!" * 78 + "\n", file=sys.stderr)
        return 1 if strict else 0
    print(f"pip-audit: {len(audited)} packages of {LOCK.name} audited, no known vulnerabilities "
          f"({len(dependencies) - len(audited)} could not be).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
