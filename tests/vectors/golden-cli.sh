#!/bin/sh
# golden-cli.sh AIRLOCK VECTORS_DIR: each golden plan through the airlock command.
# `airlock pack -C golden/src/PLAN` with the values in golden/plans.tsv must write the
# committed bytes (the CLI's reading of files and options is deterministic too), and
# `airlock show` and `airlock verify` must accept the plan.
set -u
airlock=$1
dir=$2
tab=$(printf '\t')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
plans=0

while IFS= read -r line; do
    case $line in '#'* | '') continue ;; esac
    plans=$((plans + 1))
    set -f
    old_ifs=$IFS
    IFS=$tab
    # shellcheck disable=SC2086 # split on tabs only: paths may hold spaces
    set -- $line
    IFS=$old_ifs
    set +f
    plan=$1 from=$2 to=$3 id=$4 created=$5 session=$6
    shift 6
    # The task files never end in a newline, so $(cat) keeps them whole.
    task=$(cat "$dir/golden/src/$plan.task")
    out=$tmp/$plan.airlock
    if ! "$airlock" pack --from "$from" --to "$to" --id "$id" --created "$created" \
        --session "$session" --task "$task" -C "$dir/golden/src/$plan" -o "$out" -- "$@" \
        >/dev/null; then
        echo "FAIL: $plan: airlock pack failed"
        fails=$((fails + 1))
    elif ! cmp -s "$out" "$dir/golden/$plan.airlock"; then
        echo "FAIL: $plan: airlock pack wrote different bytes from the committed plan"
        fails=$((fails + 1))
    fi
    if ! "$airlock" show "$dir/golden/$plan.airlock" >/dev/null; then
        echo "FAIL: $plan: airlock show refuses it"
        fails=$((fails + 1))
    fi
    if ! "$airlock" verify --pubkey "$dir/golden/test.pub" "$dir/golden/$plan.airlock" \
        >/dev/null; then
        echo "FAIL: $plan: airlock verify refuses it"
        fails=$((fails + 1))
    fi
    if "$airlock" verify --pubkey "$dir/golden/other.pub" "$dir/golden/$plan.airlock" \
        >/dev/null 2>&1; then
        echo "FAIL: $plan: airlock verify accepts it under other.pub"
        fails=$((fails + 1))
    fi
done <"$dir/golden/plans.tsv"

if [ "$plans" -lt 5 ]; then
    echo "FAIL: only $plans golden plans in plans.tsv"
    exit 1
fi
echo "$plans golden plans through the CLI, $fails failures"
[ "$fails" -eq 0 ]
