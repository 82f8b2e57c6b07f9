# Zhizao Academy — set-up, run, test, bench, translations, packaging.
# `make run` and `make test` work on a fresh Debian 12 / Python 3.11 machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
SOURCES := pyproject.toml

.PHONY: run test lint bench i18n package clean check-python check-venv selftest

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
	  echo "Python 3.11 or newer is needed (Debian 12: sudo apt-get install python3 python3-venv)."; exit 1; }

check-venv: check-python
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "The Python venv module is missing. Install it with: sudo apt-get install python3-venv"; exit 1; }

$(VENV)/bin/python: | check-venv
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/python $(SOURCES)
	$(PY) -m pip install --quiet .
	@touch $@

$(TSTAMP): $(VENV)/bin/python $(SOURCES)
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	@touch $@ $(STAMP)

# Qt needs a few X/xcb client libraries even offscreen on a minimal system.
check-qt-libs:
	@$(PY) -c 'from PySide6 import QtGui' 2>/dev/null || { \
	  echo "Qt cannot load its system libraries. Install them with:"; \
	  echo "  sudo apt-get install libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3"; exit 1; }

run: $(STAMP) check-qt-libs
	$(VENV)/bin/zhizao

# Lint and the layer contracts first (seconds), then the suite on every core and one more (pytest-xdist):
# whole files per worker, the heaviest first (tests/conftest.py RUN_FIRST, kept in that order).
# Bytecode is written (__pycache__ is git-ignored) even where PYTHONDONTWRITEBYTECODE is set: else
# each worker and each app subprocess the tests start (CLI calls, crash and concurrency writers)
# compiles the app and the tests again (issue 20: ~8 s of CPU per worker's collection, ~0.13 s per
# `python -m app` call).
# One worker more than the cores: the workers wait on subprocesses (the bundle build, Chromium, CLI and
# crash-test processes, the robustness pool) and on Qt timers; on 2 cores 3 workers took pytest from
# 5 min 49 s to 5 min 01 s (issue 20, docs/benchmarks.md). TEST_WORKERS=auto gives xdist's own count.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
test: $(TSTAMP) check-qt-libs lint
	PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) \
	  --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(TSTAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

bench: $(TSTAMP) check-qt-libs
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests/benchmarks -q -s -p no:cacheprovider \
	  -o python_files='bench_*.py' -o addopts='' $(PYTEST_ARGS) \
	  | sed -nE 's/^[.sxEF]*(BENCH.*)/\1/p; t; /^[0-9]+ (passed|failed|errors?|skipped)/p'

selftest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/zhizao --self-test

i18n: $(TSTAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 \
	  --no-location --sort-output --project=zhizao -o i18n/messages.pot .
	$(VENV)/bin/pybabel update -i i18n/messages.pot -d i18n --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d i18n --statistics

# The test extra carries PyInstaller, so the editable install keeps following the sources.
package: $(TSTAMP)
	bash packaging/build.sh

clean:
	rm -rf build dist *.egg-info
