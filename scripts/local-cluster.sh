#!/usr/bin/env bash
# Run a scheduler cluster of N processes on this machine (127.0.0.1), from the built binary.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/local-cluster.sh N [options] [-- extra serve options]

Starts N `scheduler serve` processes on 127.0.0.1 and waits until node 1 is ready:
  node 1       roles balancer,ingress: the seed, on remoting port --port; --ranks G; the source and results are
               serve's defaults unless the extra options name them
  nodes 2..N   role rank-host: the G ranks split as evenly as possible (--local-ranks), remoting on any free port
  N = 1        one node with every role (a cluster of one)
Node i serves /healthz, /readyz and /metrics on http://127.0.0.1:(HTTP+i-1), writes its output to DIR/node<i>.log
and its last metrics to DIR/node<i>.metrics.prom. Ctrl-C or SIGTERM stops every node (SIGTERM, then waits for them
to drain); when one node ends by itself, the others are stopped too.

options:
  --ranks G        total ranks (default 8); needs G >= N-1
  --port P         node 1's remoting port, the seed (default 4053)
  --http HTTP      node 1's HTTP port; node i gets HTTP+i-1 (default 9464)
  --dir DIR        logs (default ${TMPDIR:-/tmp}/scheduler-cluster)
  --timeout S      seconds to wait for node 1's /readyz (default 120)
  --tls CERTDIR    mutual TLS between the nodes (akka.ssl.tcp): node i uses CERTDIR/node<i>.pfx and CERTDIR/ca.pem,
                   as `scripts/make-certs.sh CERTDIR node1 ... nodeN` makes them; password $CERT_PASSWORD (default
                   "scheduler")
  -h, --help       this text
Options after `--` go to every node's `scheduler serve` (e.g. --batch 16 --time-scale 0 --source URI --results URI);
the script sets --roles, --host, --port, --seed-nodes, --ranks, --local-ranks, --http and --metrics-snapshot itself.

environment: SCHEDULER  the scheduler binary (default src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler;
             build it with `dotnet build src/Scheduler.Cli -c Release`)
example:     scripts/local-cluster.sh 3 -- --time-scale 0
EOF
}

die() { echo "local-cluster: $*" >&2; exit 2; }

# wait -n -p (which node ended) is bash 5.1's.
if [ "${BASH_VERSINFO[0]}" -lt 5 ] || { [ "${BASH_VERSINFO[0]}" -eq 5 ] && [ "${BASH_VERSINFO[1]}" -lt 1 ]; }; then
  die "needs bash 5.1 or later (this is $BASH_VERSION)"
fi

root=$(cd "$(dirname "$0")/.." && pwd)
nodes=""
ranks=8
seed_port=4053
http_base=9464
dir="${TMPDIR:-/tmp}/scheduler-cluster"
timeout_s=120
tls_dir=""
extra=()

is_count() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ]; }
is_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --ranks) [ $# -ge 2 ] || die "--ranks needs a value"; ranks=$2; shift 2 ;;
    --port) [ $# -ge 2 ] || die "--port needs a value"; seed_port=$2; shift 2 ;;
    --http) [ $# -ge 2 ] || die "--http needs a value"; http_base=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout_s=$2; shift 2 ;;
    --tls) [ $# -ge 2 ] || die "--tls needs a value"; tls_dir=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option $1 (see --help; serve's own options go after --)" ;;
    *) [ -z "$nodes" ] || die "one node count only, got $nodes and $1"; nodes=$1; shift ;;
  esac
done

[ -n "$nodes" ] || { usage >&2; exit 2; }
is_count "$nodes" || die "N must be a whole number >= 1, got '$nodes'"
is_count "$ranks" || die "--ranks must be a whole number >= 1, got '$ranks'"
is_port "$seed_port" || die "--port must be a port number, got '$seed_port'"
is_port "$http_base" || die "--http must be a port number, got '$http_base'"
is_port "$((http_base + nodes - 1))" || die "--http $http_base leaves no port for node $nodes"
is_count "$timeout_s" || die "--timeout must be a whole number of seconds >= 1, got '$timeout_s'"
if [ "$nodes" -gt 1 ] && [ "$ranks" -lt $((nodes - 1)) ]; then
  die "$((nodes - 1)) rank hosts need at least as many ranks; got --ranks $ranks"
fi

scheduler=${SCHEDULER:-$root/src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler}
[ -x "$scheduler" ] || die "no scheduler binary at $scheduler: build it (dotnet build src/Scheduler.Cli -c Release) or set SCHEDULER"
command -v curl >/dev/null 2>&1 || die "curl is needed to wait for readiness (apt-get install curl)"
setsid=()
if command -v setsid >/dev/null 2>&1; then setsid=(setsid); fi

scheme=akka.tcp
if [ -n "$tls_dir" ]; then
  [ -f "$tls_dir/ca.pem" ] || die "no $tls_dir/ca.pem: run scripts/make-certs.sh $tls_dir $(seq -f 'node%g' -s ' ' 1 "$nodes")"
  for i in $(seq 1 "$nodes"); do
    [ -f "$tls_dir/node$i.pfx" ] || die "no $tls_dir/node$i.pfx: run scripts/make-certs.sh $tls_dir $(seq -f 'node%g' -s ' ' 1 "$nodes")"
  done
  tls_dir=$(cd "$tls_dir" && pwd)
  scheme=akka.ssl.tcp
