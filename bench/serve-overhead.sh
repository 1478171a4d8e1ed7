#!/usr/bin/env bash
# serve-overhead.sh: the overhead benchmark of `scheduler serve`. With --time-scale 0 the ranks answer at
# once, so serve's steps per second measure the runtime's own cost (stream ingestion, balancer, barrier
# round trip through the sharded rank actors, result sink). The simulator runs the same placement loop with
# no actors at all, on the same request file; the ratio of the two is what the actors cost. Goal:
# serve at least 20,000 steps/s (at most 50 µs a step) at G=32, B=72. See bench/README.md.
set -u -o pipefail

usage() {
    cat <<'EOF'
Usage: bench/serve-overhead.sh [options] [POLICY ...]

Writes one request CSV (N requests sampled from a trace by `scheduler publish`), then per policy runs, REPEATS
times and interleaved, `scheduler simulate --requests CSV` and `scheduler serve --source file:CSV
--time-scale 0` (G=32, B=72, --http off, results to /dev/null) and prints steps, wall s and steps/s of each,
the ratio serve/simulate, serve's step wall time p50 and p99 in µs, the median and range over the repeats,
and the verdict against the goal.

Options (environment variable in brackets):
  POLICY ...           policies to measure [OVERHEAD_POLICIES=fcfs]
  --requests N         requests in the CSV [OVERHEAD_REQUESTS=1500000]
  --repeats R          runs of each command per policy [OVERHEAD_REPEATS=3]
  --trace FILE         trace (or request CSV) to sample from, relative to the repository root
                       [OVERHEAD_TRACE=data/traces/azure-llm-2023-conv.csv]
  --seed S             sampling seed [OVERHEAD_SEED=42]
  --goal-steps-per-s X serve's goal [OVERHEAD_GOAL_STEPS_PER_S=20000]
  -h, --help           this text
The binary is $SCHEDULER, by default the Release build in src/Scheduler.Cli/bin (build it first:
dotnet build Scheduler.sln -c Release).
Exit status: 0 when every run succeeded (whether or not the goal is met); 1 when a run failed; 2 on bad
options or a missing binary.
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/serve-common.sh
source "$repo_root/bench/serve-common.sh"
scheduler_binary=${SCHEDULER:-$repo_root/src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler}
read -r -a policies <<<"${OVERHEAD_POLICIES:-fcfs}"
request_count=${OVERHEAD_REQUESTS:-1500000}
repeat_count=${OVERHEAD_REPEATS:-3}
trace_file=${OVERHEAD_TRACE:-data/traces/azure-llm-2023-conv.csv}
sampling_seed=${OVERHEAD_SEED:-42}
goal_steps_per_s=${OVERHEAD_GOAL_STEPS_PER_S:-20000}

fail_usage() { echo "serve-overhead: $*" >&2; exit 2; }

positional_policies=()
while (($#)); do
    case $1 in
        --requests) request_count=${2:?}; shift 2 ;;
        --repeats) repeat_count=${2:?}; shift 2 ;;
        --trace) trace_file=${2:?}; shift 2 ;;
        --seed) sampling_seed=${2:?}; shift 2 ;;
        --goal-steps-per-s) goal_steps_per_s=${2:?}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) fail_usage "unknown option $1 (see --help)" ;;
        *) positional_policies+=("${1//,/ }"); shift ;;
    esac
