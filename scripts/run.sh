#!/usr/bin/env bash
# Installs what is missing, builds, and serves Contacts at http://127.0.0.1:3000
# on ./data/contacts.db, seeding a demo workspace on first start.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$ROOT/scripts/install.sh"
cd "$ROOT"
cargo leptos build --release --split
echo "Contacts: http://127.0.0.1:3000 (unless --addr says otherwise)."
echo "Demo sign-in: admin@example.com or agent@example.com, password contacts-demo."
exec "$CARGO_TARGET_DIR/release/contacts" serve --demo --site-root "$ROOT/target/site" "$@"
