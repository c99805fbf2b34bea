# The two commands of the README, and what they need. Everything installs itself:
#   make demo   the whole pipeline on a local Kafka, 1,200 generated petitions, a table
#   make test   lint, types and every test (unit, integration on a real Kafka, end to end)
# Downloads are cached under the home directory (~/.cache/pip, ~/.m2, ~/.cache/xinfang).

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test test-reliability bench lint setup kafka-jars tools clean

demo: setup kafka-jars
	$(BIN)/xinfang demo $(DEMO_ARGS)

test: setup kafka-jars tools lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The kill -9 scenarios (also part of make test), RUNS times in a row: timing bugs show up
# one run in several, not in one.
RUNS ?= 5
test-reliability: setup kafka-jars
	@for run in $$(seq $(RUNS)); do \
	  echo "kill -9 scenarios, run $$run of $(RUNS)"; \
	  $(BIN)/python -m pytest -m kill $(PYTEST_ARGS) || exit 1; \
	done

# The pipeline's speed on a local broker it starts (README, Speed), e.g.
#   make bench BENCH_ARGS="--count 50000 --dedup-preload 1000000 --json var/bench.json"
bench: setup kafka-jars
	$(BIN)/xinfang bench $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m schemas.generate --check

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

# The Kafka 3.9 jars, through Maven Central into ~/.m2 (once).
kafka-jars: setup
	$(BIN)/python -c 'from services.devtools.kafka_local import classpath; classpath()'

# promtool (rule tests and the end-to-end Prometheus), docker-compose (to check the compose
# file), and chromium with its chromedriver and a Chinese font (the petitioner's web page in
# a real headless browser, and readable screenshots of it) from Debian's packages, when
# missing and when we may install them.
DEBIAN_TOOLS = prometheus docker-compose chromium chromium-driver fonts-wqy-microhei
tools:
	@if ! command -v promtool >/dev/null || ! command -v docker-compose >/dev/null \
	    || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
	    || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(DEBIAN_TOOLS) from Debian"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends $(DEBIAN_TOOLS) >/dev/null; \
	  else \
	    echo "a tool of the tests is missing: install Debian's $(DEBIAN_TOOLS)"; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
