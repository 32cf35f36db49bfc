#!/usr/bin/env bash
# The store's two commands (see README.md):
#   ./dev.sh run    install what is missing, then build and run the store (SQLite, demo catalog on first start)
#   ./dev.sh test   install what is missing, then run every check and test (what CI runs, with CI=true)
# Other subcommands: setup (install only), watch (cargo leptos watch), e2e (browser tests only),
# sizes (release build, then the WASM/JS/CSS sizes raw, gzip and brotli).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

CARGO_LEPTOS_VERSION=0.3.11
PLAYWRIGHT_VERSION=1.64.0      # the Playwright driver that playwright-rs 0.20 pins
PLAYWRIGHT_NODE_TAG=node24.21.0 # the node tag in the driver directory name playwright-rs expects
DRIVER_HOME="$ROOT/end2end/.playwright"

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
  command -v wasm-opt >/dev/null || apt_install binaryen
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
trap 'rm -f "$RESULTS"' EXIT
run_tests() { # label, command...
  local label=$1; shift
  log "$label"
  set +e
  "$@" 2>&1 | tee -a "$RESULTS.log" | tee /dev/stderr | grep -E '^test result:' >>"$RESULTS"
  local status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || { summary; die "$label failed"; }
}
summary() {
  awk '{ for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i; if ($(i+1) ~ /^ignored;?$/) s += $i } }
       END { printf "\ntests: %d passed, %d failed, %d skipped\n", p, f, s }' "$RESULTS"
}

cmd_setup() { setup_build_tools; setup_browser_tools; }

cmd_run() {
  setup_build_tools
  log "building and starting the store (Ctrl-C stops it)"
  exec cargo leptos serve "$@"
}

cmd_watch() { setup_build_tools; exec cargo leptos watch "$@"; }

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

cmd_sizes() { # the release bundle's sizes, as BENCHMARKS.md records them
  setup_build_tools
  command -v brotli >/dev/null || apt_install brotli
  log "cargo leptos build --release -P"
  cargo leptos build --release -P
  printf '%-12s %10s %10s %10s\n' file raw gzip brotli
  for ext in wasm js css; do
    local f
    f=$(ls target/site/pkg/*."$ext" | head -1)
    printf '%-12s %10d %10d %10d\n' "$ext" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)" "$(brotli -q 11 -c "$f" | wc -c)"
  done
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
  run_tests "unit and integration tests (SQLite and PostgreSQL)" cargo test -p storefront -p migration --features ssr
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
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
