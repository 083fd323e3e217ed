#!/bin/sh
# notes-agent.sh: a generic script agent for either compartment, as a starting point.
#
#   "command": ["/bin/sh", "/opt/airlock-agents/notes-agent.sh", "{task}", "{plan}"]
#
# With only a task (a session the person started), it writes the task into a proposal for
# the other side. With a plan (a session started by an approved plan), it checks the
# approval first and then acts: offline, it appends the plan to notes.md in the
# workspace; online, it fetches the URLs the plan lists through the proxy and proposes
# the pages' titles back. Replace the two "act" parts with your own agent.
set -eu
task=${1:-}
plan=${2:-}
out=/airlock/outbox

if [ -z "$plan" ]; then
    # A proposal is any file in the outbox; the person reads all of it before it crosses.
    printf '# Request from the %s side\n\n%s\n' "$AIRLOCK_COMPARTMENT" "$task" >"$out/request.md"
    exit 0
fi

# The inbox holds the plan, its signature and the approver's public key. minisign or
# `airlock verify` checks that the person approved exactly these bytes.
if command -v minisign >/dev/null 2>&1; then
    minisign -Vq -p /airlock/inbox/approver.pub -m /airlock/inbox/plan.airlock \
        -x /airlock/inbox/plan.airlock.minisig || exit 3
fi

case $AIRLOCK_COMPARTMENT in
offline)
    # Act on local files: the only place an approved plan leaves a mark.
    { printf '\n## %s (plan %s)\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$AIRLOCK_PLAN_ID"
      cat "$plan"; } >>/workspace/notes.md
    ;;
online)
    # Research: fetch each URL the plan names (only allowlisted hosts get through).
    {
        printf '# Titles of the pages the plan named\n\n'
        grep -Eo 'https?://[^ )>"]+' "$plan" | head -n 10 | while read -r url; do
            title=$(curl -fsS --max-time 20 "$url" 2>/dev/null |
                tr '\n' ' ' | sed -n 's:.*<title>\([^<]*\)</title>.*:\1:p' | head -c 200)
            printf -- '- %s: %s\n' "$url" "${title:-(not reachable)}"
        done
    } >"$out/answer.md"
    ;;
esac
