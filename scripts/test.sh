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

step "Unit and integration tests (SQLite)"
cargo test -p app -p contacts

step "Release build (server and WASM)"
cargo leptos build --release

step "End-to-end tests in Chromium"
e2e_dir=$(mktemp -d)
trap 'rm -rf "$e2e_dir"' EXIT
export CONTACTS_BIN="$CARGO_TARGET_DIR/release/contacts"
export E2E_DATABASE_URL="sqlite://$e2e_dir/e2e.db"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export E2E_PORT="${E2E_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
(cd end2end && npx playwright test)
