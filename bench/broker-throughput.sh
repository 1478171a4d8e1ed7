#!/usr/bin/env bash
# Requests per second through `scheduler serve` fed by each broker, against `scheduler consume` (a consumer that only
# acknowledges, through the same adapter) on the same backlog: the service's cost on top of the broker's own.
#
#   bench/broker-throughput.sh [COUNT]      (default 50,000 requests per run; brokers from scripts/brokers.sh)
#
# For each broker: COUNT requests of one output token each (decoding taken out: what is measured is the path from the
# broker to admission and from the result back to the broker) are published to a fresh queue, then consumed by
# `consume`; COUNT more to another queue, then served with the cost model at time-scale 0 (ranks answer at once),
# results published back to the broker. Both clocks start before connecting. serve's rate is COUNT over its wall time
# less the idle second it waits before it exits. Prints one table: ratio is serve / consume (goal ≥ 0.8); "both" is
# the rate the broker sustains for consume and publish together (1 / (1/consume + 1/publish), publish timed as the
# `publish` command, process start included), the broker's own work per served request, and "/ both" serve over it.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/serve-common.sh

count=${1:-50000}
ranks=${RANKS:-32}
batch=${BATCH:-72}
policy=${POLICY:-bfio}
scripts/brokers.sh start >/dev/null
dotnet build src/Scheduler.Cli -c Release -v q -nologo >/dev/null
scheduler=src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

awk -v n="$count" 'BEGIN { print "id,prompt_tokens,output_tokens,predicted_output_tokens"; srand(5)
  for (i = 0; i < n; i++) printf "%d,%d,1,1\n", i, 16 + int(rand() * 2000) }' >"$work/requests.csv"

declare -A uri=([rabbitmq]=rabbitmq://127.0.0.1:5672 [nats]=nats://127.0.0.1:4222 [redis]=redis://127.0.0.1:6379)
printf '%-9s %14s %14s %14s %14s %7s %7s\n' broker "consume req/s" "publish req/s" "both req/s" "serve req/s" ratio "/ both"
for broker in rabbitmq nats redis; do
  run=$broker-$RANDOM$RANDOM
  base=${uri[$broker]}
  "$scheduler" publish --requests "$work/requests.csv" --rate 1000000 --quiet --to "$base/bench.$run.plain" >&2
  plain=$("$scheduler" consume --source "$base/bench.$run.plain" --count "$count" | sed -E 's/.*: ([0-9,]+) deliveries\/s/\1/' | tr -d ,)
  start=$(date +%s.%N)
  "$scheduler" publish --requests "$work/requests.csv" --rate 1000000 --quiet --to "$base/bench.$run.in" >&2
  published=$(awk -v n="$count" -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", n / (b - a) }')
  # The broker's own work per served request: one delivery acknowledged and one confirmed publication.
  both=$(awk -v c="$plain" -v p="$published" 'BEGIN { printf "%d", 1 / (1 / c + 1 / p) }')
  "$scheduler" serve --source "$base/bench.$run.in" --results "$base/bench.$run.out" --time-scale 0 --ranks "$ranks" --batch "$batch" \
    --policy "$policy" --exit-when-idle 1 --http off --progress-interval off --metrics-snapshot "" --format json >"$work/serve.json"
  completed=$(json_number completed "$work/serve.json")
  wall=$(json_number wall_s "$work/serve.json")
  served=$(awk -v n="$completed" -v w="$wall" 'BEGIN { printf "%d", n / (w - 1) }')
  ratio=$(awk -v a="$served" -v b="$plain" 'BEGIN { printf "%.2f", a / b }')
  ratio_both=$(awk -v a="$served" -v b="$both" 'BEGIN { printf "%.2f", a / b }')
  [ "$completed" = "$count" ] || echo "warning: $broker: $completed of $count completed" >&2
  printf '%-9s %14s %14s %14s %14s %7s %7s\n' "$broker" "$(with_commas "$plain")" "$(with_commas "$published")" "$(with_commas "$both")" \
    "$(with_commas "$served")" "$ratio" "$ratio_both"
done
echo "($count requests of one output token each, G=$ranks B=$batch $policy, cost model at time-scale 0, $(nproc) cores shared with the brokers)"
