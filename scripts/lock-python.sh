#!/usr/bin/env bash
# Regenerates python/requirements.lock and python/iac-requirements.lock (versions and hashes, every
# platform and Python >= 3.10) from their .in files with uv, installed in a throw-away virtualenv at
# the pinned version. scripts/ensure-venv.sh reinstalls a virtualenv the next time it runs, because
# its lock's hash changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$(mktemp -d)"
trap 'rm -rf "$TOOLS"' EXIT
python3 -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "uv==0.13.9"
for name in requirements iac-requirements; do
  "$TOOLS/venv/bin/uv" pip compile --quiet --universal --python-version 3.10 --generate-hashes \
    "$ROOT/python/$name.in" -o "$ROOT/python/$name.lock"
  echo "wrote python/$name.lock"
done
