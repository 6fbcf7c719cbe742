#!/usr/bin/env bash
# Regenerate requirements.lock: the exact versions the tests passed with, in .venv.
#
#   scripts/lock.sh            (needs `uv` on PATH: pip install uv)
#
# Upgrading a dependency: change its range in pyproject.toml, `.venv/bin/pip install` the
# new version, run `./run test` (tests/test_scheduling.py proves Prefect's scheduler still
# makes runs), then run this. `./run` installs from the lock, so every machine and CI get
# what was tested; a lock newer than .venv/.installed makes `./run` reinstall.
set -euo pipefail
cd "$(dirname "$0")/.."
tested=.venv/tested-constraints.txt
# the installed versions, pinned (a wheel installed from a file is pinned by its version)
.venv/bin/python - > "$tested" <<'PY'
from importlib.metadata import distributions
names = {}
for d in distributions():
    name = d.metadata["Name"]
    if name and name.lower() != "phuxanh":
        names[name.lower()] = f"{name}=={d.version}"
print("\n".join(sorted(names.values())))
PY
{
  echo "# The tested versions of phuxanh's dependencies (Python 3.11, Linux), made by"
  echo "# scripts/lock.sh from the .venv that passed ./run test; ./run installs exactly these."
  uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
      -c "$tested" --no-header --quiet | grep -v -- "-c $tested"
} > requirements.lock.part
mv requirements.lock.part requirements.lock
rm -f "$tested"
echo "requirements.lock: $(grep -c '==' requirements.lock) pinned packages"
