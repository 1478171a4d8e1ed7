#!/usr/bin/env bash
# Decision time of the policies as a user measures it: whole `scheduler simulate` processes on the burst fixture
# (20,000 requests, backlogged), each printing its decision median and p99 (µs). With a base revision, the same
# command from that revision's build runs alternately with this tree's, so both see the same machine state, and the
# ratios (this tree / base, of the middle run) close the table.
#
#   bench/decision-time.sh [BASE_REV]     (RUNS=5 RANKS="32 128" BATCH=72 POLICIES=bfio,bfio-ref TRACE=<burst fixture> CPU=)
#
# CPU=N pins every process to that CPU (taskset), so both builds run on the same core: on a VM whose cores are not
# equally fast (this project's 2-core machine has at times run single-threaded code 1.4-1.75x slower on CPU 1 than on
# CPU 0, at other times alike), an unpinned run lands on either and its median moves by that much between processes.
# TRACE takes anything --trace does, e.g. a generated shape: TRACE="synthetic:shape=mixed;count=16384;seed=2" BATCH=16.
#
# Issue 12's goals: bfio at G=32, B=72: median ≤ 50 µs, p99 ≤ 200 µs; at G=128 p99 ≤ 1 ms; bfio-ref median ≤ 50 µs.
# A shared 2-core machine's speed moves by tens of percent between processes: read the middle of several runs.
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
  exit 0
fi
cd "$(dirname "$0")/.."
base_rev=${1:-}
runs=${RUNS:-5}
ranks_list=${RANKS:-32 128}
batch=${BATCH:-72}
policies=${POLICIES:-bfio,bfio-ref}
trace=${TRACE:-data/fixtures/burst-n20000-seed42.requests.csv}
pin=()
pinned=unpinned
if [ -n "${CPU:-}" ]; then
  command -v taskset >/dev/null || { echo "decision-time: CPU=$CPU needs taskset (util-linux)" >&2; exit 2; }
  taskset -c "$CPU" true 2>/dev/null || { echo "decision-time: CPU=$CPU is not a CPU this process may run on ($(nproc) online)" >&2; exit 2; }
  pin=(taskset -c "$CPU")
  pinned="pinned to CPU $CPU"
fi
work=$(mktemp -d)
cleanup() {
  if [ -n "$base_rev" ]; then git worktree remove --force "$work/base" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/Scheduler.Cli -c Release -v q -nologo >/dev/null
builds=("this=src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler")
if [ -n "$base_rev" ]; then
  git worktree add --detach "$work/base" "$base_rev" >/dev/null 2>&1
  dotnet build "$work/base/src/Scheduler.Cli" -c Release -v q -nologo >/dev/null
  builds=("base=$work/base/src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler" "${builds[@]}")
fi
echo "decision-time: $trace, B=$batch, $runs alternating runs per build, ${pinned}; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# One line per run: build G policy median p99.
for g in $ranks_list; do
  for ((r = 1; r <= runs; r++)); do
    for b in "${builds[@]}"; do
      name=${b%%=*}
      "${pin[@]}" "${b#*=}" simulate --trace "$trace" --ranks "$g" --batch "$batch" --policy "$policies" 2>/dev/null |
        awk -v b="$name" -v g="$g" '
          /^policy / && !header++ { for (i = 2; i <= NF; i++) p[i] = $i; n = NF }
          /^decision median/ { for (i = 4; i <= NF; i++) m[i - 2] = $i }
          /^decision p99/ { for (i = 4; i <= NF; i++) q[i - 2] = $i }
          END { for (i = 2; i <= n; i++) print b, g, p[i], m[i], q[i] }'
    done
  done
done >"$work/runs"

python3 - "$work/runs" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    build, g, policy, median, p99 = line.split()
    rows[(int(g), policy, build)].append((float(median.replace(",", "")), float(p99.replace(",", ""))))
def middle(values):
    return statistics.median_low(values)
width = max(len("policy"), *(len(policy) for _, policy, _ in rows))
print(f"{'G':>4} {'policy':<{width}} {'build':<5} {'median µs (runs)':<44} {'p99 µs (runs)':<44}")
for (g, policy, build), runs in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] != "base")):
    medians = ", ".join(f"{m:.0f}" for m, _ in sorted(runs))
    p99s = ", ".join(f"{q:.0f}" for _, q in sorted(runs, key=lambda r: r[1]))
    print(f"{g:>4} {policy:<{width}} {build:<5} {medians:<44} {p99s:<44}")
bases = {k: v for k, v in rows.items() if k[2] == "base"}
for (g, policy, _), base in sorted(bases.items()):
    this = rows.get((g, policy, "this"))
    if not this:
        continue
    m = middle([r[0] for r in this]) / middle([r[0] for r in base])
    q = middle([r[1] for r in this]) / middle([r[1] for r in base])
    print(f"{g:>4} {policy:<{width}} this/base of the middle runs: median {m:.2f}, p99 {q:.2f}")
PY
