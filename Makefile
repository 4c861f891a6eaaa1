# The two set-up commands in README.md: `make run` (main job) and `make test` (the test suite).
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: install run test lint

install:
	$(PIP) install --quiet --disable-pip-version-check -e '.[agent,local,dev]'

run: install
	paas up --demo

lint:
	$(PYTHON) -m ruff check paas tools integrations agent evals tests
	$(PYTHON) -m mypy

test: install lint
	paas eval --model offline --gate --report out/eval
	$(PYTHON) -m pytest -q
