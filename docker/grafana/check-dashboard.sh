#!/usr/bin/env bash
# Checks docker/grafana/dashboards/*.json: each parses, every panel has a unit and the ${datasource} data
# source, and every metric an expression names is one the service exports (ServiceMetrics.cs, plus
# prometheus-net's DotNetStats process metrics). With a Prometheus URL, also runs each expression there
# (instance = .*, $__rate_interval = 20s) and fails on any that Prometheus refuses.
#
#   docker/grafana/check-dashboard.sh [http://127.0.0.1:9090]
#
# Needs jq (and curl for the optional query check).
set -euo pipefail
cd "$(dirname "$0")/../.."
prometheus="${1:-}"
metrics_source=src/Scheduler.Service/ServiceMetrics.cs
# prometheus-net's DotNetStats.Register: its names are fixed by the library, not by this repository.
dotnet_stats="dotnet_collection_count_total process_start_time_seconds process_cpu_seconds_total
process_virtual_memory_bytes process_working_set_bytes process_private_memory_bytes process_open_handles
process_num_threads dotnet_total_memory_bytes"

known=$(
  grep -oE 'Create(Counter|Gauge)\("[a-z0-9_]+"' "$metrics_source" | grep -oE '"[a-z0-9_]+"' | tr -d '"'
  for h in $(grep -oE 'CreateHistogram\("[a-z0-9_]+"' "$metrics_source" | grep -oE '"[a-z0-9_]+"' | tr -d '"'); do
    printf '%s\n' "${h}_bucket" "${h}_sum" "${h}_count"
  done
  printf '%s\n' $dotnet_stats
)
failed=0
for dashboard in docker/grafana/dashboards/*.json; do
  jq empty "$dashboard" || { echo "$dashboard: not JSON"; failed=1; continue; }
  exprs=$(jq -r '.panels[] | select(.type != "row") | .targets[].expr' "$dashboard")
  variables=$(jq -r '.templating.list[] | select(.type == "query") | .definition' "$dashboard")
  names=$(grep -ohE '\b(scheduler|process|dotnet)_[a-z0-9_]+' <<<"$exprs"$'\n'"$variables" | sort -u)
  for name in $names; do
    grep -qx "$name" <<<"$known" || { echo "$dashboard: $name is not a metric the service exports"; failed=1; }
  done
  jq -r '.panels[] | select(.type != "row") | select((.fieldConfig.defaults.unit // "") == "") | "no unit: \(.title)"' "$dashboard" \
    | sed "s|^|$dashboard: |" | grep . && failed=1
  jq -r '.panels[] | select(.type != "row") | select(.datasource.uid != "${datasource}" or any(.targets[]; .datasource.uid != "${datasource}")) | "not on ${datasource}: \(.title)"' "$dashboard" \
    | sed "s|^|$dashboard: |" | grep . && failed=1
  echo "$dashboard: $(grep -c . <<<"$exprs") expressions, $(wc -w <<<"$names") metric names checked"
  if [[ -n "$prometheus" ]]; then
    while IFS= read -r expr; do
      query=${expr//\$instance/.*}
      query=${query//\$__rate_interval/20s}
      reply=$(curl -sS --get "$prometheus/api/v1/query" --data-urlencode "query=$query")
      if [[ $(jq -r .status <<<"$reply") != success ]]; then
        echo "$dashboard: Prometheus refuses $expr: $(jq -r .error <<<"$reply")"; failed=1
      elif [[ $(jq '.data.result | length' <<<"$reply") == 0 ]]; then
        echo "$dashboard: no data (yet) for $expr"
      fi
    done <<<"$exprs"
  fi
done
exit $failed
