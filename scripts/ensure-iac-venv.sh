#!/usr/bin/env bash
# The template checkers (checkov, cfn-lint) in .venv-iac, from python/iac-requirements.lock.
exec bash "$(dirname "${BASH_SOURCE[0]}")/ensure-venv.sh" iac
