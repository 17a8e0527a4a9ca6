# Everyday commands. `make help` lists them. Both Python 3.10 environments live in .venv/.
# `.env` is read by the programs themselves (assistant_core/settings.py: apply_dotenv), not here:
# make's `include` would expand the `$` in a password hash and cut values at `#`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa must never phone home (tests and CI run offline); TensorFlow's info logs are noise.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

RASA_VENV := .venv/rasa
APP_VENV  := .venv/app
RASA      := $(RASA_VENV)/bin/rasa
PY        := $(APP_VENV)/bin/python
GENERATED := nlu/generated/faq.yml
CONV_TESTS := tests/conversations

.PHONY: help install run serve build content-check preview ask train lint typecheck validate unit eval-two eval-amounts \
        rasa-test e2e test eval crossval bench bench-long bench-train bench-serve bench-bot bench-flood bench-metrics cluster soak metrics dashboard \
        dashboard-password purge clean

help: ## List the commands
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(RASA_VENV)/.installed: requirements/rasa.lock pyproject.toml
	@py=$$(scripts/find-python310) || exit 1; \
	 rm -rf $(RASA_VENV) && $$py -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet --upgrade "pip<26" setuptools wheel
	$(RASA_VENV)/bin/pip install --quiet -r requirements/rasa.lock
	@# Our Rasa-side components and their dependency-free helpers; --no-deps keeps Rasa's pins.
	$(RASA_VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

$(APP_VENV)/.installed: requirements/app.lock pyproject.toml
	@py=$$(scripts/find-python310) || exit 1; \
	 rm -rf $(APP_VENV) && $$py -m venv $(APP_VENV)
	$(APP_VENV)/bin/pip install --quiet --upgrade "pip<26" setuptools wheel
	$(APP_VENV)/bin/pip install --quiet -r requirements/app.lock
	$(APP_VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

install: $(RASA_VENV)/.installed $(APP_VENV)/.installed ## Create both environments (Rasa; our code)

$(GENERATED): $(wildcard content/faq/*.yml) | $(APP_VENV)/.installed
	$(PY) -m assistant_core.content build

build: $(APP_VENV)/.installed ## Turn content/ into Rasa training data (nlu/generated/)
	$(PY) -m assistant_core.content build

content-check: $(APP_VENV)/.installed ## Check content/; lists facts due for review: make content-check [AS_OF=2027-03-02]
	$(PY) -m assistant_core.content check $(if $(AS_OF),--as-of $(AS_OF))

train: install build ## Train the model, only if its inputs changed
	$(PY) scripts/train.py

run: train ## Run everything: actions, Rasa, and the bot (Telegram if TELEGRAM_BOT_TOKEN is set, else a local chat)
	$(PY) -m supervisor run

cluster: train ## Several replicas: nginx, 2 Rasa + 2 action servers, PostgreSQL, Redis, the bot (webhook)
	$(PY) -m supervisor cluster $(ARGS)

serve: train ## Run only the action server and Rasa (REST at http://127.0.0.1:5005/webhooks/rest/webhook)
	$(PY) -m supervisor serve

preview: $(APP_VENV)/.installed ## Show an entry's answer for a date: make preview KEY=iuran_bpu [DATE=2027-01-01] [UPAH=2000000]
	$(PY) -m assistant_core.content preview $(KEY) $(if $(DATE),--date $(DATE)) $(if $(UPAH),--upah $(UPAH))

ask: train ## Which entry a phrasing reaches, with confidence: make ask Q="iuran jkm brp"
	PYTHONWARNINGS=ignore $(RASA_VENV)/bin/python scripts/ask.py "$(Q)"

lint: $(APP_VENV)/.installed ## ruff (lint + format check) and yamllint
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/ruff format --check .
	$(APP_VENV)/bin/yamllint -s config.yml domain.yml credentials.yml endpoints.yml $(wildcard nlu/*.yml) stories content tests/conversations deploy/compose.yml

typecheck: $(APP_VENV)/.installed ## mypy --strict on our packages
	$(APP_VENV)/bin/mypy

validate: install build ## rasa data validate
	scripts/validate.sh

unit: $(APP_VENV)/.installed build ## Unit tests (fast, no servers)
	$(APP_VENV)/bin/pytest -m "not e2e" -q

rasa-test: train ## Rasa conversation tests through the trained model
	$(RASA) test core --model var/models/assistant.tar.gz --stories $(CONV_TESTS) \
	  --fail-on-prediction-errors --out var/results/conversations
	$(RASA_VENV)/bin/python scripts/check_faq_routing.py

e2e: train ## End-to-end: real action server, Rasa server and bot against a fake Telegram API
	$(APP_VENV)/bin/pytest -m e2e -q

soak: train ## Cluster, fault and hostile-input tests at full size (CI runs them reduced)
	CLUSTER_USERS=50 CLUSTER_MESSAGES=20 HOSTILE_FULL=1 REQUIRE_NGINX=1 \
	  $(APP_VENV)/bin/pytest -m e2e -q -s tests/e2e/test_cluster.py tests/e2e/test_hostile.py

test: lint typecheck content-check validate unit train rasa-test e2e ## Everything CI checks

var/models/baseline.tar.gz: $(GENERATED) $(wildcard nlu/*.yml) domain.yml scripts/baseline/config.yml
	$(RASA) train nlu --config scripts/baseline/config.yml --nlu nlu --out var/models --fixed-model-name baseline

eval: train var/models/baseline.tar.gz ## Held-out accuracy, ours beside the `rasa init` pipeline (outside CI)
	PYTHONWARNINGS=ignore $(RASA_VENV)/bin/python scripts/evaluate.py --baseline var/models/baseline.tar.gz

eval-two: train ## Two-question messages: spurious second answers on both dev sets, both answered on probes (outside CI)
	PYTHONWARNINGS=ignore $(RASA_VENV)/bin/python scripts/eval_two_questions.py $(ARGS)

eval-amounts: ## Amount questions get the right tool with the amount filled in, against `make serve` (outside CI)
	$(APP_VENV)/bin/python scripts/eval_amounts.py $(ARGS)

crossval: install build ## 5-fold cross-validation of the NLU (outside CI; about five trainings)
	$(RASA) test nlu --config config.yml --nlu nlu --cross-validation --folds 5 --out var/results/crossval
	$(RASA_VENV)/bin/python scripts/crossval_summary.py var/results/crossval

bench: train ## Latency, throughput, training, start-up, memory: ours beside `rasa init` (outside CI)
	$(PY) scripts/bench.py $(ARGS)

bench-long: train ## Median latency at ~500 events in a session against ~10, SQLite and PostgreSQL (outside CI)
	$(PY) scripts/bench_longconv.py $(ARGS)

bench-train: install build ## Training time: 1x, a synthetic 3x set, a small change, beside rasa init (outside CI)
	$(PY) scripts/bench_training.py

bench-serve: train ## Start-up time, memory and REST latency (median/p95 of 100 questions), outside CI
	$(PY) scripts/bench_serve.py

bench-bot: train ## Added latency of the bot layer, median/p95 over 200 messages (outside CI)
	$(PY) scripts/bench_bot.py

bench-flood: $(APP_VENV)/.installed ## Ordinary users' p50/p95 beside 3 chats sending 100 messages each (stub Rasa; outside CI)
	$(PY) scripts/bench_flood.py

bench-metrics: $(APP_VENV)/.installed ## Dashboard and make metrics speed at 1,000,000 messages, SQLite and PostgreSQL (outside CI)
	$(PY) scripts/bench_metrics.py

metrics: $(APP_VENV)/.installed ## Metrics summary and CSV: make metrics [ARGS="--dari 2026-11-01 --sampai 2026-11-30 --csv var/metrics"]
	$(PY) -m assistant_core.analytics $(ARGS)

dashboard: $(APP_VENV)/.installed ## Metrics dashboard for staff at http://127.0.0.1:8050/ (needs DASHBOARD_USERS)
	$(PY) -m dashboard

dashboard-password: $(APP_VENV)/.installed ## Make a password hash for DASHBOARD_USERS
	@$(PY) -m dashboard hash

purge: $(APP_VENV)/.installed ## Delete conversations idle for RETENTION_DAYS now (the bot also does it every 6 hours)
	$(PY) -m bot.purge

clean: ## Remove models, generated data and local databases (keeps the environments)
	rm -rf var nlu/generated
