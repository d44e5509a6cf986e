#!/usr/bin/env bash
# Installs what the tests need (as root: nats-server, chromium, prometheus for promtool), checks the
# Prometheus configuration, builds Gateway.sln and runs every test project in it. Exits non-zero on any
# failure and ends with one line: "N passed, N failed, N skipped".
#
# Environment: TEST_FILTER passes a --filter expression to dotnet test; HANG_TIMEOUT (default 5m) is the
# per-test-run hang timeout after which dotnet test dumps and aborts the run.
set -euo pipefail

SCRIPT_NAME="test"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cd "$ROOT"

RESULTS=$ROOT/.data/test-results
FAILED_STEPS=()
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

# ---- prerequisites -------------------------------------------------------------------------------
command -v dotnet >/dev/null || die "dotnet is not on PATH (the .NET 10 SDK is needed)"

missing=()
find_command nats-server >/dev/null || missing+=(nats-server)
find_command chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if is_root; then
    apt_install "${missing[@]}" || warn "could not install ${missing[*]}; tests that need them will fail or skip"
  else
    warn "missing ${missing[*]} and not root (sudo apt-get install ${missing[*]}); tests that need them will fail or skip"
  fi
fi

# Integration tests start nats-server from PATH; Debian puts it in /usr/sbin, which a non-root PATH lacks.
if nats=$(find_command nats-server); then
  PATH="$PATH:$(dirname "$nats")"
  export PATH
  say "nats-server: $nats ($("$nats" --version 2>&1 | head -n 1))"
fi
if chromium=$(find_command chromium); then
  # Browser tests drive the Debian chromium (Playwright's own browser download is not reachable here).
  export CHROMIUM_PATH=$chromium
  say "chromium: $chromium"
fi

# ---- Prometheus configuration --------------------------------------------------------------------
if [ -f config/prometheus.yml ] || [ -f config/alerts.yml ]; then
  if ! command -v promtool >/dev/null && is_root; then
    apt_install prometheus || true
  fi
  if command -v promtool >/dev/null; then
    if [ -f config/prometheus.yml ]; then
      say "promtool check config config/prometheus.yml"
      promtool check config config/prometheus.yml || FAILED_STEPS+=("promtool check config")
    fi
    if [ -f config/alerts.yml ]; then
      say "promtool check rules config/alerts.yml"
      promtool check rules config/alerts.yml || FAILED_STEPS+=("promtool check rules")
    fi
  else
    warn "promtool is not available (Debian package prometheus); skipping the Prometheus config checks"
  fi
fi

# ---- build and test ------------------------------------------------------------------------------
[ -f Gateway.sln ] || die "Gateway.sln not found in $ROOT"
say "dotnet build Gateway.sln -c Release"
dotnet build Gateway.sln -c Release --nologo || die "build failed"

say "dotnet format Gateway.sln --verify-no-changes"
dotnet format Gateway.sln --verify-no-changes --no-restore || FAILED_STEPS+=("dotnet format (run 'dotnet format Gateway.sln')")

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
test_args=(--no-build -c Release --nologo
  --blame-hang-timeout "${HANG_TIMEOUT:-5m}"
  --logger "console;verbosity=normal" --logger trx
  --results-directory "$RESULTS")
[ -n "${TEST_FILTER:-}" ] && test_args+=(--filter "$TEST_FILTER")
say "dotnet test Gateway.sln ${test_args[*]}"
dotnet test Gateway.sln "${test_args[@]}" || FAILED_STEPS+=("dotnet test")

# ---- summary -------------------------------------------------------------------------------------
# Sum the counters of every TRX file (one per test project) into the closing line.
passed=0 failed=0 skipped=0
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
  skipped=$((skipped + $(count notExecuted)))
done < <(find "$RESULTS" -name '*.trx' -print0)

# Name every failed test and the first lines of its message last, where a truncated CI log still shows them.
if [ "$failed" -gt 0 ]; then
  echo
  warn "failed tests:"
  while IFS= read -r -d '' trx; do
    # One record per failed result: its name, then its message and stack trace cut to a few lines.
    tr -d '\r' < "$trx" | awk '
      /<UnitTestResult / && /outcome="(Failed|Error|Timeout|Aborted)"/ {
        match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); grab = 1; lines = 0
        print "  FAILED " name; next
      }
      grab && /<\/UnitTestResult>/ { grab = 0; next }
      grab && /<(Message|StackTrace)>/ { show = 1 }
      grab && show && lines < 12 { sub(/^[ \t]+/, ""); print "    " $0; lines++ }
      grab && /<\/(Message|StackTrace)>/ { show = 0 }
    ' | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'
  done < <(find "$RESULTS" -name '*.trx' -print0)
fi

echo
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
  warn "failed: ${FAILED_STEPS[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ ${#FAILED_STEPS[@]} -eq 0 ] && [ "$failed" -eq 0 ]
