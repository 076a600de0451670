# Auditor: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help demo test bench bench-one bench-peer bench-rounds unit lint fmt build emulator conformance-tools browser-tools postgres-tools conformance actions-data checks-md toolchain clean deploy-check man

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

demo: build emulator ## Seed the bundled demo account in moto, audit it, print the table, write reports/demo-report.json and demo-review.html
	localstack/with-moto.sh demo -- localstack/demo.sh

test: toolchain emulator conformance-tools browser-tools postgres-tools lint ## Every test: lint, unit, fixture, collector, conformance, browser and end-to-end tests against moto and a throwaway PostgreSQL, and deploy/ checks
	localstack/with-moto.sh test -- tests/pg/with-postgres.sh -- $(CARGO) test --workspace --locked
	deploy/check.sh

man: build ## Write the man page (target/man/auditor.1) and shell completions (target/completions/) from the clap definitions
	mkdir -p target/man target/completions
	target/debug/auditor manpage > target/man/auditor.1
	for sh in bash zsh fish; do target/debug/auditor completions $$sh > target/completions/auditor.$$sh; done

deploy-check: build ## Render and validate deploy/'s Kubernetes manifests and verify its systemd unit
	deploy/check.sh

conformance-tools: ## Install the reference IAM simulator (test-only, pinned) in tests/conformance/node_modules
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; } || true
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the policy conformance test: install Node.js with npm (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
	@if [ ! -d tests/conformance/node_modules/@cloud-copilot/iam-simulate ] || [ tests/conformance/package-lock.json -nt tests/conformance/node_modules/.package-lock.json ]; then \
		npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error; fi

actions-data: conformance-tools ## Regenerate the S3 and ECR action lists the outsider analysis tries (from the Service Authorization Reference data)
	python3 tests/conformance/gen-actions.py

CHROMIUM ?= /usr/bin/chromium
browser-tools: ## Install Debian's Chromium and playwright-core (tests/browser) for the HTML report's browser test
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || true
	@test -x $(CHROMIUM) || { echo "Chromium is needed for the HTML report's browser test: install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/chromium" >&2; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the browser test: install Node.js with npm (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
	@if [ ! -d tests/browser/node_modules/playwright-core ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; fi

postgres-tools: ## Install Debian's PostgreSQL server binaries (initdb, pg_ctl) and openssl (the test server's TLS certificates) for the store tests, which start a throwaway server (tests/pg/with-postgres.sh)
	@command -v openssl >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; } || { echo "openssl is needed to make the test PostgreSQL's TLS certificates (Debian: apt-get install -y openssl)" >&2; exit 1; }
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || [ -n "$$PG_BIN" ]; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || true
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || [ -n "$$PG_BIN" ]; } || { echo "PostgreSQL's initdb and pg_ctl are needed for the store tests: install them (Debian: apt-get install -y postgresql) or set PG_BIN=/path/to/bin" >&2; exit 1; }

CONFORMANCE_CASES ?= 60000
conformance: conformance-tools ## The policy engine against the reference simulator on many more cases (CONFORMANCE_CASES, three seeds)
	for seed in 1 2 3; do CONFORMANCE_CASES=$(CONFORMANCE_CASES) CONFORMANCE_SEED=$$seed $(CARGO) test --locked -p auditor-cli --test e2e conformance -- --nocapture || exit 1; done

SCALE ?= 1
BENCH_ARGS ?=
bench: emulator ## Audit the large synthetic account on moto at scale 1 and 2 (BENCH_ARGS=auditor flags): wall, CPU, peak RSS, report size, requests vs minimum (BENCHMARKS.md)
	$(CARGO) build --release --locked -p auditor-cli -p auditor-testkit --bin auditor --bin auditor-bench
	mkdir -p target/bench
	rm -f target/bench/scale-1.json target/bench/scale-2.json
	status=0; \
	target/release/auditor-bench --auditor target/release/auditor --scale 1 --out target/bench/scale-1.json -- $(BENCH_ARGS) || status=1; \
	target/release/auditor-bench --auditor target/release/auditor --scale 2 --out target/bench/scale-2.json --compare target/bench/scale-1.json -- $(BENCH_ARGS) || status=1; \
	$(CARGO) bench --locked -p auditor-policy --bench engine || status=1; \
	exit $$status

bench-one: emulator ## One bench run at SCALE (e.g. SCALE=0.1 for a quick smoke run)
	$(CARGO) build --release --locked -p auditor-cli -p auditor-testkit --bin auditor --bin auditor-bench
	mkdir -p target/bench
	target/release/auditor-bench --auditor target/release/auditor --scale $(SCALE) --out target/bench/scale-$(SCALE).json -- $(BENCH_ARGS)

bench-rounds: emulator postgres-tools ## Rounds of 30 and 100 emulator accounts with 1, 2 and 3 daemon replicas on a throwaway PostgreSQL: round wall, peak RSS and CPU per replica, emulator CPU (BENCHMARKS.md)
	$(CARGO) build --release --locked -p auditor-cli --bin auditor
	mkdir -p target/bench
	localstack/with-moto.sh bench-rounds -- tests/pg/with-postgres.sh -- python3 localstack/bench_rounds.py

bench-peer: emulator ## The bench account at SCALE audited by the auditor, then by Prowler (pinned, from PyPI, in its own venv) on the same moto: the ratios
	$(CARGO) build --release --locked -p auditor-cli -p auditor-testkit --bin auditor --bin auditor-bench
	mkdir -p target/bench
	target/release/auditor-bench --auditor target/release/auditor --scale $(SCALE) --peer --out target/bench/peer-scale-$(SCALE).json -- $(BENCH_ARGS)

unit: ## Tests that need no emulator (fast)
	$(CARGO) test --workspace --locked --lib --test fixtures

# Check files are declared by auditor-checks' build script, which rustfmt does not follow:
# they are named to it explicitly.
CHECK_FILES = $(wildcard crates/auditor-checks/src/*/*.rs)

lint: toolchain ## cargo fmt --check and clippy -D warnings
	$(CARGO) fmt --all -- --check $(CHECK_FILES)
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all -- $(CHECK_FILES)

build: ## Build the auditor (debug)
	$(CARGO) build --locked -p auditor-cli

emulator: ## Install the pinned moto emulator in localstack/.venv
	localstack/setup.sh

checks-md: ## Regenerate CHECKS.md from the check registry
	UPDATE_CHECKS_MD=1 $(CARGO) test -p auditor-checks --test fixtures checks_md_is_current

toolchain:
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

clean: ## Remove build output, the venv and emulator state
	$(CARGO) clean
	rm -rf localstack/.venv localstack/.run reports
