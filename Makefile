# sla-ledger: `make run` starts the service on SQLite; `make test` runs every test on SQLite and
# PostgreSQL (127.0.0.1:5432, user postgres). Nothing else needs installing: SQLite and libpq are
# built from the crates' bundled sources.
SHELL := /bin/bash
DEV_SECRET := dev-secret-change-me
PG_HOST := 127.0.0.1
PG_PORT := 5432

.PHONY: run test lint bench

run:
	cargo build --bin sla-ledger
	@echo
	@echo "Mint a development token (another terminal):"
	@echo "  SLA_JWT_SECRET=$(DEV_SECRET) ./target/debug/sla-ledger token --sub you --role admin"
	@echo
	SLA_JWT_SECRET=$(DEV_SECRET) ./target/debug/sla-ledger serve

# Benchmarks are only compiled here (running them is `make bench`).
test:
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

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

bench:
	cargo bench --bench engine --bench incidents --bench credit_run --bench reports
