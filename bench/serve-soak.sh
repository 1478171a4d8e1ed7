#!/usr/bin/env bash
# serve-soak.sh: the soak benchmark of `scheduler serve`. Runs the service over a large synthetic stream
# (cost-model engine, --time-scale 0, G=32, B=72) once per policy, samples the service process's resident
# memory against the number of completed requests, and judges the growth after the first 200,000 completed
# requests against the goal (at most 50 MiB). See bench/README.md.
set -u -o pipefail

usage() {
    cat <<'EOF'
Usage: bench/serve-soak.sh [options] [POLICY ...]

Runs `scheduler serve` over N synthetic requests (--time-scale 0, --http off, results to /dev/null) once per
policy and samples the service process's RSS (VmRSS in /proc/PID/status) with the completed count from
serve's progress lines. Prints, per policy, a table every --interval seconds of serve's clock, the finer
curve every --fine-interval seconds, and a verdict: RSS growth after the first --baseline-completed
completed requests (max RSS after that point minus RSS at it) against the goal, and steps/s.

Options (environment variable in brackets):
  POLICY ...                  policies to run, one serve each [SOAK_POLICIES="fcfs bfio"]
  --requests N                synthetic requests per run [SOAK_REQUESTS=2000000]
  --interval S                seconds between rows of the main table [SOAK_INTERVAL_S=10]
  --fine-interval S|off       seconds between samples of the finer curve; serve's --progress-interval is this
                              (or --interval when off) [SOAK_FINE_INTERVAL_S=1]
  --baseline-completed N      where RSS growth is measured from [SOAK_BASELINE_COMPLETED=200000]
  --goal-mib M                the most RSS growth that passes [SOAK_GOAL_MIB=50]
  --results scratch|devnull   where serve writes its result lines: a file in a temporary directory
                              (deleted at the end) or file:/dev/null [SOAK_RESULTS=devnull]
  --timeout S                 stop a run (SIGTERM) that is still going after S seconds; it counts as failed
                              [SOAK_TIMEOUT_S=1800]
  -h, --help                  this text
The binary is $SCHEDULER, by default the Release build in src/Scheduler.Cli/bin (build it first:
dotnet build Scheduler.sln -c Release).
Exit status: 0 when every run ended by itself with exit code 0 and completed every request; 1 when a run
failed; 2 on bad options or a missing binary.
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/serve-common.sh
source "$repo_root/bench/serve-common.sh"
scheduler_binary=${SCHEDULER:-$repo_root/src/Scheduler.Cli/bin/Release/net10.0/linux-x64/scheduler}
read -r -a policies <<<"${SOAK_POLICIES:-fcfs bfio}"
request_count=${SOAK_REQUESTS:-2000000}
table_interval_s=${SOAK_INTERVAL_S:-10}
fine_interval_s=${SOAK_FINE_INTERVAL_S:-1}
baseline_completed=${SOAK_BASELINE_COMPLETED:-200000}
goal_mib=${SOAK_GOAL_MIB:-50}
results_kind=${SOAK_RESULTS:-devnull}
run_timeout_s=${SOAK_TIMEOUT_S:-1800}
# How often the sampler looks for new progress lines: a line's RSS is read at most this long after it is
# written.
poll_period_s=0.2

fail_usage() { echo "serve-soak: $*" >&2; exit 2; }

positional_policies=()
while (($#)); do
    case $1 in
        --requests) request_count=${2:?}; shift 2 ;;
        --interval) table_interval_s=${2:?}; shift 2 ;;
        --fine-interval) fine_interval_s=${2:?}; shift 2 ;;
        --baseline-completed) baseline_completed=${2:?}; shift 2 ;;
        --goal-mib) goal_mib=${2:?}; shift 2 ;;
        --results) results_kind=${2:?}; shift 2 ;;
        --timeout) run_timeout_s=${2:?}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) fail_usage "unknown option $1 (see --help)" ;;
        *) positional_policies+=("${1//,/ }"); shift ;;
    esac
