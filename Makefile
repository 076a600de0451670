# Auditor: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help demo test bench unit lint fmt build emulator checks-md toolchain clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

demo: build emulator ## Seed the bundled demo account in moto, audit it, print the table, write reports/demo-report.json
	localstack/with-moto.sh demo -- localstack/demo.sh

test: toolchain emulator lint ## Every test: lint, unit, fixture, collector and end-to-end tests against moto
	localstack/with-moto.sh test -- $(CARGO) test --workspace --locked

SCALE ?= 1
BENCH_ARGS ?=
bench: emulator ## Audit a large synthetic account on moto (SCALE=1, BENCH_ARGS=auditor flags): wall time, peak RSS, requests vs minimum (BENCHMARKS.md)
	$(CARGO) build --release --locked -p auditor-cli -p auditor-testkit --bin auditor --bin auditor-bench
	mkdir -p target/bench
	target/release/auditor-bench --auditor target/release/auditor --scale $(SCALE) --out target/bench/scale-$(SCALE).json -- $(BENCH_ARGS)

unit: ## Tests that need no emulator (fast)
	$(CARGO) test --workspace --locked --lib --test fixtures

lint: toolchain ## cargo fmt --check and clippy -D warnings
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

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
