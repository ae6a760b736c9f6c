# 美丽沙州 — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed serve lint format check deploy-check bench audit api-fuzz clean

# Create .venv and install the pinned set whenever pyproject.toml or constraints.txt change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Quiet: a newcomer's `make run` shows the seed's summary and the accounts, not 150 lines.
migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	@echo "数据库已是最新 (migrations applied)."

seed: migrate
	$(BIN)/python manage.py seed_demo

## run: set up, migrate, seed the demo town and serve on http://127.0.0.1:$(PORT)
# The periodic jobs (closing attendances left open, …) run beside the server, in-process.
# The demo accounts are printed once the server answers, so they end the output; after
# them come only the server's requests and the SMS codes.
run: seed
	@$(BIN)/python manage.py run_periodic_jobs & jobs=$$!; \
	DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) & \
	server=$$!; \
	trap 'kill $$jobs $$server 2>/dev/null' EXIT INT TERM; \
	until (exec 3<>/dev/tcp/127.0.0.1/$(PORT)) 2>/dev/null; do \
	  kill -0 $$server 2>/dev/null || exit 1; sleep 0.5; \
	done; \
	$(BIN)/python manage.py demo_accounts --base-url http://127.0.0.1:$(PORT); \
	wait $$server

## test: the whole suite (SQLite by default; DATABASE_URL / REDIS_URL switch it)
# Two workers: the machine has two cores and much of the suite waits on the database.
# CLOCK=quarter-end, CLOCK=leap-day or CLOCK="2028-02-29 23:58:30" (Asia/Shanghai) runs it
# with every clock moved there by Debian's libfaketime (tests/with_clock.py; .ci/run does).
PYTEST_ARGS ?= -n 2
test: $(STAMP)
	$(if $(CLOCK),python3 tests/with_clock.py "$(CLOCK)" --) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

deploy-check: $(STAMP)
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} ALLOWED_HOSTS=shazhou.example.cn \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

## bench: the performance figures of issue 8 into bench/results.json (README, Performance)
# Starts PostgreSQL and Redis if they are down, builds a fresh shazhou_bench database and
# runs production gunicorn on loopback; BENCH_DATABASE_URL / BENCH_REDIS_URL move it.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## audit: Lighthouse 12 in mobile mode on the pages a volunteer uses (issue 17): scores, page
# weights and blocking time into bench/results.json. Installs Lighthouse from npm into
# bench/lighthouse/ (no browser download: it drives Debian's Chromium) and runs production
# gunicorn on a fresh PostgreSQL database shazhou_audit with the demo data.
audit: $(BENCH_STAMP)
	$(BIN)/python -m bench.audit $(AUDIT_ARGS)

## api-fuzz: Schemathesis against a live server on the demo data, as each demo role (issue 19)
# A fresh PostgreSQL database shazhou_api_fuzz and Redis database 14 (API_FUZZ_DATABASE_URL,
# API_FUZZ_REDIS_URL move them), production gunicorn on loopback; dropped after. ≤ 5 minutes;
# .ci/run runs it. API_FUZZ_ARGS="--role volunteer --reuse-db" for a quicker look at one role.
api-fuzz: $(STAMP)
	$(BIN)/python tests/api_fuzz.py $(API_FUZZ_ARGS)

clean:
	rm -rf $(VENV) var/db.sqlite3* var/static
