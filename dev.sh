#!/usr/bin/env bash
# The store's two commands (see README.md):
#   ./dev.sh run    install what is missing, then build and run the store (SQLite, demo catalog on first start)
#   ./dev.sh test   install what is missing, then run every check and test (what CI runs, with CI=true)
# Other subcommands: setup (install only), watch (cargo leptos watch), e2e (browser tests only),
# sizes (the release WASM/JS bundle: sizes raw, gzip and brotli, checked against its budget), lighthouse
# (Lighthouse mobile scores of the shopper pages on a release build), screenshots (the shopper pages at 390
# and 1280 px, into target/screenshots), bench (page, search and order
# placement benchmarks, release build; BENCHMARKS.md records their numbers), bench-orders (only the last).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

CARGO_LEPTOS_VERSION=0.3.11
PLAYWRIGHT_VERSION=1.64.0      # the Playwright driver that playwright-rs 0.20 pins
PLAYWRIGHT_NODE_TAG=node24.21.0 # the node tag in the driver directory name playwright-rs expects
DRIVER_HOME="$ROOT/end2end/.playwright"
AXE_CORE_VERSION=4.14.1         # axe-core, injected into the pages by the browser tests
AXE_HOME="$ROOT/end2end/.axe"
LIGHTHOUSE_VERSION=12.8.2       # the last Lighthouse that runs on Debian's Node 20 (13 needs Node 22)
LIGHTHOUSE_HOME="$ROOT/end2end/.lighthouse"
# wasm-opt for release bundles, from npm: Debian's binaryen 108 corrupts the WASM wasm-bindgen 0.2.130 writes
# (its externref table's export ends up on the function table: the page never hydrates). cargo-leptos finds
# it on PATH; `bundle_check` loads every bundle it measures, so such a break fails the tests.
BINARYEN_VERSION=132.0.0
BINARYEN_HOME="$ROOT/.tools/binaryen"
# promtool (checks the /metrics exposition in the tests): unpacked from Debian's prometheus package, whose
# server is neither installed nor started.
PROMTOOL_HOME="$ROOT/.tools/promtool"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# In CI the clone is new each time: keep the build cache outside it so runs stay warm.
if [ "${CI:-}" = "true" ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="$HOME/.cache/storefront/target"
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$HOME/.cargo/bin:$PATH"

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

locked_version() { # the version of a crate in Cargo.lock
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_build_tools() {
  command -v rustup >/dev/null || die "rustup is required: https://rustup.rs"
  command -v cc >/dev/null || apt_install build-essential
  # rust-toolchain.toml pins the toolchain, the wasm32 target, rustfmt and clippy.
  rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 11 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wb
  wb=$(locked_version wasm-bindgen)
  [ -n "$wb" ] || die "wasm-bindgen is missing from Cargo.lock"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    log "installing wasm-bindgen-cli $wb (must equal the wasm-bindgen crate in Cargo.lock)"
    # No --locked: the registry mirror may lack the exact versions of its lock file.
    cargo install wasm-bindgen-cli --version "$wb" --force
  fi
}

setup_browser_tools() {
  command -v chromium >/dev/null || apt_install chromium
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  # playwright-rs drives Playwright's node driver. Its build script would download the driver and a node
  # binary; we assemble the directory it looks for from the npm package and the system node instead.
  local driver="$DRIVER_HOME/cache/playwright-$PLAYWRIGHT_VERSION-linux-$PLAYWRIGHT_NODE_TAG"
  if [ ! -f "$DRIVER_HOME/node_modules/playwright-core/package.json" ] ||
     ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$DRIVER_HOME/node_modules/playwright-core/package.json"; then
    log "npm install playwright-core@$PLAYWRIGHT_VERSION"
    mkdir -p "$DRIVER_HOME"
    npm install --silent --prefix "$DRIVER_HOME" --no-save --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION"
  fi
  mkdir -p "$driver"
  ln -sfn "$(command -v node)" "$driver/node"
  ln -sfn "$DRIVER_HOME/node_modules/playwright-core" "$driver/package"
  npm_tool "$AXE_HOME" axe-core "$AXE_CORE_VERSION"
  export STOREFRONT_AXE_JS="$AXE_HOME/node_modules/axe-core/axe.min.js"
}

# Node, npm and the wasm-opt of BINARYEN_VERSION first on PATH: what a release build of the bundle needs.
setup_wasm_opt() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  npm_tool "$BINARYEN_HOME" binaryen "$BINARYEN_VERSION"
  export PATH="$BINARYEN_HOME/node_modules/.bin:$PATH"
}

npm_tool() { # directory, package, version: an npm package of its own directory, installed once
  local home=$1 name=$2 version=$3
  grep -q "\"version\": \"$version\"" "$home/node_modules/$name/package.json" 2>/dev/null && return 0
  log "npm install $name@$version"
  mkdir -p "$home"
  npm install --silent --prefix "$home" --no-save --no-audit --no-fund "$name@$version"
}

ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then return 0; fi
  if pg_ready; then export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"; return 0; fi
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    log "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 20); do pg_ready && break; sleep 0.5; done
  fi
  if pg_ready; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
  elif [ "${CI:-}" = "true" ]; then
    die "PostgreSQL is required in CI: set TEST_DATABASE_URL or run it at 127.0.0.1:5432"
  else
    log "PostgreSQL not found: its tests will be skipped (set TEST_DATABASE_URL to run them)"
  fi
}
pg_ready() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

