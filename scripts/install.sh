#!/usr/bin/env bash
# Installs what building and testing Contacts needs, skipping what is present.
# Usage: scripts/install.sh [--for-tests]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "Rust is missing: install it with rustup first (https://rustup.rs)." >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "Installing cargo-leptos 0.3.10 (about 20 minutes on 2 cores)"
  cargo install cargo-leptos@0.3.10 --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen library in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  say "Installing wasm-bindgen-cli $wb_version"
  # Not --locked: one of its locked dependencies is missing from the registry.
  cargo install wasm-bindgen-cli@"$wb_version" --force
fi

if ! command -v wasm-opt >/dev/null; then
  say "Installing wasm-opt"
  cargo install wasm-opt --locked
fi

if [[ "${1:-}" == "--for-tests" ]]; then
  if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy; fi
  if ! rustup component list --installed | grep -q '^rustfmt'; then rustup component add rustfmt; fi
  # The tests run under nextest when it is there (machines here have it);
  # without it they run under cargo test.
  if ! command -v cargo-nextest >/dev/null; then
    say "Installing cargo-nextest"
    cargo install cargo-nextest --locked || echo "cargo-nextest did not install: the tests will run under cargo test" >&2
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    say "Installing Chromium from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if ! command -v npm >/dev/null; then
    say "Installing Node.js and npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  # The HTTP API is checked against its OpenAPI document by schemathesis.
  if ! schemathesis --version 2>/dev/null | grep -q "4\.32\.5"; then
    say "Installing schemathesis"
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
  fi
  stamp=end2end/node_modules/.installed-lock
  if [[ ! -f "$stamp" ]] || ! cmp -s end2end/package-lock.json "$stamp"; then
    say "Installing the end-to-end test packages"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
    cp end2end/package-lock.json "$stamp"
  fi
fi
