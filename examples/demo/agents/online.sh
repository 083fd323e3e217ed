#!/bin/sh
# online.sh: the demo's scripted agent for the ONLINE compartment (the network through the
# egress proxy only; none of your files). airlockd runs it as `online.sh TASK PLAN`.
#
# It stands in for a language-model agent, and a naive one: it trusts what it reads, so it
# copies the page it fetched into its plan, hidden text and all. That is the point of the
# demo: whatever the agent does, the only way out of this compartment is a plan that a
# person reads, with the scanner's findings, before it crosses.
set -u
task=$1
plan=${2:-}
out=/airlock/outbox
here=$(dirname "$0")
work=$(mktemp -d)

say() { printf '%s\n' "$*"; }

# fetch URL FILE: through the egress proxy (http_proxy is set in this compartment; there
# is no other way out and no DNS: the proxy resolves the allowed names itself).
fetch() {
    say "fetching $1 through the egress proxy"
    if ! curl -sS --max-time 20 -o "$2" -w '  -> HTTP %{http_code}, %{size_download} bytes\n' "$1"; then
        say "  -> failed"
        return 1
    fi
}

# The text of the lines of FILE that match PATTERN, without their tags.
text_of() {
    grep -e "$2" "$1" | sed -e 's/<[^>]*>//g' -e 's/^ *//'
}

if [ -n "$plan" ]; then
    # Story 2, second half: a research plan the person approved. Check first that it is
    # what the person signed (the inbox holds the plan, its signature and the key).
    ASAN_OPTIONS=detect_leaks=0 "$here/airlock" verify --pubkey /airlock/inbox/approver.pub \
        --signature /airlock/inbox/plan.airlock.minisig /airlock/inbox/plan.airlock || exit 3
    say "plan $AIRLOCK_PLAN_ID verified: it is exactly what the person approved"
    question=$(sed -n 's/^Question: *//p' "$plan" | head -n 1)
    [ -n "$question" ] || question=$(grep -v '^#' "$plan" | grep . | head -n 1)
    say "researching: $question"
    fetch http://rates.fixture.test/ "$work/rates.html" || exit 1
    {
        say "# Research answer: easy-access savings rates"
        say
        say "Asked: $question"
        say
        say "The Money Pages (rates.fixture.test), this week's best easy-access rates:"
        text_of "$work/rates.html" 'class="rate"' | sed 's/^/- /'
        say
        text_of "$work/rates.html" 'average easy-access'
        say
        say "So 1.10% is low: each of these pays at least three times as much."
    } >"$out/plan.md"
    say "proposed an answer for the offline side: $out/plan.md"
    exit 0
fi

case $task in
*match* | *ticket* | *Match* | *Ticket*)
    # Story 1: research, then a plan for the offline side to act on.
    fetch http://club.fixture.test/fixtures.html "$work/fixtures.html" || exit 1
    fetch http://tickets.fixture.test/ "$work/tickets.html" || exit 1
    next=$(text_of "$work/fixtures.html" 'class="next"')
    sale=$(text_of "$work/tickets.html" 'class="sale"')
    say "next match: $next"
    say "tickets: $sale"
    {
        say "# Next match, and a reminder to book tickets"
        say
        say "Next match: $next"
        say "$sale"
        say
        say "Reminder: Book tickets for Riverside Rovers v Northgate United (Saturday 14 June, 15:00). Sales open Monday 9 June at 10:00."
        say
        # A naive agent keeps its sources, hidden parts included.
        say "## The club's page, as fetched from club.fixture.test"
        sed -n '/<section id="next-match">/,/<\/section>/p' "$work/fixtures.html"
        say "## end of page"
    } >"$out/plan.md"
    say "proposed a plan for the offline side: $out/plan.md"
    ;;
*)
    say "This is the demo's scripted online agent: it knows one task of its own,"
    say "\"when is the next match, and remind me to book tickets\" (anything with"
    say "'match' or 'ticket' in it), and carries out research plans from the offline side."
    ;;
esac
exit 0
