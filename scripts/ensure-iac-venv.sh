#!/usr/bin/env bash
# Idempotent: make sure .venv-iac holds the pinned template checkers (checkov, cfn-lint) that
# scripts/check-template.sh runs over the packaged CloudFormation template. A virtualenv of its own:
# checkov pins many libraries, and moto's (.venv, scripts/ensure-venv.sh) must not move with them.
set -euo pipefail

CHECKOV_VERSION="3.3.30"
CFN_LINT_VERSION="1.58.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASG_IAC_VENV_DIR:-$ROOT/.venv-iac}"
PY="$VENV/bin/python"

log() { printf '[ensure-iac-venv] %s\n' "$*"; }

if ! command -v python3 >/dev/null 2>&1; then
  log "python3 not found on PATH: install Python >= 3.9 (checkov ${CHECKOV_VERSION} needs it)" >&2
  exit 1
fi

if [[ ! -x "$PY" ]]; then
  log "creating virtualenv at $VENV ($(python3 --version 2>&1))"
  python3 -m venv "$VENV"
fi

version_of() { "$PY" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true; }

if [[ "$(version_of checkov)" == "$CHECKOV_VERSION" && "$(version_of cfn-lint)" == "$CFN_LINT_VERSION" \
  && -x "$VENV/bin/checkov" && -x "$VENV/bin/cfn-lint" ]]; then
  log "checkov==${CHECKOV_VERSION} and cfn-lint==${CFN_LINT_VERSION} already installed: nothing to do"
  exit 0
fi

log "installing checkov==${CHECKOV_VERSION} cfn-lint==${CFN_LINT_VERSION} into $VENV"
"$PY" -m pip install --quiet --disable-pip-version-check "checkov==${CHECKOV_VERSION}" "cfn-lint==${CFN_LINT_VERSION}"
log "installed checkov $(version_of checkov), cfn-lint $(version_of cfn-lint)"
