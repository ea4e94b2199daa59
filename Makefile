# Tessera's everyday commands. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
CARGO ?= cargo
# Builds share a target directory outside the checkout (CI reuses it between runs).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/tessera-target
# libpq tries GSSAPI encryption first by default, which loads Kerberos; when a test process
# exits while a pool thread is still connecting, Kerberos' global mutexes are already torn down
# and the process aborts after every test passed (k5_mutex_lock assertion; diesel#3226). The app
# database needs no GSS encryption here; a URL may still ask for it with gssencmode=.
export PGGSSENCMODE ?= disable

.PHONY: run run-dev test bench lint fmt openapi openapi-check deps help

help:
	@echo "make run      start the server on 127.0.0.1:8080 with embedded SQLite under ./data/ (release build)"
	@echo "make run-dev  the same from a debug build (quicker to build, slower to answer)"
	@echo "make test     run the whole test suite (PostgreSQL/MySQL suites run when reachable)"
	@echo "make bench    run the benchmarks (results go to BENCHMARKS.md)"
	@echo "make lint     cargo fmt --check and clippy with warnings as errors"
	@echo "make fmt      format the code"
	@echo "make openapi  write openapi/openapi.json from the code"

## Start the server from a release build (cold: about 19 minutes on 2 cores; reports are about
## fifteen times faster than from a debug build, see README "Build profiles"). The first start
## prints the demo admin's password. `make run-dev` starts a debug build instead (cold: 6 minutes).
run: deps
	$(CARGO) run --release --bin tessera -- serve

## Start the server from a debug build: the quickest first start, shared with `make test`'s build.
run-dev: deps
	$(CARGO) run --bin tessera -- serve

## The whole test suite; then how many tests skipped for a missing engine or browser, and why
## (under CI=true nothing skips: a missing PostgreSQL, MySQL or Chromium fails instead).
test: deps
	@rm -f $(CARGO_TARGET_DIR)/test-skips.log
	@status=0; $(CARGO) test --workspace || status=$$?; \
	if [ -s $(CARGO_TARGET_DIR)/test-skips.log ]; then \
	  echo "skipped: $$(wc -l < $(CARGO_TARGET_DIR)/test-skips.log) tests"; \
	  cut -f1 $(CARGO_TARGET_DIR)/test-skips.log | sort | uniq -c | sed 's/^ */  /; s/$$/ unavailable/'; \
	else echo "skipped: none"; fi; exit $$status

## Criterion benchmarks of library code, then a bounded loopback HTTP load run (see BENCHMARKS.md).
bench: deps
	$(CARGO) bench -p tessera-sources --bench charts
	$(CARGO) bench -p tessera-analytics --bench profile
	bash benches/profile_memory.sh
	bash benches/http_load.sh
	ENGINE=sqlite bash benches/commerce_load.sh
	ENGINE=postgres bash benches/commerce_load.sh
	bash benches/retail_load.sh
	bash benches/dashboard_load.sh
	bash benches/extract_load.sh
	FORECAST_SEEDS=20 $(CARGO) test -p tessera-e2e --test e2e -- forecast_beats --nocapture

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

openapi:
	$(CARGO) run -q --bin tessera -- openapi > openapi/openapi.json

## Fails when openapi/openapi.json is not what the code generates.
openapi-check:
	@tmp=$$(mktemp); $(CARGO) run -q --bin tessera -- openapi > $$tmp; \
	if ! diff -q openapi/openapi.json $$tmp >/dev/null; then \
	  diff -u openapi/openapi.json $$tmp | head -40; rm -f $$tmp; \
	  echo "openapi/openapi.json is stale: run 'make openapi' and commit it"; exit 1; fi; \
	rm -f $$tmp; echo "openapi/openapi.json is up to date"

## System libraries the database drivers link against (Debian); installed only when missing.
deps:
	@missing=""; for p in pkg-config libssl-dev libpq-dev default-libmysqlclient-dev; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
