#!/usr/bin/env bash
# Idempotent: make sure .venv holds the pinned moto[server] used by the integration tier and the demo.
# Creates the virtualenv with `python3 -m venv` if it is missing, installs moto only when it is
# missing or at another version, and says what it did. Safe to run on every CI run.
set -euo pipefail

MOTO_VERSION="5.2.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASG_VENV_DIR:-$ROOT/.venv}"
PY="$VENV/bin/python"

log() { printf '[ensure-venv] %s\n' "$*"; }

if ! command -v python3 >/dev/null 2>&1; then
  log "python3 not found on PATH: install Python >= 3.9 (moto ${MOTO_VERSION} needs it)" >&2
  exit 1
fi

if [[ ! -x "$PY" ]]; then
  log "creating virtualenv at $VENV ($(python3 --version 2>&1))"
  python3 -m venv "$VENV"
else
  log "virtualenv present at $VENV"
fi

installed="$("$PY" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)"
# The server extra brings flask/werkzeug; check that moto_server can really start.
if [[ "$installed" == "$MOTO_VERSION" && -x "$VENV/bin/moto_server" ]] \
  && "$PY" -c 'import flask, flask_cors, moto.server' >/dev/null 2>&1; then
  log "moto[server]==${MOTO_VERSION} already installed: nothing to do"
  exit 0
fi

if [[ -z "$installed" ]]; then
  log "moto not installed: installing moto[server]==${MOTO_VERSION}"
else
  log "moto ${installed} found, want ${MOTO_VERSION} (or server extra missing): installing moto[server]==${MOTO_VERSION}"
fi
"$PY" -m pip install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}"
log "installed moto $("$PY" -c 'import importlib.metadata as m; print(m.version("moto"))')"