# cargo test output → totals. Every "test result:" line adds up.
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS" "$RESULTS.stage"' EXIT
run_tests() { # label, command...
  local label=$1; shift
  log "$label"
  set +e
  # The output goes to this script's own stderr descriptor (tee's stdout, redirected), never to a
  # reopened /dev/stderr: `./dev.sh test > test.log 2>&1` would have its file truncated at each stage.
  "$@" 2>&1 | tee "$RESULTS.stage" >&2
  local status=${PIPESTATUS[0]}
  grep -E '^test result:' "$RESULTS.stage" >>"$RESULTS"
  set -e
  [ "$status" -eq 0 ] || { summary; die "$label failed"; }
}
summary() {
  awk '{ for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i; if ($(i+1) ~ /^ignored;?$/) s += $i } }
       END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s }' "$RESULTS"
}

# A real SMTP server for the mail delivery tests (Debian's aiosmtpd, run with the system python).
setup_test_tools() {
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || apt_install python3-aiosmtpd
  if [ ! -x "$PROMTOOL_HOME/usr/bin/promtool" ]; then
    log "unpacking promtool from Debian's prometheus package"
    local deb
    deb=$(mktemp -d)
    as_root apt-get update -qq
    (cd "$deb" && apt-get download -qq prometheus 2>/dev/null) || die "apt-get download prometheus failed"
    mkdir -p "$PROMTOOL_HOME"
    dpkg-deb -x "$deb"/prometheus_*.deb "$deb/unpacked"
    mkdir -p "$PROMTOOL_HOME/usr/bin" && cp "$deb/unpacked/usr/bin/promtool" "$PROMTOOL_HOME/usr/bin/"
    rm -rf "$deb"
  fi
  export PROMTOOL="$PROMTOOL_HOME/usr/bin/promtool"
}

cmd_setup() { setup_build_tools; setup_browser_tools; setup_test_tools; }

# The store starts in production unless asked for development (see Leptos.toml); these commands ask.
development() { export STORE_ENV="${STORE_ENV:-development}"; }

cmd_run() {
  setup_build_tools
  development
  log "building and starting the store (Ctrl-C stops it)"
  exec cargo leptos serve "$@"
}

cmd_watch() { setup_build_tools; development; exec cargo leptos watch "$@"; }

# Screenshots of the shopper pages at 390 and 1280 px (end2end/screenshots.mjs) from a development build
# with the demo catalog, into target/screenshots: what to look at against ../shared/STOREFRONT-UX.md.
cmd_screenshots() {
  setup_build_tools; setup_browser_tools
  cargo leptos build
  local port=${SCREENSHOTS_PORT:-3079} data out="$ROOT/target/screenshots"
  data=$(mktemp -d)
  SHOTS_DATA=$data SHOTS_SERVER_PID=""
  trap 'if [ -n "${SHOTS_SERVER_PID:-}" ]; then kill "$SHOTS_SERVER_PID" 2>/dev/null || true; fi; rm -rf "${SHOTS_DATA:-}" "$RESULTS" "$RESULTS.stage"' EXIT
  development
  DATABASE_URL="sqlite://$data/store.db?mode=rwc" STORE_DATA_DIR="$data" STORE_ADDRESS="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="$ROOT/target/site" RUST_LOG=warn "$TARGET_DIR/debug/storefront" >"$data/server.log" 2>&1 &
  SHOTS_SERVER_PID=$!
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  mkdir -p "$out"
  node "$ROOT/end2end/screenshots.mjs" "http://127.0.0.1:$port" "$out" "$DRIVER_HOME/node_modules/playwright-core"
}

