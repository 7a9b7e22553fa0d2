# Every target installs what it needs first, so each works on a fresh clone of a machine
# that has Python 3.11 and Node.js >= 20 (see README.md).

PYTHON ?= python3.11
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_NOSPIN := 1
export PIPENV_VERBOSITY := -1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
PIPENV := $(PYTHON) -m pipenv

.PHONY: install local synth test lint security docs fixtures bench clean check-tools

check-tools:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) is required (Python 3.11)" >&2; exit 1; }
	@command -v node >/dev/null || { echo "error: node is required (Node.js >= 20 runs the jsii kernel)" >&2; exit 1; }
	@command -v npm >/dev/null || { echo "error: npm is required (it installs cdktf-cli)" >&2; exit 1; }

.venv/.installed: Pipfile.lock | check-tools
	@$(PYTHON) -m pipenv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet pipenv
	$(PIPENV) sync --dev
	@touch $@

node_modules/.installed: package-lock.json | check-tools
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov, the security gate's scanner, in a virtual environment of its own so that its
# dependencies never meet cdktf's (pinned, every package, in security/checkov-requirements.txt)
.venv-checkov/.installed: security/checkov-requirements.txt | check-tools
	rm -rf .venv-checkov
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check --no-deps \
		-r security/checkov-requirements.txt
	@touch $@

install: .venv/.installed node_modules/.installed

## local: deploy the local environment to a local AWS emulator and print its live routes
## (KEEP_RUNNING=1 leaves the emulator running; AWS_ENDPOINT_URL=... reuses a running one)
local: install
	@command -v terraform >/dev/null || { echo "error: terraform is required (Terraform >= 1.10)" >&2; exit 1; }
	$(PIPENV) run python -m ops.dev.local $(if $(KEEP_RUNNING),--keep-running)

## synth: synthesize the selected environments (ENVIRONMENTS, default all) into cdktf.out
synth: install
	$(PIPENV) run python -O main.py

lint: install
	$(PIPENV) run ruff check .

## test: lint, then the whole test suite (unit, security gate, Terraform, emulator)
test: lint .venv-checkov/.installed
	$(PIPENV) run pytest

## security: synthesize every environment and run the checkov security gate on it
security: install .venv-checkov/.installed
	$(PIPENV) run python -m security.checkov_gate

## docs: regenerate docs/routing.md from the route table and the gate table of docs/rollout.md
docs: install
	$(PIPENV) run python -m ops.docs.routing > docs/routing.md
	$(PIPENV) run python -m ops.docs.gates

## fixtures: regenerate the routes tests' state file from a fresh deploy of local to the emulator
fixtures: install
	@command -v terraform >/dev/null || { echo "error: terraform is required (Terraform >= 1.10)" >&2; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && env -u AWS_ENDPOINT_URL $(PIPENV) run \
		python -m ops.dev.local --state-dir "$$tmp/terraform-state" \
		--save-routing-state tests/fixtures/scorer-local-routing.tfstate

## bench: the rollout gates on synthetic traffic (false aborts, detection); then time synth
## against the naive cdktf floor, the test session, scale, memory
bench: install
	$(PIPENV) run python bench/gate_sim.py
	$(PIPENV) run python bench/benchmark.py

clean:
	rm -rf cdktf.out .pytest_cache .ruff_cache
