# The interface of the project: every command a user or CI needs is a target here.
SHELL := /bin/bash
RASA_ENV := .venv/rasa
SERVICES_ENV := .venv/services
RASA := $(RASA_ENV)/bin/rasa
PY_RASA := $(RASA_ENV)/bin/python
PY_SERVICES := $(SERVICES_ENV)/bin/python
MODEL := models/citizenbot.tar.gz
TRAINING_INPUTS := config.yml domain.yml knowledge_base/abbreviations.yml \
	$(shell find nlu_data -name '*.yml') $(wildcard bot/nlu/*.py bot/text/*.py)
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false

INDEX := var/index/manifest.json
# The same list the index manifest's hash reads (bot/knowledge/inputs.py): one place to name an input.
KB_INPUTS := $(wildcard $(shell grep -v '^\#' bot/knowledge/index_inputs.txt))
# The knowledge base is derived from the committed sources (knowledge_base/README.md), never committed.
PROCEDURES := knowledge_base/procedures.jsonl
KB_SOURCES := $(wildcard knowledge_base/sources/*.gz knowledge_base/province_procedures.jsonl) \
	$(addprefix bot/knowledge/,catalogue.py portal_records.py parser.py fees.py model.py store.py)

.PHONY: help setup prepare kb run run-cluster train test lint eval bench bench-load clean

# Two jobs at a time, whatever -j was given: the two environments are independent, and so are the index
# (services environment) and the model (Rasa environment). Rasa's training keeps about one core busy and
# the index's first build (embedding 4,818 passages) takes the rest. Measured on a fresh clone here, two
# cores with other jobs running: set-up 5.3 → 4.8 min; index + model 11.4 (5.5 + 5.9) → 8.2 min.
PAIRWISE := $(MAKE) --no-print-directory -j2

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup:  ## Create both virtual environments (idempotent; both at once)
	@$(PAIRWISE) $(RASA_ENV)/.installed $(SERVICES_ENV)/.installed

prepare:  # both environments, then the index and the model (each only when its inputs changed), in pairs
	@# Beside the training's progress bar, the index build's own would garble the line: it reports when done.
	@$(PAIRWISE) kb train KB_BUILD_FLAGS=--quiet

$(RASA_ENV)/.installed: requirements/rasa.txt pyproject.toml scripts/setup_env.sh
	scripts/setup_env.sh rasa

$(SERVICES_ENV)/.installed: requirements/services.txt pyproject.toml scripts/setup_env.sh
	scripts/setup_env.sh services

kb: $(INDEX)  ## Build the knowledge-base search index (only when the knowledge base changed)

$(PROCEDURES): $(SERVICES_ENV)/.installed $(KB_SOURCES)
	$(SERVICES_ENV)/bin/citizenbot kb import

$(INDEX): $(SERVICES_ENV)/.installed $(PROCEDURES) $(KB_INPUTS)
	@echo "Building the search index (all of it the first time: ~6 min on two cores; later what changed)…"
	$(SERVICES_ENV)/bin/citizenbot kb build --if-stale $(KB_BUILD_FLAGS)
	@touch $(INDEX)

train: $(MODEL)  ## Train the Rasa model (only when its inputs changed)

$(MODEL): $(RASA_ENV)/.installed $(TRAINING_INPUTS)
	$(PY_RASA) -m bot.train_model --data nlu_data --domain domain.yml --config config.yml --out models \
		--fixed-model-name citizenbot
	@touch $(MODEL)

run: prepare  ## Set up, train if needed, start the assistant on localhost
	scripts/run.sh

run-cluster: prepare  ## Two Rasa servers + two services processes behind nginx, on PostgreSQL and Redis
	@scripts/setup_debian_package.sh /usr/sbin/nginx nginx "make run-cluster"
	$(PY_SERVICES) -m bot.cluster $(if $(DEMO),--demo)

test: prepare  ## Everything CI runs: lint, data validation, unit, conversation and end-to-end tests
	@scripts/setup_debian_package.sh /usr/bin/chromium chromium "the browser tests"  # never `make run`
	@scripts/setup_debian_package.sh /usr/sbin/nginx nginx "the cluster tests"
	scripts/test.sh

lint:  $(SERVICES_ENV)/.installed  ## ruff and mypy
	$(SERVICES_ENV)/bin/ruff check .
	$(SERVICES_ENV)/bin/ruff format --check .
	$(SERVICES_ENV)/bin/mypy

eval: prepare  ## Quality figures: held-out NLU, test stories, citations over REST, retrieval, redaction
	$(PY_RASA) -m bot.nlu.evaluate $(MODEL) tests/nlu/heldout.yml
	rm -rf results/eval_stories
	$(RASA) test core --model $(MODEL) --stories tests/stories --out results/eval_stories --quiet
	$(PY_SERVICES) -m bot.conversation_eval --story-report results/eval_stories/story_report.json
	$(PY_SERVICES) -m bot.knowledge.report
	@# Personal-data redaction on the two held-out sets (never tuned on); a missed goal is reported, not fatal.
	-$(PY_SERVICES) -m bot.pii_eval tests/data/pii_held.jsonl
	-$(PY_SERVICES) -m bot.pii_eval tests/data/pii_held2.jsonl

bench: prepare  ## Speed figures: REST latency, start time, memory
	$(PY_SERVICES) -m bot.bench

bench-load: prepare  ## Load figures: 32 citizens × 60 s, one process and the cluster, per-stage profile
	@scripts/setup_debian_package.sh /usr/sbin/nginx nginx "make bench-load"
	$(PY_SERVICES) -m bot.load_bench $(LOAD_ARGS)

clean:  ## Remove the trained model, results and runtime data (not the environments)
	rm -rf models results var