cmd_e2e() {
  setup_build_tools; setup_browser_tools
  browser_tests
}

browser_tests() {
  log "building the app for the browser tests"
  cargo leptos build
  run_tests "browser tests (end2end)" env STOREFRONT_BIN="$TARGET_DIR/debug/storefront" \
    STOREFRONT_SITE_ROOT="$ROOT/target/site" cargo test -p end2end
}

# The shoppers' bundle budget: WASM + JS, brotli -q 11, in bytes. `./dev.sh test` fails when the bundle grows
# past it; lower it as the bundle shrinks, raise it only on purpose, with the reason in BENCHMARKS.md, and
# never past 150 KB (issue 10's ceiling). The bundle is 118,325 B today: see BENCHMARKS.md.
BUNDLE_BUDGET=125000

cmd_sizes() { # the release bundle's sizes, as BENCHMARKS.md records them, and the budget check
  setup_build_tools
  bundle_check
}

# Builds the browser bundle the way `cargo leptos build --release` does (the wasm-release profile,
# wasm-bindgen --target web, wasm-opt -Oz with cargo-leptos's flags), without the release server build,
# prints its sizes (raw, gzip, brotli) and fails when WASM + JS (brotli) is over BUNDLE_BUDGET.
bundle_check() {
  command -v brotli >/dev/null || apt_install brotli
  setup_wasm_opt
  log "the release WASM bundle"
  cargo build -p storefront --lib --target wasm32-unknown-unknown --profile wasm-release \
    --no-default-features --features hydrate
  local out="$TARGET_DIR/bundle" total=0
  rm -rf "$out" && mkdir -p "$out"
  wasm-bindgen --target web --out-name storefront --out-dir "$out" \
    "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/storefront.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$out/storefront_bg.wasm" -o "$out/storefront_bg.wasm"
  # The optimised bundle must still load: instantiate it with its own glue, as the page does.
  node --input-type=module -e '
    const [dir] = process.argv.slice(1);
    const { readFile } = await import("node:fs/promises");
    const glue = await import(dir + "/storefront.js");
    await glue.default({ module_or_path: await readFile(dir + "/storefront_bg.wasm") });
  ' "$out" || die "the optimised WASM bundle does not load (wasm-opt $(wasm-opt --version))"
  printf '%-12s %10s %10s %10s\n' file raw gzip brotli
  for f in "$out/storefront_bg.wasm" "$out/storefront.js"; do
    local br
    br=$(brotli -q 11 -c "$f" | wc -c)
    total=$((total + br))
    printf '%-12s %10d %10d %10d\n' "${f##*.}" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)" "$br"
  done
  printf '%-12s %32d (budget %d)\n' "wasm + js" "$total" "$BUNDLE_BUDGET"
  [ "$total" -le "$BUNDLE_BUDGET" ] ||
    die "the shoppers' bundle is $total B brotli, over its budget of $BUNDLE_BUDGET B (dev.sh BUNDLE_BUDGET)"
}

