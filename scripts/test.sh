#!/usr/bin/env bash
# Installs what the suite needs (Python packages, browser assets, Debian's chromium for the
# browser tests) and runs the whole test suite. TEST_DATABASE_URL / TEST_REDIS_URL, when set, add
# the PostgreSQL and Redis variants.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-test.txt
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "could not install chromium: browser tests will skip" >&2
  else
    echo "chromium is not installed and this user cannot apt-get it: browser tests will skip" >&2
  fi
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
