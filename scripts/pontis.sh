#!/usr/bin/env bash
# One entry point behind every npm script, so `npm start` and `npm test` work on a fresh clone
# of a machine that has only some other Node: select Node 24.18.1, install dependencies when
# the lock file changed, build, then run.
#   start [service]   all services in one process (embedded defaults), or one service alone
#   test              unit + integration + e2e + the quick fault stream; starts Kafka itself
#   faults [--quick] [--events N]   the fault-stream run (docs/FAULTS.md); its own Kafka and Postgres
#   test:unit | test:integration | e2e | bench | build | migrate
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
cd "$PONTIS_ROOT"

ensure_deps() {
  # Keyed on the lock file's content: an edit to package.json's scripts needs no reinstall,
  # a dependency change always changes the lock.
  local stamp=node_modules/.pontis-installed want
  want="$(sha256sum package-lock.json | cut -d' ' -f1) node-$PONTIS_NODE_VERSION"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "pontis: installing dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
    echo "$want" >"$stamp"
  fi
}

build() {
  ensure_deps
  # A clean build for test runs, so a deleted source file cannot leave a stale test behind.
  [ "${PONTIS_CLEAN_BUILD:-0}" = 1 ] && rm -rf dist
  npx tsc -p tsconfig.json
}

# The dashboard's browser tests drive Debian's chromium (playwright-core downloads no browser).
# Installed here when we can (root with apt-get); otherwise those tests fail saying how to install
# it (services/gateway/dashboard/testing/chromium.ts): never a silent skip.
ensure_browser() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "pontis: installing chromium for the dashboard browser tests (apt-get install -y chromium)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2; } \
      || echo "pontis: could not install chromium; the dashboard browser tests will fail" >&2
  else
    echo "pontis: /usr/bin/chromium is missing, so the dashboard browser tests will fail; install it with: sudo apt-get install -y chromium" >&2
  fi
}

# Defaults for the tests: the machine's Postgres and the project's own broker.
export PONTIS_TEST_DATABASE_URL="${PONTIS_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PONTIS_TEST_KAFKA_BROKERS="${PONTIS_TEST_KAFKA_BROKERS:-127.0.0.1:9092}"

results=.test-results
run_node_tests() { # name, files...
  local name="$1"; shift
  mkdir -p "$results"
  [ "$#" -gt 0 ] || { echo "pontis: no $name tests found" >&2; return 1; }
  node --test --test-concurrency=1 --test-timeout=600000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$results/$name.tap" "$@"
}
unit_files() { find dist -name '*.test.js' ! -name '*.int.test.js' -not -path 'dist/test/e2e/*' | sort; }
int_files() { find dist -name '*.int.test.js' -not -path 'dist/test/e2e/*' | sort; }

