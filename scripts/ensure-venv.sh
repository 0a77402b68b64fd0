#!/usr/bin/env bash
# Idempotent: make sure a virtualenv holds exactly one locked set of Python packages (versions and
# hashes, installed with --require-hashes --no-deps):
#   bash scripts/ensure-venv.sh        → .venv     from python/requirements.lock (moto[server]: the
#                                         integration tier, the reliability emulator, npm run demo:moto)
#   bash scripts/ensure-venv.sh iac    → .venv-iac from python/iac-requirements.lock (checkov, cfn-lint:
#                                         the template tier; a virtualenv of its own because checkov
#                                         pins many libraries that moto's must not move with)
# Creates the virtualenv with `python3 -m venv` if it is missing, reinstalls when the lock file changed
# since the last install (a stamp inside the virtualenv holds the lock's sha256), and says what it did.
# Safe to run on every CI run. Regenerate the locks with scripts/lock-python.sh.
set -euo pipefail

SET="${1:-moto}"
PYTHON_MIN="3.10" # moto 5.2.5 declares Requires-Python >=3.10; the locks are compiled for >=3.10
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$SET" in
  moto)
    VENV="${ASG_VENV_DIR:-$ROOT/.venv}"
    LOCK_NAME="requirements.lock"
    PROBE='import flask, flask_cors, moto.server' # the server extra brings flask/werkzeug
    BINS=(moto_server)
    SHOW=moto
    ;;
  iac)
    VENV="${ASG_IAC_VENV_DIR:-$ROOT/.venv-iac}"
    LOCK_NAME="iac-requirements.lock"
    PROBE='import checkov, cfnlint'
    BINS=(checkov cfn-lint)
    SHOW=checkov
    ;;
  *)
    echo "usage: $0 [moto|iac]" >&2
    exit 2
    ;;
esac
LOCK="$ROOT/python/$LOCK_NAME"
PY="$VENV/bin/python"
STAMP="$VENV/.${LOCK_NAME}.sha256"

log() { printf '[ensure-venv %s] %s\n' "$SET" "$*"; }

if ! command -v python3 >/dev/null 2>&1; then
  log "python3 not found on PATH: install Python >= ${PYTHON_MIN}" >&2
  exit 1
fi
if ! python3 -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '${PYTHON_MIN}'.split('.'))) else 1)"; then
  log "$(python3 --version 2>&1) is too old: install Python >= ${PYTHON_MIN}" >&2
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
bins_ok=true
for b in "${BINS[@]}"; do [[ -x "$VENV/bin/$b" ]] || bins_ok=false; done
if [[ "$have" == "$want" && "$bins_ok" == true ]] && "$PY" -c "$PROBE" >/dev/null 2>&1; then
  log "python/$LOCK_NAME already installed: nothing to do"
  exit 0
fi

if [[ -z "$have" ]]; then
  log "installing python/$LOCK_NAME (--require-hashes)"
else
  log "python/$LOCK_NAME changed since the last install (or the virtualenv is broken): reinstalling (--require-hashes)"
fi
"$PY" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$LOCK"
printf '%s\n' "$want" >"$STAMP"
log "installed $SHOW $("$PY" -c "import importlib.metadata as m; print(m.version('$SHOW'))")"
