#!/bin/sh
# agent.sh: the scripted agent of the daemon's integration tests. It runs inside a
# compartment as `agent.sh TASK PLAN` ({task} and {plan} from the configuration) and does
# what the task says, so each test can make an agent behave well or badly on purpose.
# With a plan, it verifies what it was given with `airlock verify` first.
set -u
task=$1
plan=${2:-}
out=/airlock/outbox
bin=$(dirname "$0")

if [ -n "$plan" ]; then
    # In the sanitizer build the verifier is sanitized too; LeakSanitizer needs ptrace,
    # which no compartment allows, so it is off here (harmless in other builds).
    ASAN_OPTIONS=detect_leaks=0 "$bin/airlock" verify --pubkey /airlock/inbox/approver.pub \
        --signature /airlock/inbox/plan.airlock.minisig /airlock/inbox/plan.airlock || exit 3
    if [ "$AIRLOCK_COMPARTMENT" = offline ]; then
        # Acting on local files: the only place a delivered plan leaves a mark.
        echo "$AIRLOCK_PLAN_ID" >>/workspace/runs.txt
        cp "$plan" "/workspace/got-$AIRLOCK_PLAN_ID.md"
    else
        { printf 'researched: '; cat "$plan"; } >"$out/answer.md"
    fi
    exit 0
fi

case $task in
propose:*) printf '%s\n' "${task#propose:}" >"$out/plan.md" ;;
two:*)
    mkdir "$out/two"
    printf '%s\n' "${task#two:}" >"$out/two/plan.md"
    printf 'notes\n' >"$out/two/notes.txt"
    ;;
symlink)
    ln -s /etc/passwd "$out/secret.md"
    [ -d /workspace ] && ln -s /workspace "$out/ws"
    sleep 300
    ;;
fifo) mkfifo "$out/pipe.md" && sleep 300 ;;
big) truncate -s 1G "$out/big.md" && sleep 300 ;; # sparse: within the tmpfs cap
utf8) printf 'bad \377 byte\n' >"$out/bad.md" && sleep 300 ;;
many)
    i=0
    while [ $i -lt 1500 ]; do
        echo "$i" >"$out/f$i.md" 2>/dev/null || break
        i=$((i + 1))
    done
    sleep 300
    ;;
writing)
    # Slow enough to stay under the size cap while the test collects.
    while :; do echo more >>"$out/growing.md" && sleep 0.002; done &
    sleep 300
    ;;
echo:*)
    echo "${task#echo:}"
    sleep 300
    ;;
look:*)
    # Whether a host path is visible inside (it must not be).
    if [ -e "${task#look:}" ]; then echo "VISIBLE"; else echo "INVISIBLE"; fi
    ;;
membomb) head -c 1G /dev/zero | tail >/dev/null ;; # tail holds the one endless "line"
fetch:*)
    # Through the proxy (HTTP_PROXY is set in the online compartment): the page becomes the
    # proposal, and curl's verdict goes to the terminal.
    curl -sS -o "$out/page.md" -w 'status %{http_code}\n' "${task#fetch:}"
    ;;
copy:*) cp "/workspace/${task#copy:}" "$out/plan.md" ;;
# A text the test wrote beside this script: how a test proposes what no task may carry.
file:*) cp "$bin/files/${task#file:}" "$out/plan.md" ;;
env:*) env | grep "^${task#env:}" | sort >"$out/env.md" ;;
sleep) sleep 300 ;;
*) echo "unknown task" ;;
esac
exit 0
