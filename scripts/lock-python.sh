#!/usr/bin/env bash
# Regenerates python/requirements.lock (versions and hashes, every platform and Python >= 3.10)
# from python/requirements.in with uv, installed in a throw-away virtualenv at the pinned version.
# scripts/ensure-venv.sh reinstalls .venv the next time it runs, because the lock's hash changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$(mktemp -d)"
trap 'rm -rf "$TOOLS"' EXIT
python3 -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "uv==0.13.9"
"$TOOLS/venv/bin/uv" pip compile --quiet --universal --python-version 3.10 --generate-hashes \
  "$ROOT/python/requirements.in" -o "$ROOT/python/requirements.lock"
echo "wrote python/requirements.lock"
