#!/usr/bin/env bash
# The gateway against the servers a user would otherwise pick, in one sitting with one load generator (issue 12):
# nchan (nginx module), a bare Kestrel fan-out floor and the gateway for push (SSE, WebSocket, long polling at 1,000
# subscribers; SSE at 10,000; idle memory at 5,000 SSE and 5,000 WebSocket connections); nginx proxy_pass, a bare YARP
# app and the gateway for REST (wrk, 50 connections); the gateway on JetStream against core NATS. Writes
# docs/benchmarks.md (full runs) and bench/results/peers-<timestamp>.json and .md. About 15 minutes on 2 cores.
#
#   bench/peers.sh             full sizes, writes docs/benchmarks.md
#   bench/peers.sh --quick     smoke test: the same steps at small sizes in about two minutes; docs/ left alone
#
# Installs nginx-light, libnginx-mod-nchan, wrk and nats-server from the distribution (apt-get, as root) when missing.
# Every other option goes to the benchmark (NO_BUILD=1 bench/run.sh --help). Environment:
#   NO_BUILD=1      skip the Release builds
#   NATS_SERVER     nats-server binary (default: on PATH, else /usr/sbin/nats-server)

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

NCHAN_MODULE=/usr/lib/nginx/modules/ngx_nchan_module.so
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -f "$NCHAN_MODULE" ] || missing+=(libnginx-mod-nchan)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -n "${NATS_SERVER:-}" ] || command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing: ${missing[*]}; install them (sudo apt-get install ${missing[*]}) or run this as root." >&2
    exit 2
  fi
  echo "installing ${missing[*]} (apt-get)..." >&2
  # The packages' own nginx service is not wanted: policy-rc.d 101 keeps the postinst from starting it.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  [ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; }
  trap '[ $had_policy = 1 ] || rm -f "$policy"' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  [ $had_policy = 1 ] || rm -f "$policy"
  trap - EXIT
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "building the gateway, the benchmark, the floor and the bare YARP app (Release)..." >&2
  for project in gateway/Gateway.csproj bench/Gateway.Bench/Gateway.Bench.csproj bench/Gateway.Bench.Floor/Gateway.Bench.Floor.csproj bench/Gateway.Bench.Yarp/Gateway.Bench.Yarp.csproj; do
    dotnet build "$project" -c Release -nologo -v quiet -clp:ErrorsOnly
  done
fi

# 10,000 SSE clients hold a socket each on both sides (the servers inherit the limit).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

docs=(--docs docs/benchmarks.md)
for arg in "$@"; do
  [ "$arg" = --quick ] && docs=()
done

exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll --scenario peers --nchan-module "$NCHAN_MODULE" "${docs[@]}" "$@"
