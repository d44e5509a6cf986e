#!/usr/bin/env bash
# Runs the whole product in the foreground: nats-server (unless one already listens on 4222), the sample
# backends (Orders :5101, Catalog :5102, Prices) and N gateway instances. Ctrl-C or SIGTERM stops every
# process this script started, and nothing else.
#
#   scripts/run.sh [--instances N] [--with-prometheus] [--tls] [--no-build]
#
# Instance k (from 0) listens on public 8080+2k and management 8081+2k. Logs: .data/logs/NAME.log.
# --tls adds HTTPS (HTTP/1.1 and HTTP/2, WebSockets over HTTP/2 included) on 8443+k with a development certificate
# for localhost and 127.0.0.1, created in .data/tls when missing (docs/tls.md).
# Environment (developer options):
#   SKIP_GATEWAY=1     start NATS and the backends only (e.g. while the gateway does not build)
#   BROKER=memory      no NATS at all: the gateway's embedded broker (what happens when nats-server is missing)
#   STOP_TIMEOUT=10    seconds a process gets after SIGTERM before SIGKILL
#   READY_TIMEOUT=60   seconds each process gets to become ready
#   DRAIN_WINDOW=00:00:05  the gateways' drain window here (Gateway:Drain:Window; the product default is 30 s)
#   GATEWAY_BASE_PORT=8080 instance k listens on BASE+2k and BASE+1+2k instead (next to another running gateway)
#   FRONT_PORT=8000    with --instances N>1, the YARP front listens here (management on FRONT_PORT-1)
#   TLS_PORT=8443      with --tls, instance k serves HTTPS on TLS_PORT+k

set -euo pipefail

SCRIPT_NAME=run
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
cd "$ROOT"

INSTANCES=1
WITH_PROMETHEUS=0
BUILD=1
TLS=0
while [ $# -gt 0 ]; do
  case $1 in
    --instances) INSTANCES=${2:?--instances needs a number}; shift 2 ;;
    --instances=*) INSTANCES=${1#*=}; shift ;;
    --with-prometheus) WITH_PROMETHEUS=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --tls) TLS=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $INSTANCES =~ ^[1-9][0-9]?$ ]] || die "--instances takes 1..99, not '$INSTANCES'"

STOP_TIMEOUT=${STOP_TIMEOUT:-10}
TLS_PORT=${TLS_PORT:-8443}
[[ $TLS_PORT =~ ^[0-9]+$ ]] || die "TLS_PORT must be a port number"
READY_TIMEOUT=${READY_TIMEOUT:-60}
SKIP_GATEWAY=${SKIP_GATEWAY:-0}
BASE_PORT=${GATEWAY_BASE_PORT:-8080}
[[ $BASE_PORT =~ ^[0-9]+$ ]] || die "GATEWAY_BASE_PORT must be a port number"
public_port() { echo $((BASE_PORT + 2 * $1)); }
management_port() { echo $((BASE_PORT + 1 + 2 * $1)); }
DATA=$ROOT/.data
LOGS=$DATA/logs
RUN=$DATA/run
CONFIGURATION=Release
mkdir -p "$LOGS" "$RUN"

# ---- process bookkeeping -------------------------------------------------------------------------
# Every process runs in a session (and so a process group) of its own, so that stopping it also stops
# whatever it started, and the terminal's Ctrl-C reaches only this script, which then stops them in order.
NAMES=()
PIDS=()
TIERS=()

# start TIER NAME LOG|- COMMAND...: tier 0 stops first (gateways), then 1 (the gateways' terminal output, once
# their last lines are shown), 2 (backends) and 3 (NATS, Prometheus).
start() {
  local tier=$1 name=$2 log=$3; shift 3
  local pidfile=$RUN/$name.pid
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash: it records its own pid, then becomes the command.
  if [ "$log" = - ]; then
    setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" </dev/null &
  else
    setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" >"$log" 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
  [ -s "$pidfile" ] || die "could not start $name"
  NAMES+=("$name"); PIDS+=("$(cat "$pidfile")"); TIERS+=("$tier")
}

alive() { kill -0 -- "-$1" 2>/dev/null; }

