#!/usr/bin/env bash
# Idempotent: make sure .venv holds exactly the locked Python packages (python/requirements.lock:
# moto[server] and every dependency, versions and hashes) used by the integration tier and the demo.
# Creates the virtualenv with `python3 -m venv` if it is missing, reinstalls when the lock file
# changed since the last install (a stamp inside the virtualenv holds the lock's sha256), and says
# what it did. Safe to run on every CI run. Regenerate the lock with scripts/lock-python.sh.
set -euo pipefail

PYTHON_MIN="3.10" # moto 5.2.5 declares Requires-Python >=3.10
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASG_VENV_DIR:-$ROOT/.venv}"
PY="$VENV/bin/python"
LOCK="$ROOT/python/requirements.lock"
STAMP="$VENV/.requirements.lock.sha256"

log() { printf '[ensure-venv] %s\n' "$*"; }

if ! command -v python3 >/dev/null 2>&1; then
  log "python3 not found on PATH: install Python >= ${PYTHON_MIN} (moto needs it)" >&2
  exit 1
fi
if ! python3 -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '${PYTHON_MIN}'.split('.'))) else 1)"; then
  log "$(python3 --version 2>&1) is too old: install Python >= ${PYTHON_MIN} (moto needs it)" >&2
  exit 1
fi

if [[ ! -x "$PY" ]]; then
  log "creating virtualenv at $VENV ($(python3 --version 2>&1))"
  python3 -m venv "$VENV"
else
  log "virtualenv present at $VENV"
fi

want="$(sha256sum "$LOCK" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
# The server extra brings flask/werkzeug; check that moto_server can really start.
if [[ "$have" == "$want" && -x "$VENV/bin/moto_server" ]] \
  && "$PY" -c 'import flask, flask_cors, moto.server' >/dev/null 2>&1; then
  log "python/requirements.lock already installed: nothing to do"
  exit 0
fi

if [[ -z "$have" ]]; then
  log "installing python/requirements.lock (--require-hashes)"
else
  log "python/requirements.lock changed since the last install: reinstalling (--require-hashes)"
fi
"$PY" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
printf '%s\n' "$want" >"$STAMP"
log "installed moto $("$PY" -c 'import importlib.metadata as m; print(m.version("moto"))')"
