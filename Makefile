# sla-ledger: `make run` starts the service on SQLite; `make test` runs every test on SQLite and
# PostgreSQL (127.0.0.1:5432, user postgres). SQLite and libpq are built from the crates' bundled
# sources, libpq with TLS against the system's OpenSSL (Debian's libssl-dev, installed here when
# missing); `make test` pip-installs openapi-python-client (pinned) for the generated-client test.
SHELL := /bin/bash
DEV_SECRET := dev-secret-change-me
PG_HOST := 127.0.0.1
PG_PORT := 5432
OPENAPI_PYTHON_CLIENT := 0.29.1
# Debian packages the build needs: OpenSSL's headers and pkg-config to find them (libpq's TLS).
BUILD_PACKAGES := libssl-dev pkg-config
# ... and those the tests start, by the binaries they provide: `prometheus` scrapes the service
# (tests/api/metrics.rs), `prometheus-alertmanager` (Alertmanager) delivers alerts to it
# (tests/api/alertmanager.rs), `chromium` and `chromium-driver` (chromedriver) drive the console
# (tests/api/console.rs). Missing under CI=true, those tests fail.
TEST_PACKAGES := prometheus prometheus-alertmanager chromium chromium-driver
# ... and what the benchmarks drive the service with: `wrk` (benches/statement_load.rs; `make
# test` only compiles the benchmarks, `make bench` runs them).
BENCH_PACKAGES := wrk
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run test packages python-client lint bench

# Installs the Debian packages of PACKAGES that are missing.
PACKAGES = $(BUILD_PACKAGES)
packages:
	@missing=$$(for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

run: packages
	cargo build --bin sla-ledger
	@echo
	@echo "Mint a development token (another terminal):"
	@echo "  SLA_JWT_SECRET=$(DEV_SECRET) ./target/debug/sla-ledger token --sub you --role admin"
	@echo
	SLA_JWT_SECRET=$(DEV_SECRET) ./target/debug/sla-ledger serve

# Benchmarks are only compiled here (running them is `make bench`).
test: PACKAGES = $(BUILD_PACKAGES) $(TEST_PACKAGES)
test: packages python-client
	cargo check --benches --quiet
	@if (exec 3<>/dev/tcp/$(PG_HOST)/$(PG_PORT)) 2>/dev/null; then \
		cargo test --lib --bins --tests; \
	elif [ "$$CI" = "true" ]; then \
		echo "FAIL: PostgreSQL is not reachable on $(PG_HOST):$(PG_PORT) and CI=true." >&2; exit 1; \
	else \
		echo "################################################################"; \
		echo "# PostgreSQL is not reachable on $(PG_HOST):$(PG_PORT):"; \
		echo "# running the tests on SQLITE ONLY."; \
		echo "################################################################"; \
		SLA_TEST_POSTGRES=skip cargo test --lib --bins --tests && \
		echo "# NOTE: SQLITE ONLY - the PostgreSQL half of the tests was skipped."; \
	fi

# tests/api/python_client.rs generates a Python client from openapi.yaml with this generator.
# Installed only when this version is missing; a failed install fails under CI=true, else the
# test skips loudly.
python-client:
	@if ! python3 -c "import importlib.metadata as m, sys; \
		sys.exit(m.version('openapi-python-client') != '$(OPENAPI_PYTHON_CLIENT)')" 2>/dev/null; then \
		echo "Installing openapi-python-client==$(OPENAPI_PYTHON_CLIENT) (generated-client test)"; \
		python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
			"openapi-python-client==$(OPENAPI_PYTHON_CLIENT)" || \
		{ [ "$$CI" != "true" ] && \
			echo "# WARNING: openapi-python-client is missing: the generated-client test will be SKIPPED" >&2; }; \
	fi

lint: packages
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

bench: PACKAGES = $(BUILD_PACKAGES) $(BENCH_PACKAGES)
bench: packages
	cargo bench --bench engine --bench incidents --bench credit_run --bench reports --bench import_memory \
		--bench metrics_overhead --bench statement_load --bench exposure --bench ingest_flood \
		--bench month_end