stop_tier() {
  local tier=$1 i pid deadline left
  for i in "${!PIDS[@]}"; do
    [ "${TIERS[$i]}" = "$tier" ] || continue
    kill -TERM -- "-${PIDS[$i]}" 2>/dev/null || true
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    left=0
    for i in "${!PIDS[@]}"; do
      [ "${TIERS[$i]}" = "$tier" ] && alive "${PIDS[$i]}" && left=1
    done
    [ $left = 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        if [ "${TIERS[$i]}" = "$tier" ] && alive "$pid"; then
          warn "${NAMES[$i]} did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
          kill -KILL -- "-$pid" 2>/dev/null || true
        fi
      done
      sleep 0.2
      return 0
    fi
    sleep 0.2
  done
}

summarise_logs() {
  local i name log
  for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]}
    log=$LOGS/$name.log
    [ -f "$log" ] || continue
    printf '  %-14s %s  (%s lines, %s warnings, %s errors)\n' "$name" "${log#"$ROOT"/}" "$(wc -l <"$log")" \
      "$(grep -c -E '(^|\s)warn:|\[WRN\]' "$log" || true)" "$(grep -c -E '(^|\s)(fail|crit):|\[(ERR|FTL)\]' "$log" || true)"
  done
}

STOPPING=0
cleanup() {
  local status=${1:-$?}
  [ $STOPPING = 1 ] && return
  STOPPING=1
  trap '' INT TERM
  if [ ${#PIDS[@]} -gt 0 ]; then
    echo
    say "stopping ${#PIDS[@]} processes"
    local tier
    for tier in 0 1 2 3; do stop_tier $tier; done
    wait 2>/dev/null || true
    say "logs:"
    summarise_logs
  fi
  exit "$status"
}
trap 'cleanup $?' EXIT
trap 'cleanup 130' INT
trap 'cleanup 143' TERM

# fail_start NAME: the process died or did not get ready; show why and stop everything.
fail_start() {
  local log=$LOGS/$1.log
  warn "$1 did not become ready; last lines of ${log#"$ROOT"/}:"
  [ -f "$log" ] && tail -n 25 "$log" >&2
  exit 1
}

# wait_http NAME PID URL: until URL answers 2xx, the process dies, or READY_TIMEOUT passes.
wait_http() {
  local name=$1 pid=$2 url=$3 deadline=$((SECONDS + READY_TIMEOUT))
  until curl -fsS -o /dev/null -m 2 "$url" 2>/dev/null; do
    alive "$pid" || fail_start "$name"
    [ $SECONDS -lt $deadline ] || fail_start "$name"
    sleep 0.3
  done
}

last_pid() { echo "${PIDS[${#PIDS[@]}-1]}"; }

# ---- prerequisites -------------------------------------------------------------------------------
command -v dotnet >/dev/null || die "dotnet is not on PATH (the .NET 10 SDK is needed)"
command -v curl >/dev/null || apt_install curl || die "curl is needed to check readiness"
command -v setsid >/dev/null || die "setsid (util-linux) is needed"

ports=(5101 5102)
if [ "$SKIP_GATEWAY" != 1 ]; then
  for k in $(seq 0 $((INSTANCES - 1))); do ports+=("$(public_port "$k")" "$(management_port "$k")"); done
  [ "$INSTANCES" -gt 1 ] && ports+=("${FRONT_PORT:-8000}" "$((${FRONT_PORT:-8000} - 1))")
fi
[ $WITH_PROMETHEUS = 1 ] && ports+=(9090)
for port in "${ports[@]}"; do
  if port_open "$port"; then
    die "port $port is already in use (another run.sh?): $(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'users:.*' || echo '?')"
  fi
done

# ---- NATS ----------------------------------------------------------------------------------------
BROKER=${BROKER:-nats}
[[ $BROKER =~ ^(nats|memory)$ ]] || die "BROKER must be nats or memory"
if [ "$BROKER" = memory ]; then
  say "BROKER=memory: no NATS; the gateway uses its embedded broker"
elif port_open 4222; then
  say "NATS already listens on 127.0.0.1:4222: using it (run.sh will not stop it)"
  if curl -fsS -m 2 http://127.0.0.1:8222/jsz 2>/dev/null | grep -q '"disabled": *true'; then
    warn "that NATS server has JetStream disabled; the gateway's default broker (JetStream) needs it"
  fi
else
  NATS_SERVER=$(find_command nats-server || true)
  if [ -z "$NATS_SERVER" ] && is_root; then
    apt_install nats-server || warn "could not install nats-server with apt-get"
    NATS_SERVER=$(find_command nats-server || true)
  fi
  if [ -z "$NATS_SERVER" ]; then
    BROKER=memory
    warn "nats-server is not installed$(is_root || echo ' and this is not root (sudo apt-get install nats-server)')."
    warn "Falling back to the gateway's embedded broker (Gateway:Broker:Kind=Memory): one instance, no Prices"
    warn "publisher, and the Orders backend publishes nothing."
  fi
fi

# ---- build ---------------------------------------------------------------------------------------
PROJECTS=(backends/Orders/Orders.csproj backends/Catalog/Catalog.csproj backends/Prices/Prices.csproj)
[ "$SKIP_GATEWAY" = 1 ] || PROJECTS=(gateway/Gateway.csproj "${PROJECTS[@]}")
if [ $BUILD = 1 ]; then
  for project in "${PROJECTS[@]}"; do
    say "building $project ($CONFIGURATION)"
    dotnet build "$project" -c $CONFIGURATION --nologo -v quiet -clp:NoSummary >"$LOGS/build.log" 2>&1 \
      || { tail -n 30 "$LOGS/build.log" >&2; die "build of $project failed (log: .data/logs/build.log)"; }
  done
fi

# assembly PROJECT: the built dll (bin/Release/net10.0/NAME.dll, else wherever MSBuild says).
assembly() {
  local project=$1 name dll
  name=$(basename "$project" .csproj)
  dll=$(dirname "$project")/bin/$CONFIGURATION/net10.0/$name.dll
  [ -f "$dll" ] || dll=$(dotnet msbuild "$project" -getProperty:TargetPath -p:Configuration=$CONFIGURATION 2>/dev/null || true)
  [ -f "$dll" ] || die "$project is not built (run without --no-build)"
  echo "$dll"
}

# ---- start ---------------------------------------------------------------------------------------
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}

if [ "$BROKER" = nats ] && ! port_open 4222; then
  mkdir -p "$DATA/nats"
  say "starting nats-server (JetStream data in .data/nats)"
  start 3 nats "$LOGS/nats.log" "$NATS_SERVER" -c "$ROOT/config/nats-server.conf" -sd "$DATA/nats"
  wait_http nats "$(last_pid)" http://127.0.0.1:8222/healthz
fi

say "starting backends"
orders_env=()
[ "$BROKER" = memory ] && orders_env=(env Orders__Publish=false)
start 2 orders "$LOGS/orders.log" "${orders_env[@]}" dotnet "$(assembly backends/Orders/Orders.csproj)" --urls http://127.0.0.1:5101
orders_pid=$(last_pid)
start 2 catalog "$LOGS/catalog.log" dotnet "$(assembly backends/Catalog/Catalog.csproj)" --urls http://127.0.0.1:5102
catalog_pid=$(last_pid)
if [ "$BROKER" = nats ]; then
  start 2 prices "$LOGS/prices.log" dotnet "$(assembly backends/Prices/Prices.csproj)"
fi
wait_http orders "$orders_pid" http://127.0.0.1:5101/healthz
wait_http catalog "$catalog_pid" http://127.0.0.1:5102/healthz

# ---- development certificate (--tls) --------------------------------------------------------------
# A self-signed certificate for localhost and 127.0.0.1 (PEM, key unencrypted, readable by this user only). Browsers
# and clients must be told to trust it (curl -k, or import .data/tls/gateway.crt); never use it in production.
TLS_DIR=$DATA/tls
ensure_development_certificate() {
  [ -s "$TLS_DIR/gateway.crt" ] && [ -s "$TLS_DIR/gateway.key" ] && return 0
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  if command -v openssl >/dev/null; then
    say "creating a development certificate in $TLS_DIR (openssl)"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "extendedKeyUsage=serverAuth" \
      -keyout "$TLS_DIR/gateway.key" -out "$TLS_DIR/gateway.crt" 2>/dev/null || die "openssl could not create the certificate"
  else
    say "creating a development certificate in $TLS_DIR (dotnet dev-certs)"
    dotnet dev-certs https --export-path "$TLS_DIR/gateway.crt" --format Pem --no-password >/dev/null || die "dotnet dev-certs could not create the certificate"
  fi
  chmod 600 "$TLS_DIR/gateway.key"
}

if [ "$SKIP_GATEWAY" != 1 ]; then
  if [ "$BROKER" = memory ]; then
    export Gateway__Broker__Kind=Memory
    [ "$INSTANCES" -gt 1 ] && warn "the embedded broker does not share events between instances"
  fi
  [ -f "$ROOT/appsettings.json" ] && export GATEWAY_CONFIG=$ROOT/appsettings.json
  export Gateway__Drain__Window=${DRAIN_WINDOW:-${Gateway__Drain__Window:-00:00:05}} Gateway__Drain__Grace=${Gateway__Drain__Grace:-00:00:02}
  gateway_dll=$(assembly gateway/Gateway.csproj)
  [ $TLS = 1 ] && ensure_development_certificate
  for k in $(seq 0 $((INSTANCES - 1))); do
    port=$(public_port "$k"); mport=$(management_port "$k")
    tls_args=()
    if [ $TLS = 1 ]; then
      tls_args=("--Kestrel:Endpoints:PublicTls:Url=https://0.0.0.0:$((TLS_PORT + k))" "--Kestrel:Endpoints:PublicTls:Protocols=Http1AndHttp2"
        "--Kestrel:Endpoints:PublicTls:Certificate:Path=$TLS_DIR/gateway.crt" "--Kestrel:Endpoints:PublicTls:Certificate:KeyPath=$TLS_DIR/gateway.key")
      say "starting gateway-$k (public :$port and https :$((TLS_PORT + k)), management :$mport)"
    else
      say "starting gateway-$k (public :$port, management :$mport)"
    fi
    start 0 "gateway-$k" "$LOGS/gateway-$k.log" dotnet "$gateway_dll" \
      "--Kestrel:Endpoints:Public:Url=http://0.0.0.0:$port" "--Kestrel:Endpoints:Management:Url=http://127.0.0.1:$mport" "${tls_args[@]}"
    # Keep the gateway's own output on the terminal, each line prefixed with its instance.
    # shellcheck disable=SC2016 # $0 and $1 are the inner bash's arguments.
    start 1 "tail-gateway-$k" - bash -c 'tail -n +1 -F "$0" 2>/dev/null | sed -u "s/^/[gateway-$1] /"' "$LOGS/gateway-$k.log" "$k"
  done
  for k in $(seq 0 $((INSTANCES - 1))); do
    i=$(printf '%s\n' "${NAMES[@]}" | grep -n -x "gateway-$k" | cut -d: -f1)
    wait_http "gateway-$k" "${PIDS[$((i - 1))]}" "http://127.0.0.1:$(management_port "$k")/healthz"
  done
fi

# ---- front (more than one instance) --------------------------------------------------------------
# YARP itself is the front: one more gateway process, with no push routes of its own, that spreads clients over
# the instances and takes a draining (unready) instance out of rotation through active health checks on /readyz.
FRONT_PORT=${FRONT_PORT:-8000}
if [ "$SKIP_GATEWAY" != 1 ] && [ "$INSTANCES" -gt 1 ]; then
  front_config=$RUN/front.json
  {
    echo '{ "Gateway": { "Broker": { "Kind": "Memory" } },'
    echo '  "ReverseProxy": { "Routes": { "all": { "ClusterId": "gateways", "Match": { "Path": "/{**catch-all}" } } },'
    echo '    "Clusters": { "gateways": { "LoadBalancingPolicy": "PowerOfTwoChoices",'
    echo '      "HealthCheck": { "Active": { "Enabled": true, "Interval": "00:00:02", "Timeout": "00:00:01", "Policy": "ConsecutiveFailures", "Path": "/readyz" } },'
    echo '      "HttpRequest": { "ActivityTimeout": "00:02:00" },'
    echo -n '      "Destinations": {'
    for k in $(seq 0 $((INSTANCES - 1))); do
      [ "$k" -gt 0 ] && echo -n ','
      echo -n " \"gateway-$k\": { \"Address\": \"http://127.0.0.1:$(public_port "$k")/\", \"Health\": \"http://127.0.0.1:$(management_port "$k")/\" }"
    done
    echo ' } } } } }'
  } > "$front_config"
  say "starting front (YARP) on :$FRONT_PORT over $INSTANCES instances"
  start 0 front "$LOGS/front.log" dotnet "$gateway_dll" "--Gateway:ConfigFile=$front_config" \
    "--Kestrel:Endpoints:Public:Url=http://0.0.0.0:$FRONT_PORT" "--Kestrel:Endpoints:Management:Url=http://127.0.0.1:$((FRONT_PORT - 1))"
  wait_http front "$(last_pid)" "http://127.0.0.1:$((FRONT_PORT - 1))/healthz"
fi

if [ $WITH_PROMETHEUS = 1 ]; then
  PROMETHEUS=$(find_command prometheus || true)
  if [ -z "$PROMETHEUS" ] && is_root; then
    apt_install prometheus || true
    PROMETHEUS=$(find_command prometheus || true)
  fi
  if [ -z "$PROMETHEUS" ]; then
    warn "prometheus is not installed (apt-get install prometheus); running without it"
  else
    mkdir -p "$DATA/prometheus"
    say "starting prometheus (:9090)"
    start 3 prometheus "$LOGS/prometheus.log" "$PROMETHEUS" --config.file="$ROOT/config/prometheus.yml" \
      --storage.tsdb.path="$DATA/prometheus" --web.listen-address=127.0.0.1:9090
    wait_http prometheus "$(last_pid)" http://127.0.0.1:9090/-/ready
  fi
fi

# ---- ready ---------------------------------------------------------------------------------------
echo
say "up and running (Ctrl-C stops everything this script started)"
if [ "$SKIP_GATEWAY" != 1 ]; then
  p0=$(public_port 0); m0=$(management_port 0)
  echo "  demo page         http://localhost:$p0/"
  echo "  REST via gateway  http://localhost:$p0/orders/1"
  echo "  events (SSE)      curl -N -H 'Accept: text/event-stream' http://localhost:$p0/orders/1/events"
  if [ $TLS = 1 ]; then
    echo "  HTTPS (h1 + h2)   https://localhost:$TLS_PORT/   certificate $TLS_DIR/gateway.crt (self-signed: curl -k --http2, or trust it)"
  fi
  echo "  metrics           http://127.0.0.1:$m0/metrics"
  echo "  health            http://127.0.0.1:$m0/healthz    readiness http://127.0.0.1:$m0/readyz"
  if [ "$INSTANCES" -gt 1 ]; then
    for k in $(seq 1 $((INSTANCES - 1))); do
      echo "  gateway-$k         http://localhost:$(public_port "$k")/   metrics http://127.0.0.1:$(management_port "$k")/metrics"
    done
    echo "  front (YARP)      http://localhost:$FRONT_PORT/   spreads clients over the $INSTANCES instances (docs/scale-out.md)"
  fi
fi
echo "  orders backend    http://127.0.0.1:5101/orders      catalog backend http://127.0.0.1:5102/items"
[ "$BROKER" = nats ] && echo "  NATS              nats://127.0.0.1:4222           monitoring http://127.0.0.1:8222/"
[ "$BROKER" = memory ] && echo "  broker            embedded (Memory): no NATS"
[ $WITH_PROMETHEUS = 1 ] && [ -n "${PROMETHEUS:-}" ] && echo "  prometheus        http://127.0.0.1:9090/"
echo "  logs              .data/logs/"
echo

# ---- foreground ----------------------------------------------------------------------------------
# Wait until a signal arrives or one of the processes exits on its own (then stop the rest). nats-server is the
# exception: the gateways are built to ride out a broker outage (they turn unready and reconnect by themselves), so
# its exit is reported and everything else keeps running; start nats-server again by hand to see them recover.
NATS_GONE=0
while :; do
  for i in "${!PIDS[@]}"; do
    if ! alive "${PIDS[$i]}"; then
      if [ "${NAMES[$i]}" = nats ]; then
        if [ $NATS_GONE = 0 ]; then
          NATS_GONE=1
          warn "nats-server exited; the gateways keep running (unready) and reconnect when it is back:"
          warn "  nats-server -c config/nats-server.conf -sd .data/nats"
        fi
        continue
      fi
      # A drained instance exits 0 by design (POST /admin/drain); with others left, they keep serving behind the front.
      if [[ ${NAMES[$i]} == gateway-* ]] && [ "$INSTANCES" -gt 1 ]; then
        others=0
        for j in "${!PIDS[@]}"; do [[ ${NAMES[$j]} == gateway-* ]] && [ "$j" != "$i" ] && alive "${PIDS[$j]}" && others=1; done
        if [ $others = 1 ]; then
          warn "${NAMES[$i]} exited (drained?); the other instances keep serving"
          unset 'PIDS[i]' 'NAMES[i]'
          continue
        fi
      fi
      warn "${NAMES[$i]} exited on its own; last lines of its log:"
      [ -f "$LOGS/${NAMES[$i]}.log" ] && tail -n 15 "$LOGS/${NAMES[$i]}.log" >&2
      exit 1
    fi
  done
  sleep 1 &
  wait $! || true
done
