#!/bin/sh
# agent.sh: the scripted agent of the control-protocol vectors. It runs inside a compartment
# as `agent.sh TASK PLAN` and does only what keeps the recorded replies the same on every
# run: each task says when it is done on the terminal, so replay.py can wait for that line
# instead of for a length of time.
set -u
task=$1
plan=${2:-}
out=/airlock/outbox

# A delivered plan: nothing to do but end, which the vectors record as session.ended.
[ -n "$plan" ] && exit 0

case $task in
sleep) sleep 300 ;;
say:*) echo "${task#say:}" ;;
propose:*)
    printf '%s\n' "${task#propose:}" >"$out/plan.md"
    echo proposed
    sleep 300
    ;;
*) echo "unknown task" ;;
esac
exit 0
