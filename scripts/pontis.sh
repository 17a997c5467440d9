#!/usr/bin/env bash
# One entry point behind every npm script, so `npm start` and `npm test` work on a fresh clone
# of a machine that has only some other Node: select Node 24.18.1, install dependencies when
# the lock file changed, build, then run.
#   start [service]   all services in one process (embedded defaults), or one service alone
#   test              unit + integration + e2e; starts Kafka itself
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
  local pass=0 fail=0 p f
  for tap in "$results"/*.tap; do
    [ -f "$tap" ] || continue
    p=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | awk '{print $3}'); f=$(grep -E '^# fail [0-9]+' "$tap" | tail -1 | awk '{print $3}')
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  done
  if [ -f "$results/e2e.txt" ]; then
    p=$(grep -cE '^PASS ' "$results/e2e.txt" || true); f=$(grep -cE '^FAIL ' "$results/e2e.txt" || true)
    pass=$((pass + p)); fail=$((fail + f))
  fi
  echo "total: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
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
    rm -rf "$results"; mapfile -t files < <(int_files); run_node_tests integration "${files[@]}" ;;
  e2e)
    build
    mkdir -p "$results"
    node --enable-source-maps dist/test/e2e/run.js | tee "$results/e2e.txt"; exit "${PIPESTATUS[0]}" ;;
  test)
    PONTIS_CLEAN_BUILD=1 build
    bash deploy/kafka/kafka.sh start
    rm -rf "$results"; status=0
    mapfile -t files < <(unit_files); run_node_tests unit "${files[@]}" || status=1
    mapfile -t files < <(int_files); run_node_tests integration "${files[@]}" || status=1
    node --enable-source-maps dist/test/e2e/run.js | tee "$results/e2e.txt" || status=1
    summary || status=1
    exit "$status" ;;
  bench)
    build
    bash deploy/kafka/kafka.sh start
    exec node --enable-source-maps dist/bench/run.js "$@" ;;
  *) echo "usage: scripts/pontis.sh start [service]|test|test:unit|test:integration|e2e|bench|build|migrate" >&2; exit 2 ;;
esac
