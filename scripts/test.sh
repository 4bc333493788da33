#!/usr/bin/env bash
# Everything `make test` (and so CI) runs, in order from fastest to slowest. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false
RASA=.venv/rasa/bin/rasa
MODEL=models/citizenbot.tar.gz
step() { echo; echo "=== $* ==="; }

step "lint (ruff, format check, mypy: the same as make lint)"
.venv/services/bin/ruff check .
.venv/services/bin/ruff format --check .
.venv/services/bin/mypy

step "Rasa data validation"
$RASA data validate --data nlu_data --domain domain.yml --config config.yml --quiet

step "unit tests, Rasa environment (Python 3.10)"
.venv/rasa/bin/python -m pytest -q tests/rasa

step "conversation test stories (rasa test, --fail-on-prediction-errors)"
rm -rf results/stories
$RASA test core --model "$MODEL" --stories tests/stories --out results/stories \
  --fail-on-prediction-errors --quiet
echo "all test stories passed"

step "unit, end-to-end and cluster tests (PostgreSQL, Redis, nginx), services environment (Python 3.11)"
.venv/services/bin/python -m pytest -q tests/unit tests/services tests/console tests/e2e tests/cluster
