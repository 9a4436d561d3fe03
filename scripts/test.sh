#!/usr/bin/env bash
# Installs what is missing and runs every test: formatting and lints, unit and
# integration tests, then the end-to-end tests in Chromium against a release build.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$ROOT/scripts/install.sh" --for-tests
cd "$ROOT"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Formatting"
cargo fmt --all -- --check

step "Lints (server side, then browser side)"
cargo clippy -p contacts --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# nextest runs the tests of every binary side by side (cargo test runs one
# binary at a time, and the long property tests left a core idle).
run_tests() {
  if command -v cargo-nextest >/dev/null; then
    cargo nextest run -p app -p contacts --no-fail-fast
  else
    cargo test -p app -p contacts
  fi
}

step "Unit and integration tests (SQLite)"
run_tests

step "Integration and property tests (PostgreSQL)"
source "$ROOT/scripts/postgres.sh"
run_tests
unset CONTACTS_TEST_POSTGRES

step "Release build (server and WASM)"
cargo leptos build --release --split

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export CONTACTS_BIN="$CARGO_TARGET_DIR/release/contacts"

step "What the browser downloads (size ceiling)"
"$CONTACTS_BIN" size --site-root "$ROOT/target/site"
e2e_dir=$(mktemp -d)
api_pid=""
cleanup() {
  if [[ -n "$api_pid" ]]; then kill "$api_pid" 2>/dev/null || true; fi
  rm -rf "$e2e_dir"
}
trap cleanup EXIT

step "HTTP API against its OpenAPI document (schemathesis)"
api_db="sqlite://$e2e_dir/api.db"
RUST_LOG=error "$CONTACTS_BIN" seed --contacts 50 --workspace API --database-url "$api_db" >/dev/null
api_token=$(RUST_LOG=error "$CONTACTS_BIN" token create --workspace API --database-url "$api_db" 2>/dev/null)
api_port=$(free_port)
RUST_LOG=error "$CONTACTS_BIN" serve --addr "127.0.0.1:$api_port" --database-url "$api_db" \
  --site-root "$ROOT/target/site" >"$e2e_dir/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$api_port/healthz" >/dev/null && break
  sleep 0.2
done
# A fixed seed: the same cases on every run, so a failure reproduces.
schemathesis run "http://127.0.0.1:$api_port/api/v1/openapi.json" \
  --header "Authorization: Bearer $api_token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 40 --workers 1 --request-timeout 10 --seed 1 --no-color
kill "$api_pid"
api_pid=""

step "End-to-end tests in Chromium"
export E2E_DATABASE_URL="sqlite://$e2e_dir/e2e.db"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export E2E_PORT="${E2E_PORT:-$(free_port)}"
(cd end2end && npx playwright test)
