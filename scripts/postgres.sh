# Makes a PostgreSQL server reachable for the tests; sourced by test.sh.
# Uses the one at 127.0.0.1:5432 (user postgres, trust auth) when it answers;
# otherwise installs Debian's server, lets local TCP connections in without a
# password (a test machine's database, never a deployment's) and starts it.
# Exports CONTACTS_TEST_POSTGRES for the test suites.
pg_url="${CONTACTS_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"

pg_answers() {
  psql "$pg_url/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1
}

if ! pg_answers; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    printf '\033[1m==> %s\033[0m\n' "Installing PostgreSQL from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null ||
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 50); do pg_answers && break; sleep 0.2; done
  pg_answers || { echo "PostgreSQL did not start at $pg_url" >&2; exit 1; }
fi

# Databases left by an interrupted run (each run makes its own).
psql "$pg_url/postgres" -Atqc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'contacts\_test\_%'" |
  while read -r db; do
    psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done

export CONTACTS_TEST_POSTGRES="$pg_url"
