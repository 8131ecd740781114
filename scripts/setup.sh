#!/usr/bin/env bash
# Creates .venv/ in the checkout with exactly the pinned requirements, and the browser assets.
# Usage: scripts/setup.sh [requirements-file]   (default requirements.txt)
# When a requirements file changed since the last install, the environment is rebuilt from
# scratch, so a package dropped from the pins does not linger in an old .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null || py=python3
stamp=".venv/.installed-$(basename "$req")"
stale=0
for file in requirements.txt "$req"; do
  if [ -f "$stamp" ] && [ "$file" -nt "$stamp" ]; then stale=1; fi
done
if [ "$stale" = 1 ]; then
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
scripts/assets.sh
