# The README's commands. Each target makes its own virtualenv from requirements*.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run serve test test-postgres lint format clean bench chaos fuzz

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	PORT=$(PORT) $(BIN)/python -m server.entrypoints.devserver

# Production serving: the web server (granian) and the scheduler process (server/entrypoints/serve.py). Needs the
# production settings in the environment (README, "Production"); MICROWISH_ENV=development
# make serve tries it locally with the development defaults.
serve: $(BIN)/.installed
	MICROWISH_ENV=$${MICROWISH_ENV:-production} PORT=$(PORT) $(BIN)/python -m server.entrypoints.serve

test: $(BIN)/.installed
	MICROWISH_ENV=testing $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The same suite on a private PostgreSQL cluster that scripts/with-postgres makes and removes.
test-postgres: $(BIN)/.installed
	scripts/with-postgres env MICROWISH_ENV=testing $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Benchmarks print their figures; they are never part of `make test`. bench.http serves the app
# with granian on a private PostgreSQL cluster, loads it with wrk (the minimal Flask ceiling, the
# product's /livez, the fresh feed, the write mix and the peak mix in interleaved rounds) and runs
# the sweep benchmark (about 15 minutes; BENCH_QUICK=1 for a short check, BENCH_SECONDS per figure,
# BENCH_ROUNDS, BENCH_TOTAL wishes). BENCH_SERVERS=1 compares WSGI servers on the peak mix instead
# (bench/servers.py; its candidates come from requirements-bench.txt).
$(BIN)/.bench-installed: $(BIN)/.installed requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

bench: $(BIN)/.bench-installed
	if [ "$(BENCH_SERVERS)" = 1 ]; then \
	  BENCH_QUICK=$(BENCH_QUICK) BENCH_SECONDS=$(BENCH_SECONDS) scripts/with-postgres $(BIN)/python -m bench.servers; \
	else \
	  BENCH_QUICK=$(BENCH_QUICK) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_TOTAL=$(BENCH_TOTAL) \
	    BENCH_SWEEP_ARGS="$(BENCH_SWEEP_ARGS)" scripts/with-postgres $(BIN)/python -m bench.http && \
	  $(BIN)/python -m bench.outbox; \
	fi

# Crashes lose nothing (bench/chaos.py): a minute of writes on PostgreSQL while web workers and
# the scheduler are killed with SIGKILL, then the invariants; prints the loss counts, fails on any.
chaos: $(BIN)/.installed
	CHAOS_SECONDS=$(CHAOS_SECONDS) scripts/with-postgres $(BIN)/python -m bench.chaos

# schemathesis against the served OpenAPI document as each demo role, every phase, bounded by
# FUZZ_SECONDS (scripts/fuzz.py); fails on any failure. .ci/run runs it.
fuzz: $(BIN)/.installed
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python scripts/fuzz.py