summary() { # adds up every suite's pass/fail and prints the closing line
  local pass=0 fail=0 p f c
  for tap in "$results"/*.tap; do
    [ -f "$tap" ] || continue
    p=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | awk '{print $3}'); f=$(grep -E '^# fail [0-9]+' "$tap" | tail -1 | awk '{print $3}')
    # A test cancelled because its suite's setup failed did not pass: it counts as failed.
    c=$(grep -E '^# cancelled [0-9]+' "$tap" | tail -1 | awk '{print $3}')
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${c:-0}))
  done
  for txt in "$results/e2e.txt" "$results/faults.txt"; do
    [ -f "$txt" ] || continue
    p=$(grep -cE '^PASS ' "$txt" || true); f=$(grep -cE '^FAIL ' "$txt" || true)
    pass=$((pass + p)); fail=$((fail + f))
  done
  [ "$fail" -eq 0 ] || failures
  echo "total: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# Each failed test of the node suites with where it is and the first lines of its error, printed
# last: a CI log is often read from its end, and the suite's name alone does not say what broke.
failures() {
  local tap
  echo "failed:"
  for tap in "$results"/*.tap; do
    [ -f "$tap" ] || continue
    awk -v suite="$(basename "$tap" .tap)" '
      /^ *not ok [0-9]+ - / { name = $0; sub(/^ *not ok [0-9]+ - /, "", name); inblk = 1; err = 0; lines = 0; loc = ""; kind = ""; msg = ""; next }
      !inblk { next }
      /^ *\.\.\.$/ { if (kind !~ /subtestsFailed/) printf "  %s: %s (%s)%s\n", suite, name, loc, (msg == "" ? "" : ": " msg); inblk = 0; next }
      err && (match($0, /[^ ]/) > ind || $0 ~ /^ *$/) { if (lines < 6 && $0 !~ /^ *$/) { l = $0; sub(/^ +/, "", l); msg = msg (msg == "" ? "" : " / ") l; lines++ } next }
      { err = 0 }
      /^ *location: / { loc = $0; sub(/^ *location: /, "", loc); gsub(/\047/, "", loc) }
      /^ *failureType: / { kind = $0 }
      /^ *error: / { ind = match($0, /[^ ]/); m = $0; sub(/^ *error: /, "", m); if (m ~ /^\|/) err = 1; else msg = m }
    ' "$tap"
  done
  for txt in "$results/e2e.txt" "$results/faults.txt"; do
    [ -f "$txt" ] && grep -E '^FAIL ' "$txt" | cut -c1-300 | sed 's/^/  /'
  done
  return 0
}

run_e2e() {
  # One pass; then one fresh pass (new peers, new Pontis) over the scenarios that failed. Four real
  # servers written by others meet for the first time in each run, and a few first contacts (a
  # signature scheme negotiation, a first follow) are timing-sensitive on a loaded 2-core machine.
  # A scenario passes only if it passes on the retry too; the retry is shown in its PASS line.
  # Infrastructure failures (a peer or Pontis not starting) are never retried.
  node --enable-source-maps dist/test/e2e/run.js | tee "$results/e2e-first.txt"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ] || grep -qE '^FAIL (peer:|pontis:|e2e:)' "$results/e2e-first.txt" || [ "${E2E_RETRY:-1}" = 0 ]; then
    mv "$results/e2e-first.txt" "$results/e2e.txt"; return "$rc"
  fi
  local ids
  ids=$(grep -E '^FAIL ' "$results/e2e-first.txt" | sed -E 's/^FAIL ([^ ]+): .*/\1/; s/^FAIL ([^ ]+)$/\1/' | paste -sd, -)
  echo "e2e: re-running what failed, on fresh servers: $ids" >&2
  E2E_IDS="$ids" node --enable-source-maps dist/test/e2e/run.js > "$results/e2e-retry.txt"; rc=$?
  {
    grep -E '^(PASS|SKIP) ' "$results/e2e-first.txt"
    grep -E '^(PASS|FAIL) ' "$results/e2e-retry.txt" | grep -vE '^PASS (peer:|pontis:|peer-smoke:)' | while IFS= read -r line; do
      id=$(echo "$line" | sed -E 's/^(PASS|FAIL) ([^ :]+:[^ :]+)(: .*)?$/\2/')
      first=$(grep -E "^FAIL $id" "$results/e2e-first.txt" | head -1 | cut -c1-160)
      case "$line" in PASS*) echo "$line (passed on the retry; first: ${first#FAIL })" ;; *) echo "$line" ;; esac
    done
  } | tee "$results/e2e.txt"
  ! grep -qE '^FAIL ' "$results/e2e.txt"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  build) build ;;
  start)
    build
    if [ -n "${1:-}" ]; then exec node --enable-source-maps "dist/services/$1/main.js"; fi
    exec node --enable-source-maps dist/services/pontis/main.js ;;
  migrate)
    build
    exec node dist/libs/store/migrate.js ;;
  test:unit)
    build
    rm -rf "$results"; mapfile -t files < <(unit_files); run_node_tests unit "${files[@]}" ;;
  test:integration)
    build
    bash deploy/kafka/kafka.sh start
    ensure_browser
    rm -rf "$results"; mapfile -t files < <(int_files); run_node_tests integration "${files[@]}" ;;
  e2e)
    build
    mkdir -p "$results"
    run_e2e; exit $? ;;
  test)
    PONTIS_CLEAN_BUILD=1 build
    bash deploy/kafka/kafka.sh start
    ensure_browser
    rm -rf "$results"; status=0
    mapfile -t files < <(unit_files); run_node_tests unit "${files[@]}" || status=1
    mapfile -t files < <(int_files); run_node_tests integration "${files[@]}" || status=1
    run_e2e || status=1
    # The short fault stream: every fault kind once, on its own broker and database (docs/FAULTS.md).
    node --enable-source-maps dist/test/faults/run.js --quick | tee "$results/faults.txt"; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    summary || status=1
    exit "$status" ;;
  faults)
    build
    mkdir -p "$results"
    node --enable-source-maps dist/test/faults/run.js "$@" | tee "$results/faults.txt"; exit "${PIPESTATUS[0]}" ;;
  bench)
    build
    bash deploy/kafka/kafka.sh start
    exec node --enable-source-maps dist/bench/run.js "$@" ;;
  *) echo "usage: scripts/pontis.sh start [service]|test|test:unit|test:integration|e2e|faults|bench|build|migrate" >&2; exit 2 ;;
esac