done
((${#positional_policies[@]})) && read -r -a policies <<<"${positional_policies[*]}"

[[ $request_count =~ ^[1-9][0-9]*$ ]] || fail_usage "--requests must be a positive integer, not '$request_count'"
[[ $repeat_count =~ ^[1-9][0-9]*$ ]] || fail_usage "--repeats must be a positive integer, not '$repeat_count'"
[[ $sampling_seed =~ ^[0-9]+$ ]] || fail_usage "--seed must be an integer"
[[ $goal_steps_per_s =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail_usage "--goal-steps-per-s must be a number"
((${#policies[@]})) || fail_usage "no policy given"
[[ $trace_file == /* ]] || trace_file=$repo_root/$trace_file
[[ -r $trace_file ]] || fail_usage "cannot read the trace $trace_file"
[[ -x $scheduler_binary ]] ||
    fail_usage "no scheduler binary at $scheduler_binary; build it: dotnet build Scheduler.sln -c Release (or set SCHEDULER)"

scratch_dir=$(mktemp -d "${TMPDIR:-/tmp}/serve-overhead.XXXXXX")
trap 'rm -rf "$scratch_dir"' EXIT
trap 'echo "serve-overhead: interrupted" >&2; exit 130' INT TERM

# "median [min – max]" of the numbers given, each printed with FORMAT (a printf format, or "count" for a
# whole number with thousands separators).
median_and_range() {
    local format=$1; shift
    printf '%s\n' "$@" | sort -g | awk -v f="$format" '
        function shown(x,   digits, grouped) {
            if (f != "count") return sprintf(f, x)
            digits = sprintf("%.0f", x); grouped = ""
            while (length(digits) > 3) { grouped = "," substr(digits, length(digits) - 2) grouped; digits = substr(digits, 1, length(digits) - 3) }
            return digits grouped
        }
        { v[NR] = $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%s [%s – %s]", shown(m), shown(v[1]), shown(v[NR]) }'
}
median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.6f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
failure() { echo "serve-overhead: $*" >&2; exit 1; }

echo "serve-overhead: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "binary $scheduler_binary"

# One request file for every run. publish samples the trace (with replacement, seeded) and writes JSON lines
# with ids 0..N-1, which the simulator needs; its fixed field order makes them one sed away from a request CSV.
requests_jsonl=$scratch_dir/requests.jsonl requests_csv=$scratch_dir/requests.csv
"$scheduler_binary" publish --trace "$trace_file" --count "$request_count" --seed "$sampling_seed" \
    --rate 10000000 --to "file:$requests_jsonl" --quiet ||
    failure "publish failed writing $request_count requests from $trace_file"
{
    echo id,prompt_tokens,output_tokens,predicted_output_tokens
    sed -E 's/^\{"id":"([0-9]+)","prompt_tokens":([0-9]+),"output_tokens":([0-9]+),"predicted_output_tokens":([0-9]+)\}$/\1,\2,\3,\4/' "$requests_jsonl"
} >"$requests_csv"
malformed_rows=$(tail -n +2 "$requests_csv" | grep -cvE '^[0-9]+,[0-9]+,[0-9]+,[0-9]+$')
csv_rows=$(($(wc -l <"$requests_csv") - 1))
((malformed_rows == 0 && csv_rows == request_count)) ||
    failure "the request CSV has $csv_rows rows, $malformed_rows not id,prompt,output,predicted (publish's line format changed?)"
rm -f "$requests_jsonl"
echo "requests: $(with_commas "$request_count") sampled from ${trace_file#"$repo_root"/} (seed $sampling_seed)," \
    "one CSV for every run; G=32 B=72; $repeat_count runs of each command per policy, interleaved"

verdicts=()
for policy in "${policies[@]}"; do
    simulate_command=("$scheduler_binary" simulate --requests "$requests_csv" --ranks 32 --batch 72
        --policy "$policy" --format json --quiet)
    serve_command=("$scheduler_binary" serve --source "file:$requests_csv" --engine cost-model --time-scale 0
        --ranks 32 --batch 72 --policy "$policy" --http off --progress-interval off --metrics-snapshot ""
        --results file:/dev/null --format json)
    echo
    echo "== policy $policy =="
    echo "simulate: ${simulate_command[*]@Q}"
    echo "serve:    ${serve_command[*]@Q}"
    printf '%4s | %9s %8s %9s | %9s %8s %9s %9s %9s | %7s\n' run "sim steps" "wall s" "steps/s" \
        "srv steps" "wall s" "steps/s" "p50 µs" "p99 µs" "ratio"
    simulate_rates=() serve_rates=() serve_p50_us=() serve_p99_us=() rate_ratios=() simulate_walls=() serve_walls=()
    simulate_step_counts=() serve_step_counts=()
    for ((run = 1; run <= repeat_count; run++)); do
        simulate_output=$scratch_dir/simulate.$policy.$run.json serve_output=$scratch_dir/serve.$policy.$run.json
        (cd "$scratch_dir" && exec "${simulate_command[@]}") >"$simulate_output" 2>"$simulate_output.err" ||
            failure "simulate ($policy, run $run) exited with code $?: $(tail -n 3 "$simulate_output.err")"
        (cd "$scratch_dir" && exec "${serve_command[@]}") >"$serve_output" 2>"$serve_output.err" ||
            failure "serve ($policy, run $run) exited with code $?: $(grep -v '^serve:' "$serve_output.err" | tail -n 3)"

        simulate_steps=$(json_number steps "$simulate_output")
        simulate_wall_s=$(json_number wall_s "$simulate_output")
        simulate_requests=$(json_number requests "$simulate_output")
        serve_steps=$(json_number steps "$serve_output")
        serve_wall_s=$(json_number wall_s "$serve_output")
        serve_steps_per_s=$(json_number steps_per_s "$serve_output")
        serve_completed=$(json_number completed "$serve_output")
        serve_step_ms_p50=$(json_number step_ms_p50 "$serve_output")
        serve_step_ms_p99=$(json_number step_ms_p99 "$serve_output")
        [[ $simulate_requests == "$request_count" ]] ||
            failure "simulate ($policy, run $run) ran ${simulate_requests:-no} requests of $request_count"
        [[ $serve_completed == "$request_count" ]] ||
            failure "serve ($policy, run $run) completed ${serve_completed:-no} requests of $request_count"
        # simulate prints no rate: its wall_s covers the placement loop, not the CSV reading.
        simulate_steps_per_s=$(awk -v s="$simulate_steps" -v w="$simulate_wall_s" 'BEGIN { printf "%.1f", s / w }')
        ratio=$(awk -v a="$serve_steps_per_s" -v b="$simulate_steps_per_s" 'BEGIN { printf "%.4f", a / b }')
        p50_us=$(awk -v m="$serve_step_ms_p50" 'BEGIN { printf "%.1f", m * 1000 }')
        p99_us=$(awk -v m="$serve_step_ms_p99" 'BEGIN { printf "%.1f", m * 1000 }')
        printf '%4s | %9s %8.3f %9s | %9s %8.3f %9s %9s %9s | %7s\n' "$run" "$(with_commas "$simulate_steps")" \
            "$simulate_wall_s" "$(with_commas "$(printf %.0f "$simulate_steps_per_s")")" "$(with_commas "$serve_steps")" \
            "$serve_wall_s" "$(with_commas "$(printf %.0f "$serve_steps_per_s")")" "$p50_us" "$p99_us" "$ratio"
        simulate_rates+=("$simulate_steps_per_s") serve_rates+=("$serve_steps_per_s") rate_ratios+=("$ratio")
        simulate_step_counts+=("$simulate_steps") serve_step_counts+=("$serve_steps")
        serve_p50_us+=("$p50_us") serve_p99_us+=("$p99_us") simulate_walls+=("$simulate_wall_s") serve_walls+=("$serve_wall_s")
    done
    echo "median [min – max] over $repeat_count runs:"
    echo "  simulate: $(median_and_range count "${simulate_step_counts[@]}") steps, wall $(median_and_range %.3f "${simulate_walls[@]}") s," \
        "$(median_and_range count "${simulate_rates[@]}") steps/s"
    echo "  serve:    $(median_and_range count "${serve_step_counts[@]}") steps, wall $(median_and_range %.2f "${serve_walls[@]}") s," \
        "$(median_and_range count "${serve_rates[@]}") steps/s"
    echo "  serve step wall time (barrier round trip): p50 $(median_and_range %.1f "${serve_p50_us[@]}") µs," \
        "p99 $(median_and_range %.1f "${serve_p99_us[@]}") µs"
    echo "  ratio serve/simulate (steps/s): $(median_and_range %.4f "${rate_ratios[@]}")" \
        "(the simulator $(awk -v r="$(median_of "${rate_ratios[@]}")" 'BEGIN { printf "%.1f", 1 / r }')× as fast)"
    distinct_step_counts=$(printf '%s\n' "${simulate_step_counts[@]}" "${serve_step_counts[@]}" | sort -u | wc -l)
    ((distinct_step_counts > 1)) &&
        echo "  note: the step counts differ on the same requests (simulate: $(printf '%s\n' "${simulate_step_counts[@]}" | sort -u | paste -sd/)," \
            "serve: $(printf '%s\n' "${serve_step_counts[@]}" | paste -sd/))"
    median_rate=$(median_of "${serve_rates[@]}")
    verdict=$(awk -v r="$median_rate" -v g="$goal_steps_per_s" -v p="$policy" -v shown_r="$(with_commas "$(printf %.0f "$median_rate")")" \
        -v shown_g="$(with_commas "${goal_steps_per_s%.*}")" 'BEGIN {
        printf "%s: serve %s steps/s (median), %.1f µs a step, against goal >= %s steps/s (<= %.1f µs a step): %s",
            p, shown_r, 1e6 / r, shown_g, 1e6 / g, (r >= g ? "MET" : sprintf("MISSED by a factor %.2f", g / r)) }')
    echo "verdict $verdict"
    verdicts+=("$verdict")
done
echo
echo "== verdicts =="
printf '%s\n' "${verdicts[@]}"