# Lighthouse (mobile preset: a mid-range phone on a throttled 4G connection, simulated) against a
# release build with the demo catalog: home, a listing, a product, search results, the cart and the
# first checkout step (both with one item in the cart). Prints the four scores and the timings.
cmd_lighthouse() {
  setup_build_tools; setup_browser_tools
  npm_tool "$LIGHTHOUSE_HOME" lighthouse "$LIGHTHOUSE_VERSION"
  setup_wasm_opt
  log "cargo leptos build --release -P"
  cargo leptos build --release -P
  local port=${LIGHTHOUSE_PORT:-3078} data
  data=$(mktemp -d)
  LH_DATA=$data LH_SERVER_PID=""
  trap 'if [ -n "${LH_SERVER_PID:-}" ]; then kill "$LH_SERVER_PID" 2>/dev/null || true; fi; rm -rf "${LH_DATA:-}" "$RESULTS" "$RESULTS.stage"' EXIT
  development
  DATABASE_URL="sqlite://$data/store.db?mode=rwc" STORE_DATA_DIR="$data" STORE_ADDRESS="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT="$ROOT/target/site" RUST_LOG=warn "$TARGET_DIR/release/storefront" >"$data/server.log" 2>&1 &
  LH_SERVER_PID=$!
  local base="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
  curl -sf "$base/healthz" >/dev/null || die "the store did not start: $(cat "$data/server.log")"
  local category product sku cookie
  category=$(curl -sf "$base/products" | grep -o 'href="/c/[^"?]*"' | head -1 | sed 's/href="//; s/"//')
  product=$(curl -sf "$base$category" | grep -o 'href="/p/[^"]*"' | head -1 | sed 's/href="//; s/"//')
  sku=$(curl -sf "$base$product" | grep -o 'name="sku" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  cookie=$(curl -s -D - -o /dev/null -H 'Accept: application/json' --data-urlencode "sku=$sku" \
    --data-urlencode quantity=1 "$base/api/cart/add" | tr -d '\r' | grep -i '^set-cookie: cart=' | sed 's/^[^:]*: //; s/;.*//')
  [ -n "$cookie" ] || die "could not put $sku in a cart"
  printf '\n%-34s %5s %5s %5s %5s %8s %8s %8s %8s\n' "page (Lighthouse $LIGHTHOUSE_VERSION, mobile)" perf a11y bp seo FCP LCP TBT TTI
  for row in "/" "$category" "$product" "/search?q=hodie" "/cart|cart" "/checkout|cart"; do
    local path=${row%|cart} headers=()
    [ "$row" != "$path" ] && headers=(--extra-headers "{\"Cookie\": \"$cookie\"}")
    # Lighthouse now and then loses its trace (NO_NAVSTART): one more try before giving up.
    lighthouse_page "$base$path" "$data" "${headers[@]}" || lighthouse_page "$base$path" "$data" "${headers[@]}" ||
      die "lighthouse failed on $path"
    node -e '
      const r = require(process.argv[1]), c = r.categories, a = r.audits;
      const score = (k) => String(Math.round(c[k].score * 100));
      const ms = (k) => (a[k].numericValue / 1000).toFixed(2) + " s";
      const failed = Object.values(a).filter((x) => x.score !== null && x.score < 1 && x.scoreDisplayMode === "binary").map((x) => x.id);
      console.log(process.argv[2].padEnd(34), score("performance").padStart(5), score("accessibility").padStart(5),
        score("best-practices").padStart(5), score("seo").padStart(5), ms("first-contentful-paint").padStart(8),
        ms("largest-contentful-paint").padStart(8), (Math.round(a["total-blocking-time"].numericValue) + " ms").padStart(8),
        ms("interactive").padStart(8), failed.length ? "  failing: " + failed.join(", ") : "");
    ' "$data/report.json" "$path"
  done
}

lighthouse_page() { # url, work directory, extra arguments: writes <work directory>/report.json
  local url=$1 data=$2; shift 2
  rm -rf "$data/chromium"
  CHROME_PATH=/usr/bin/chromium node "$LIGHTHOUSE_HOME/node_modules/lighthouse/cli/index.js" "$url" \
    --quiet --output=json --output-path="$data/report.json" "$@" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$data/chromium"
}

# Page benchmark: a release server on a 10,000-product SQLite catalog, wrk at 64 connections against
# each page and against a fixed in-memory page of the listing's size (the ceiling), then the search
# benchmark (1,000 queries on 100,000 products).
cmd_bench() {
  setup_build_tools
  command -v wrk >/dev/null || apt_install wrk
  local products=${BENCH_PRODUCTS:-10000} duration=${BENCH_DURATION:-10s} port=${BENCH_PORT:-3077}
  log "building the release server"
  cargo build --release --features ssr --bin storefront
  local bin="$TARGET_DIR/release/storefront" data
  data=$(mktemp -d)
  BENCH_DATA=$data BENCH_SERVER_PID=""
  trap 'if [ -n "${BENCH_SERVER_PID:-}" ]; then kill "$BENCH_SERVER_PID" 2>/dev/null || true; fi; rm -rf "${BENCH_DATA:-}" "$RESULTS" "$RESULTS.stage"' EXIT
  development
  export DATABASE_URL="sqlite://$data/bench.db?mode=rwc" STORE_DATA_DIR="$data" STORE_SEED_DEMO=false \
    STORE_ADDRESS="127.0.0.1:$port" LEPTOS_SITE_ROOT="$ROOT/target/site" RUST_LOG=warn
  log "seeding $products products"
  "$bin" seed --products "$products"
  start_bench_server() {
    "$bin" >"$data/server.log" 2>&1 &
    BENCH_SERVER_PID=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.2; done
    die "the benchmark server did not start: $(cat "$data/server.log")"
  }
  start_bench_server
  local base="http://127.0.0.1:$port" category product listing_bytes
  category=$(curl -sf "$base/products" | grep -o 'href="/c/[^"?]*"' | head -1 | sed 's/href="//; s/"//')
  product=$(curl -sf "$base$category" | grep -o 'href="/p/[^"]*"' | head -1 | sed 's/href="//; s/"//')
  listing_bytes=$(curl -sf "$base/products" | wc -c)
  kill "$BENCH_SERVER_PID"; wait "$BENCH_SERVER_PID" 2>/dev/null || true
  STORE_BENCH_CEILING_BYTES=$listing_bytes start_bench_server
  printf '\n%-60s %8s %10s %10s %10s\n' "page ($products products, 64 connections)" "bytes" "req/s" "p50" "p99"
  # A cart cookie makes the store render the page every time (the page cache is for anonymous views).
  local cart_cookie="cart=$(printf '%032x' "$RANDOM$RANDOM")"
  for row in "/bench/ceiling" "/products" "$category" "$category?size=M&sort=price-asc" "$product" \
             "/search?q=hodie" "/products|cookie" "$category?size=M&sort=price-asc|cookie" "$product|cookie"; do
    local path=${row%|cookie} header=() label=${row%|cookie} out bytes
    if [ "$row" != "$path" ]; then header=(-H "Cookie: $cart_cookie"); label="$path (cart cookie: rendered)"; fi
    curl -sf "${header[@]}" "$base$path" >/dev/null || die "GET $path failed"
    bytes=$(curl -s "${header[@]}" "$base$path" | wc -c)
    wrk -t2 -c64 -d"$duration" --latency "${header[@]}" "$base$path" >"$data/wrk.txt"
    out=$(awk '/Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Non-2xx/ { bad = $NF }
               END { printf "%10s %10s %10s%s", rps, p50, p99, (bad ? "  NON-2XX: " bad : "") }' "$data/wrk.txt")
    printf '%-60s %8s %s\n' "$label" "$bytes" "$out"
  done
  kill "$BENCH_SERVER_PID"; wait "$BENCH_SERVER_PID" 2>/dev/null || true; BENCH_SERVER_PID=""
  unset DATABASE_URL
  if [ "${BENCH_SEARCH:-1}" != "0" ]; then
    log "search benchmark (cargo bench --bench search)"
    cargo bench --features ssr --bench search -- --products "${BENCH_SEARCH_PRODUCTS:-100000}"
  fi
  if [ "${BENCH_ORDERS:-1}" != "0" ]; then
    ensure_postgres
    log "order placement benchmark on PostgreSQL (cargo bench --bench orders)"
    BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}} \
      cargo bench --features ssr --bench orders -- --buyers "${BENCH_BUYERS:-32}" --orders "${BENCH_ORDERS_COUNT:-3200}"
  fi
}