fi
seed="$scheme://scheduler@127.0.0.1:$seed_port"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

pids=()
stopping=0

alive() { kill -0 "$1" 2>/dev/null; }

# SIGTERM to every node still running, then wait for each (serve drains for its --drain-timeout, 30 s by default).
stop_all() {
  [ "$stopping" -eq 0 ] || return 0
  stopping=1
  local pid i
  for pid in "${pids[@]}"; do
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    if alive "$pid"; then
      echo "local-cluster: waiting for node $((i + 1)) (pid $pid) to stop" >&2
      wait "$pid" 2>/dev/null || true
    fi
  done
}
# Ctrl-C, SIGTERM or a hang-up: stop every node and exit 128+signal. A second one while they drain kills them.
on_signal() { # EXIT_STATUS
  local pid
  if [ "$stopping" -eq 1 ]; then
    echo "local-cluster: killing the nodes still draining" >&2
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  else
    echo "local-cluster: stopping every node (a second Ctrl-C kills them)" >&2
    stop_all
  fi
  exit "$1"
}
trap stop_all EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# The rank hosts' share of the G ranks: the first G mod (N-1) hosts take one more.
local_ranks() { # HOST_INDEX (0-based among the rank hosts)
  local hosts=$((nodes - 1))
  echo $((ranks / hosts + ($1 < ranks % hosts ? 1 : 0)))
}

echo "local-cluster: $nodes node(s), $ranks ranks, logs in $dir"
for i in $(seq 1 "$nodes"); do
  http="127.0.0.1:$((http_base + i - 1))"
  log="$dir/node$i.log"
  args=(serve --http "$http" --metrics-snapshot "$dir/node$i.metrics.prom")
  if [ "$nodes" -eq 1 ]; then
    # serve's default roles are all three: a cluster of one, with every rank local.
    args+=(--ranks "$ranks")
    role="balancer,rank-host,ingress (a cluster of one)"
  elif [ "$i" -eq 1 ]; then
    args+=(--roles balancer,ingress --host 127.0.0.1 --port "$seed_port" --seed-nodes "$seed" --ranks "$ranks")
    role="balancer,ingress (seed $seed)"
  else
    share=$(local_ranks $((i - 2)))
    args+=(--roles rank-host --host 127.0.0.1 --port 0 --seed-nodes "$seed" --local-ranks "$share")
    role="rank-host, $share ranks"
  fi
  (
    if [ -n "$tls_dir" ]; then
      export SCHEDULER_CLUSTER_TLS_ENABLED=true SCHEDULER_CLUSTER_TLS_CERTIFICATE="$tls_dir/node$i.pfx"
      export SCHEDULER_CLUSTER_TLS_CA="$tls_dir/ca.pem" SCHEDULER_CLUSTER_TLS_PASSWORD="${CERT_PASSWORD:-scheduler}"
    fi
    # Fully optimised code from the first call, as the docker image runs it (see docker/Dockerfile): background
    # re-compilation would compete with the step loop for the cores the nodes share.
    export DOTNET_TieredCompilation="${DOTNET_TieredCompilation:-0}"
    # A young generation of 64 MB (see docker/Dockerfile): fewer collections, each of which stalls a step.
    export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x4000000}"
    # A session of its own: Ctrl-C reaches only this script, which stops each node with one SIGTERM.
    exec "${setsid[@]}" "$scheduler" "${args[@]}" "${extra[@]}" >"$log" 2>&1 </dev/null
  ) &
  pids+=($!)
  echo "local-cluster: node $i pid ${pids[-1]}: $role, http://$http, log $log"
done

# Node 1 ready = every rank of the cluster reported ready to it.
ready_url="http://127.0.0.1:$http_base/readyz"
deadline=$((SECONDS + timeout_s))
until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$ready_url" 2>/dev/null || true)" = 200 ]; do
  for i in "${!pids[@]}"; do
    if ! alive "${pids[$i]}"; then
      code=0; wait "${pids[$i]}" || code=$?
      echo "local-cluster: node $((i + 1)) exited (status $code) before the cluster was ready; read $dir/node$((i + 1)).log" >&2
      exit 1
    fi
  done
  if [ $SECONDS -ge $deadline ]; then
    echo "local-cluster: $ready_url did not answer 200 within $timeout_s s; read $dir/node1.log (and the other nodes' logs in $dir)" >&2
    exit 1
  fi
  sleep 0.5
done
echo "local-cluster: ready ($ready_url); Ctrl-C stops every node"

# Run until a node ends by itself (a finite source done, or a crash), then stop the others.
ended=""
until [ -n "$ended" ]; do
  code=0
  wait -n -p ended "${pids[@]}" || code=$?
done
for i in "${!pids[@]}"; do
  if [ "${pids[$i]}" = "$ended" ]; then
    echo "local-cluster: node $((i + 1)) ended (status $code); stopping the others. Its log: $dir/node$((i + 1)).log" >&2
  fi
done
stop_all
exit "$code"
