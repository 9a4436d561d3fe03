# Shared settings for the scripts; sourced, not run.
# Build output lives outside the checkout so fresh clones (and CI) reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/contacts/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# cargo-leptos bakes the output name into the server; the same value for plain
# cargo commands keeps their build cache shared instead of rebuilding leptos.
export LEPTOS_OUTPUT_NAME=contacts
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