done
((${#positional_policies[@]})) && read -r -a policies <<<"${positional_policies[*]}"

[[ $request_count =~ ^[1-9][0-9]*$ ]] || fail_usage "--requests must be a positive integer, not '$request_count'"
[[ $table_interval_s =~ ^[1-9][0-9]*$ ]] || fail_usage "--interval must be whole seconds, not '$table_interval_s'"
[[ $fine_interval_s == off || $fine_interval_s =~ ^[1-9][0-9]*$ ]] ||
    fail_usage "--fine-interval must be whole seconds or off, not '$fine_interval_s'"
[[ $baseline_completed =~ ^[0-9]+$ ]] || fail_usage "--baseline-completed must be an integer"
[[ $goal_mib =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail_usage "--goal-mib must be a number"
[[ $results_kind == devnull || $results_kind == scratch ]] || fail_usage "--results must be scratch or devnull"
[[ $run_timeout_s =~ ^[1-9][0-9]*$ ]] || fail_usage "--timeout must be whole seconds"
((${#policies[@]})) || fail_usage "no policy given"
[[ -x $scheduler_binary ]] ||
    fail_usage "no scheduler binary at $scheduler_binary; build it: dotnet build Scheduler.sln -c Release (or set SCHEDULER)"
if [[ $fine_interval_s == off ]]; then progress_interval_s=$table_interval_s; else progress_interval_s=$fine_interval_s; fi
((table_interval_s % progress_interval_s == 0)) ||
    fail_usage "--interval ($table_interval_s) must be a multiple of --fine-interval ($fine_interval_s)"

scratch_dir=$(mktemp -d "${TMPDIR:-/tmp}/serve-soak.XXXXXX")
service_pid=
cleanup() {
    # Only the service this script started, by its pid.
    [[ -n $service_pid ]] && kill -TERM "$service_pid" 2>/dev/null
    rm -rf "$scratch_dir"
}
trap cleanup EXIT
trap 'echo "serve-soak: interrupted" >&2; exit 130' INT TERM

# "1 sample", "2 samples"
count_of() { (($1 == 1)) && printf '1 %s' "$2" || printf '%s %ss' "$1" "$2"; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Sets status_rss_kib and status_hwm_kib from /proc/PID/status without forking; returns 1 once it is gone.
read_process_memory() {
    local key value rest
    status_rss_kib= status_hwm_kib=
    [[ -r /proc/$1/status ]] || return 1
    while read -r key value rest; do
        case $key in
            VmHWM:) status_hwm_kib=$value ;;
            VmRSS:) status_rss_kib=$value ;;
        esac
    done 2>/dev/null <"/proc/$1/status"
    [[ -n $status_rss_kib ]]
}

# Says where the runtime lives: the apphost loads hostfxr and coreclr into its own process rather than
# exec-ing `dotnet`, so the pid bash started is the one to sample; this checks it instead of assuming it.
# Returns 1 while the runtime is not mapped yet (the caller asks again on its next poll).
describe_sampled_process() {
    local pid=$1 executable children
    grep -q 'libcoreclr\.so' "/proc/$pid/maps" 2>/dev/null || return 1
    executable=$(readlink "/proc/$pid/exe" 2>/dev/null)
    children=$(cat /proc/"$pid"/task/*/children 2>/dev/null | tr -s ' \n' ' ')
    echo "sampled pid $pid: exe $executable, libcoreclr.so mapped in it (the runtime runs in this process)," \
        "child processes: ${children:-none}"
}

# Prints the samples at the given indexes of run_policy's sample arrays (bash's dynamic scope).
print_sample_rows() {
    printf '  %10s  %12s  %9s\n' "elapsed s" completed "RSS MiB"
    local i
    for i in "$@"; do
        printf '  %10s  %12s  %9s\n' "${sample_elapsed[i]}" "$(with_commas "${sample_completed[i]}")" \
            "$([[ -n ${sample_rss_kib[i]} ]] && kib_to_mib "${sample_rss_kib[i]}" || echo -)"
    done
}

overall_status=0
verdicts=()

run_policy() {
    local policy=$1
    local summary_file=$scratch_dir/$policy.summary.json stderr_file=$scratch_dir/$policy.stderr
    local results_uri=file:/dev/null
    [[ $results_kind == scratch ]] && results_uri=file:$scratch_dir/$policy.results.jsonl
    local source="synthetic:count=$request_count;seed=1;prompt=16-2048;output=1-512"
    local -a command=("$scheduler_binary" serve --source "$source" --engine cost-model --time-scale 0
        --ranks 32 --batch 72 --policy "$policy" --http off --progress-interval "$progress_interval_s"
        --metrics-snapshot "" --results "$results_uri" --format json)

    echo "== serve soak: policy $policy, $(with_commas "$request_count") synthetic requests, G=32 B=72, time scale 0 =="
    echo "command: ${command[*]@Q}"

    # The subshell only changes into the scratch directory (so nothing the service might write lands in the
    # repository) and then execs the service, so $! is the service process itself, not a wrapper. The stderr
    # file exists before the reader below opens it, whichever of the two runs first.
    : >"$stderr_file"
    (cd "$scratch_dir" && exec "${command[@]}") >"$summary_file" 2>"$stderr_file" &
    service_pid=$!
    local started_epoch=$EPOCHREALTIME

    # Samples: one per progress line, its RSS read when the sampler saw the line.
    local -a sample_elapsed=() sample_completed=() sample_rss_kib=()
    local late_lines=0 last_rss_kib= largest_rss_kib=0 peak_hwm_kib= timed_out=0
    local started_us=${started_epoch/./} deadline_s=$run_timeout_s runtime_seen=0
    local partial_line= line
    exec {stderr_fd}<"$stderr_file"
    while :; do
        # Every complete new line; a line still being written (no newline yet) waits for the next poll, so
        # lines arriving in bursts or split across writes are each read once and whole.
        local new_progress_lines=0
        while IFS= read -r line <&"$stderr_fd"; do
            line=$partial_line$line
            partial_line=
            if [[ $line =~ ^serve[[:space:]]+([0-9]+(\.[0-9]+)?)\ s:\ accepted\ [0-9,]+,\ completed\ ([0-9,]+), ]]; then
                sample_elapsed+=("${BASH_REMATCH[1]}")
                sample_completed+=("${BASH_REMATCH[3]//,/}")
                ((new_progress_lines++))
            fi
        done
        partial_line+=$line
        # Then the memory, so each new line's RSS is read after it was written, within one poll period
        # (or, once the process is gone, the last read before it ended).
        local alive=0
        if read_process_memory "$service_pid"; then
            alive=1 last_rss_kib=$status_rss_kib peak_hwm_kib=$status_hwm_kib
            ((status_rss_kib > largest_rss_kib)) && largest_rss_kib=$status_rss_kib
        fi
        # Lines that came together with a later one had their RSS read after the later one was written.
        ((new_progress_lines > 1)) && ((late_lines += new_progress_lines - 1))
        for ((; new_progress_lines > 0; new_progress_lines--)); do sample_rss_kib+=("$last_rss_kib"); done
        local now_us=${EPOCHREALTIME/./}
        if ((!runtime_seen)); then
            if ((alive)) && describe_sampled_process "$service_pid"; then
                runtime_seen=1
            elif ((!alive || now_us - started_us > 10000000)); then
                echo "WARNING: pid $service_pid: libcoreclr.so not seen mapped in it; its RSS may not be the runtime's"
                runtime_seen=1
            fi
        fi
        ((alive)) || break
        if ((!timed_out && (now_us - started_us) / 1000000 >= deadline_s)); then
            # Once: the service then drains and prints its summary, which the report still shows.
            echo "serve-soak: $policy still running after $run_timeout_s s; sending SIGTERM" >&2
            kill -TERM "$service_pid" 2>/dev/null
            timed_out=1
        fi
        sleep "$poll_period_s"
    done
    exec {stderr_fd}<&-
    local exit_code=0
    wait "$service_pid" || exit_code=$?
    service_pid=
    local process_wall_s
    process_wall_s=$(awk -v a="$started_epoch" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

    local sample_count=${#sample_elapsed[@]}
    # The main table: the first sample at or past each multiple of the table interval on serve's clock.
    local -a table_rows=() fine_rows=()
    local next_mark=$table_interval_s i
    for ((i = 0; i < sample_count; i++)); do
        fine_rows+=("$i")
        if awk -v e="${sample_elapsed[i]}" -v m="$next_mark" 'BEGIN { exit !(e >= m - 0.05) }'; then
            table_rows+=("$i")
            next_mark=$(awk -v e="${sample_elapsed[i]}" -v t="$table_interval_s" 'BEGIN { print (int((e + 0.05) / t) + 1) * t }')
        fi
    done
    echo "every $table_interval_s s of serve's clock ($(count_of ${#table_rows[@]} sample)):"
    print_sample_rows "${table_rows[@]}"
    ((${#table_rows[@]} < 3)) &&
        echo "  NOTE: fewer than 3 samples at $table_interval_s s: the run was too short for this table; see the finer curve"
    if [[ $fine_interval_s != off ]]; then
        echo "every $fine_interval_s s ($(count_of "$sample_count" sample)):"
        print_sample_rows "${fine_rows[@]}"
        ((sample_count < 3)) && echo "  NOTE: fewer than 3 samples even at $fine_interval_s s"
    fi
    ((late_lines)) &&
        echo "  note: progress lines that arrived in one burst with a later line (their RSS read when the burst was seen): $late_lines"

    # The summary serve printed on stdout.
    local steps steps_per_s wall_s completed accepted ending
    ending=$(sed -nE 's/^[[:space:]]*"ending":[[:space:]]*"(.*)",?$/\1/p' "$summary_file" | head -n 1)
    steps=$(json_number steps "$summary_file")
    steps_per_s=$(json_number steps_per_s "$summary_file")
    wall_s=$(json_number wall_s "$summary_file")
    completed=$(json_number completed "$summary_file")
    accepted=$(json_number accepted "$summary_file")
    local wall_s_rounded expected_progress_lines steps_per_s_whole=${steps_per_s%.*}
    wall_s_rounded=$(awk -v w="${wall_s:-0}" 'BEGIN { printf "%.1f", w }')
    expected_progress_lines=$(awk -v w="${wall_s:-0}" -v p="$progress_interval_s" 'BEGIN { print int(w / p) }')
    echo "process: exit code $exit_code after $process_wall_s s (serve's wall_s $wall_s_rounded s excludes start-up);" \
        "RSS: last read $(kib_to_mib "${last_rss_kib:-0}") MiB, largest read $(kib_to_mib "$largest_rss_kib") MiB," \
        "kernel's peak (VmHWM) $(kib_to_mib "${peak_hwm_kib:-0}") MiB"
    ((sample_count < expected_progress_lines - 1)) &&
        echo "  NOTE: $sample_count progress lines where a $wall_s_rounded s run at one per $progress_interval_s s should print about $expected_progress_lines"
    echo "summary: steps $(with_commas "${steps:-?}"), steps/s $(with_commas "${steps_per_s_whole:-?}"), wall_s $wall_s_rounded," \
        "accepted $(with_commas "${accepted:-?}"), completed $(with_commas "${completed:-?}") of $(with_commas "$request_count");" \
        "ending: ${ending:-?}"

    local failure=
    ((timed_out)) && failure="stopped (SIGTERM) after the $run_timeout_s s timeout"
    [[ -z $failure && $exit_code -ne 0 ]] && failure="serve exited with code $exit_code"
    [[ -z $failure && $completed != "$request_count" ]] && failure="completed ${completed:-nothing} of $request_count requests"
    if [[ -n $failure ]]; then
        echo "FAILED ($policy): $failure; the end of its stderr:"
        grep -v '^serve[[:space:]]\+[0-9.]\+ s:' "$stderr_file" | tail -n 20 | sed 's/^/  | /'
        overall_status=1
        verdicts+=("$policy: FAILED: $failure")
        echo
        return
    fi

    # RSS growth: from the first sample with at least baseline_completed completed, to the largest after it.
    local base_index=-1
    for ((i = 0; i < sample_count; i++)); do
        ((sample_completed[i] >= baseline_completed)) && [[ -n ${sample_rss_kib[i]} ]] && { base_index=$i; break; }
    done
    local verdict
    if ((base_index < 0)); then
        verdict="$policy: RSS growth not measurable: no sample had $(with_commas "$baseline_completed") completed requests"
    else
        # The last RSS read before the process ended counts too: it is after the point, only unpaired.
        local max_rss_kib=${sample_rss_kib[base_index]} max_at="${sample_elapsed[base_index]} s"
        for ((i = base_index + 1; i < sample_count; i++)); do
            ((sample_rss_kib[i] > max_rss_kib)) && { max_rss_kib=${sample_rss_kib[i]}; max_at="${sample_elapsed[i]} s"; }
        done
        ((${last_rss_kib:-0} > max_rss_kib)) && { max_rss_kib=$last_rss_kib; max_at="the last read before exit"; }
        local growth_kib=$((max_rss_kib - sample_rss_kib[base_index]))
        local met=MET
        awk -v g="$growth_kib" -v goal="$goal_mib" 'BEGIN { exit !(g / 1024 > goal) }' && met=MISSED
        verdict="$policy: RSS growth after $(with_commas "$baseline_completed") completed: +$(kib_to_mib "$growth_kib") MiB"
        verdict+=" ($(kib_to_mib "${sample_rss_kib[base_index]}") MiB at ${sample_elapsed[base_index]} s,"
        verdict+=" $(with_commas "${sample_completed[base_index]}") completed; max $(kib_to_mib "$max_rss_kib") MiB at $max_at;"
        verdict+=" $((sample_count - base_index - 1)) samples after) against goal <= $goal_mib MiB: $met"
    fi
    verdict+="; steps/s $(with_commas "$steps_per_s_whole") ($(with_commas "$steps") steps in $wall_s_rounded s)"
    echo "verdict $verdict"
    verdicts+=("$verdict")
    echo
}

echo "serve-soak: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "binary $scheduler_binary"
for policy in "${policies[@]}"; do
    run_policy "$policy"
done
echo "== verdicts =="
printf '%s\n' "${verdicts[@]}"
if ((overall_status)); then
    echo "serve-soak: at least one run failed" >&2
fi
exit "$overall_status"
