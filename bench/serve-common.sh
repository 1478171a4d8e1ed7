# serve-common.sh: what bench/serve-soak.sh and bench/serve-overhead.sh share. Sourced, not run.

# 1234567 -> 1,234,567, as serve prints counts; anything not an integer passes through.
with_commas() {
    local digits=$1 grouped=
    [[ $digits =~ ^[0-9]+$ ]] || { printf '%s' "$digits"; return; }
    while ((${#digits} > 3)); do grouped=,${digits: -3}$grouped; digits=${digits:0:${#digits}-3}; done
    printf '%s' "$digits$grouped"
}

# The first numeric value of "KEY" in FILE: pretty-printed JSON (one key a line), as serve and simulate print
# their summaries.
json_number() { sed -nE "s/^[[:space:]]*\"$1\":[[:space:]]*(-?[0-9.eE+-]+),?$/\1/p" "$2" | head -n 1; }
