#!/usr/bin/env bash
# Installs the browser libraries from the npm registry (versions pinned in package.json and
# package-lock.json) and copies the files Kept serves into static/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --silent
fi
mkdir -p static/vendor
cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io.min.js
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
