#!/usr/bin/env bash
# Builds the gateway and the benchmark in Release and runs the scenarios against a nats-server and a gateway process of
# the benchmark's own (loopback, free ports, temp JetStream store; all stopped at the end). Prints a results table per
# scenario and writes bench/results/<scenario>-<timestamp>.json and .md.
#
#   bench/run.sh [--scenario fanout|websocket|drain|storm|notify|all] [--subscribers N] [--events M] [--rate R] ...
#
# Every option is passed to the benchmark (bench/run.sh --help lists them). Environment:
#   NATS_SERVER=/path/to/nats-server   (default: nats-server on PATH, else /usr/sbin/nats-server)
#   NO_BUILD=1                         skip both builds

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "building gateway and bench (Release)..." >&2
  dotnet build gateway/Gateway.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
  dotnet build bench/Gateway.Bench/Gateway.Bench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
fi

# The storm scenario holds 5,000 WebSockets (a socket each in the benchmark and in the gateway, which inherits the
# limit): raise the open-file limit as far as the hard limit allows.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "open files limit: $(ulimit -n)" >&2

exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll "$@"
