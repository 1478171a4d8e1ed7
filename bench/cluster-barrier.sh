#!/usr/bin/env bash
# The step barrier's round trip across processes: `scheduler serve` as one node, and as a cluster of three processes on
# loopback (a balancer+ingress node and two rank hosts with half the ranks each), on the same backlog.
#
#   bench/cluster-barrier.sh [COUNT]      (default 100,000 requests; RANKS=32 BATCH=72 POLICY=bfio OUTPUT=1-512)
#
# Outputs of 1-512 tokens (mean 256) make about 11,000 steps of 100,000 requests at G=32, B=72 (about 8 s). A service's
# first steps are slow once (connections, the first message of each kind compiled and sent): some 20 steps over 2 ms
# across three processes. With 20,000 requests (2,500 steps) those alone are the slowest 1% and set the p99; with
# 100,000 they are 0.2% of the steps and the p99 is the running service's.
#
# The cost model at time-scale 0 (ranks answer at once), so a step's wall time is the barrier's round trip: from the
# balancer handing the step to the barrier to the barrier's last report coming back (ticks out to every rank, reports
# back), the policy's decision not included. Prints the median and p99 step wall time of each and their ratio; the goal
# across three processes is median ≤ 0.5 ms and p99 ≤ 2 ms at G=32. Then the cluster's round trip to each rank host
# (the barrier sending a host its ticks to the host's answer arriving) and the host's own share of it (from the ticks'
# arrival to its answer: its ranks' work); the rest is the transport, both ways.
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
  exit 0
fi
cd "$(dirname "$0")/.."

# Every node runs fully optimised code from its first call, as docker/Dockerfile and scripts/local-cluster.sh deploy
# it: with tiered compilation the runtime re-compiles hot methods in background threads for the first minutes, and on
# two cores shared by three processes that is what set the p99 (measured here: 8–10 ms with it, 3.6–5.6 ms without).
# DOTNET_TieredCompilation=1 measures with it.
export DOTNET_TieredCompilation=${DOTNET_TieredCompilation:-0}
# And with a young generation of 64 MB, as deployed too: where the runtime reads no cache sizes (this VM) it
# stays at 3-4 MB, and the balancer collected every ~50 steps; each pause lands on a step (p99 1.4-2.1 ms without it,
# 0.8-1.3 ms with it, alternating runs on one day). DOTNET_GCgen0size=0 measures without.
export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x4000000}

count=${1:-100000}
ranks=${RANKS:-32}
batch=${BATCH:-72}
policy=${POLICY:-bfio}
dotnet build src/Scheduler.Cli -c Release -v q -nologo >/dev/null
scheduler=src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

source="synthetic:count=$count;rate=0;output=${OUTPUT:-1-512}"
extra=()
[ -n "${CONFIG:-}" ] && extra=(--config "$CONFIG")
common=("${extra[@]}" --ranks "$ranks" --batch "$batch" --policy "$policy" --time-scale 0 --source "$source" --results "file:$work/results.jsonl"
  --http off --metrics-snapshot "" --format json --progress-interval off)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
figures() { python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["step_ms_p50"], s["step_ms_p99"], s["steps"])'; }
# The round trip to a rank host and the host's share, p50 and p99 (ms), from the balancer's summary.
host_figures() { python3 -c 'import json,sys; s=json.load(sys.stdin); print(*(s[k] for k in ("host_round_trip_ms_p50", "host_round_trip_ms_p99", "host_held_ms_p50", "host_held_ms_p99")))'; }

echo "cluster-barrier: one node, G=$ranks B=$batch, $count requests" >&2
single=$("$scheduler" serve "${common[@]}" 2>"$work/single.err" | figures)

port=$(free_port)
seed="akka.tcp://scheduler@127.0.0.1:$port"
echo "cluster-barrier: three processes (balancer+ingress, 2 rank hosts × $((ranks / 2)) ranks)" >&2
"$scheduler" serve --roles balancer,ingress --port "$port" "${common[@]}" >"$work/balancer.json" 2>"$work/balancer.err" &
balancer=$!
pids+=("$balancer")
for host in a b; do
  "$scheduler" serve --roles rank-host --local-ranks $((ranks / 2)) --ranks "$ranks" --seed-nodes "$seed" --batch "$batch" --time-scale 0 --http off "${extra[@]}" >/dev/null 2>"$work/rank-$host.err" &
  pids+=($!)
done
wait "$balancer" || { echo "cluster-barrier: the balancer node failed:" >&2; tail -20 "$work/balancer.err" >&2; exit 1; }
cluster=$(figures <"$work/balancer.json")
hosts=$(host_figures <"$work/balancer.json")

read -r s50 s99 ssteps <<<"$single"
read -r c50 c99 csteps <<<"$cluster"
printf '%-26s %8s %12s %12s\n' setup steps "p50 ms" "p99 ms"
printf '%-26s %8d %12.3f %12.3f\n' "one node" "$ssteps" "$s50" "$s99"
printf '%-26s %8d %12.3f %12.3f\n' "3 processes (2 rank hosts)" "$csteps" "$c50" "$c99"
awk -v a="$s50" -v b="$c50" -v c="$s99" -v d="$c99" 'BEGIN { printf "%-26s %8s %11.1fx %11.1fx\n", "ratio (cluster / one)", "", b / a, d / c }'
read -r r50 r99 h50 h99 <<<"$hosts"
printf '%-26s %8s %12.3f %12.3f\n' "round trip to a rank host" "" "$r50" "$r99"
printf '%-26s %8s %12.3f %12.3f\n' "  of which the host's work" "" "$h50" "$h99"