# Only the order placement benchmark (PostgreSQL): ./dev.sh bench-orders
cmd_bench_orders() {
  setup_build_tools
  ensure_postgres
  BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}} \
    cargo bench --features ssr --bench orders -- --buyers "${BENCH_BUYERS:-32}" --orders "${BENCH_ORDERS_COUNT:-3200}"
}

cmd_test() {
  setup_build_tools; setup_browser_tools
  log "cargo fmt --check"
  cargo fmt --all --check
  log "clippy (ssr)"
  cargo clippy --workspace --all-targets --features ssr -- -D warnings
  log "clippy (hydrate, wasm32)"
  cargo clippy -p storefront --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
  ensure_postgres
  setup_test_tools
  run_tests "unit and integration tests (SQLite and PostgreSQL)" cargo test -p storefront -p migration --features ssr
  bundle_check
  browser_tests
  summary
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  watch) shift; cmd_watch "$@" ;;
  test) shift; cmd_test "$@" ;;
  e2e) shift; cmd_e2e "$@" ;;
  setup) shift; cmd_setup "$@" ;;
  sizes) shift; cmd_sizes "$@" ;;
  lighthouse) shift; cmd_lighthouse "$@" ;;
  screenshots) shift; cmd_screenshots "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  bench-orders) shift; cmd_bench_orders "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
