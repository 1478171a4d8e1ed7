#!/usr/bin/env bash
# Backpressure against a broker: requests published at 10x what the cluster completes (cost model in real time), for
# some minutes; every 10 s one line: the service's unacknowledged deliveries (bounded by
# scheduler.runtime.ingest.max-unacknowledged), its RSS, and the backlog left in the broker.
#
#   bench/broker-backpressure.sh [SECONDS] [BROKER]     (default 180 s, rabbitmq; also nats, redis)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
broker=${2:-rabbitmq}
scripts/brokers.sh start >/dev/null
dotnet build src/Scheduler.Cli -c Release -v q -nologo >/dev/null
scheduler=src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler
declare -A uri=([rabbitmq]=rabbitmq://127.0.0.1:5672 [nats]=nats://127.0.0.1:4222 [redis]=redis://127.0.0.1:6379)
run=pressure-$RANDOM$RANDOM
base=${uri[$broker]}
port=$((20000 + RANDOM % 20000))

# The demo cluster (8 ranks of 32) completes about 110 requests/s of the Azure conversation trace in real time: 1,100/s is 10x.
rate=${RATE:-1100}
"$scheduler" publish --count $((rate * seconds)) --rate "$rate" --quiet --to "$base/$run.in" &
publisher=$!
"$scheduler" serve --source "$base/$run.in" --results "$base/$run.out" --time-scale 1 --http "127.0.0.1:$port" \
  --progress-interval off --metrics-snapshot "" >/dev/null 2>"$run.serve.log" &
server=$!
trap 'kill $publisher $server 2>/dev/null || true; rm -f "$run.serve.log"' EXIT

# prometheus-net's process_working_set_bytes is the resident set on Linux.
metric() { curl -s "127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m { printf "%d", $2; found = 1 } END { if (!found) printf "0" }'; }
backlog() {
  case $broker in
    rabbitmq) HOME=/tmp/scheduler-brokers/rabbitmq /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "scheduler-5672@localhost" list_queues name messages_ready 2>/dev/null | awk -v q="$run.in" '$1 == q { print $2 }' ;;
    redis) redis-cli -p 6379 XINFO GROUPS "$run.in" 2>/dev/null | awk 'prev == "lag" { print; exit } { prev = $0 }' ;;
    nats) echo "?" ;;
  esac
}
printf '%6s %12s %14s %10s %10s\n' "s" "published" "unacknowledged" "RSS MiB" "backlog"
for ((t = 10; t <= seconds; t += 10)); do
  sleep 10
  printf '%6d %12s %14s %10d %10s\n' "$t" "$((rate * t))" "$(metric scheduler_deliveries_unacknowledged)" \
    "$(( $(metric process_working_set_bytes || echo 0) / 1048576 ))" "$(backlog)"
done
