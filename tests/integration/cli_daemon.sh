#!/bin/sh
# The daemon commands of `airlock` against a real airlockd: usage errors, the daemon not
# running, sessions (start, sessions, transcript, attach piped and on a terminal, stop),
# the crossing (collect, plans, show ID, export, approve with a typed confirmation and a
# passphrase, approve --signature, reject, handoff) and log --follow. Untrusted text from
# the agent (task, file contents, names) must never reach the output raw.
set -eu
. "$(dirname "$0")/lib.sh"
: "${AIRLOCKD:?AIRLOCKD must point at the airlockd binary}"
need timeout

# Everything under $tmp: the daemon's state, the keys, the socket, the workspace.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_STATE_HOME="$tmp/home/.local/state"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_CONFIG_HOME/airlock" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR" "$HOME/airlock/workspace"
chmod 700 "$XDG_RUNTIME_DIR"
sock="$XDG_RUNTIME_DIR/airlock/airlockd.sock"
cd "$tmp"
dpid=
stop_daemon() {
    if [ -n "$dpid" ]; then
        kill "$dpid" 2>/dev/null || true
        wait "$dpid" 2>/dev/null || true
        dpid=
    fi
}
trap 'stop_daemon; rm -rf "$tmp"' EXIT
esc=$(printf '\033')

# ---- without a daemon ----
for c in status start sessions attach stop collect plans export approve reject edit handoff transcript; do
    expect_status 0 "airlock $c --help" -- "$AIRLOCK" "$c" --help
    expect_grep "usage: airlock $c" "$tmp/out" "airlock $c --help prints its usage"
done
expect_status 1 "status without a daemon fails" -- "$AIRLOCK" status
expect_grep "^airlock: status: No such file or directory \[ENOENT\]: cannot reach airlockd at $sock\$" \
    "$tmp/err" "the failure names the socket, in the house form"
if [ -S "/run/user/$(id -u)/airlock/airlockd.sock" ]; then
    echo "# an airlockd of this account listens at /run/user/$(id -u): 'Start it' not checked"
else
    expect_grep "Start it with 'airlockd --daemon'" "$tmp/err" "and says how to start the daemon"
fi
expect_status 2 "start with a bad side is a usage error" -- "$AIRLOCK" start sideways task
expect_status 2 "start without a task is a usage error" -- "$AIRLOCK" start offline
expect_status 2 "sessions takes no argument" -- "$AIRLOCK" sessions extra
expect_status 2 "approve with a malformed id is a usage error" -- "$AIRLOCK" approve 012
expect_grep "or at least the first 4 of them" "$tmp/err" "the usage error says a start of the id will do"
expect_status 2 "approve with a non-hex id is a usage error" -- "$AIRLOCK" approve 01g3abcd
expect_status 2 "approve --signature with --key is a usage error" -- \
    "$AIRLOCK" approve --signature x.minisig --key k 0123456789abcdef0123456789abcdef
expect_status 2 "reject with an uppercase id is a usage error" -- \
    "$AIRLOCK" reject 0123456789ABCDEF0123456789ABCDEF
expect_status 2 "handoff --offset takes digits only" -- "$AIRLOCK" handoff --offset -1 s
expect_status 2 "edit without a file is a usage error" -- "$AIRLOCK" edit 0123456789abcdef0123456789abcdef
expect_status 2 "edit with a file not given as NAME=FILE is a usage error" -- \
    "$AIRLOCK" edit 0123456789abcdef0123456789abcdef plan.md
expect_status 2 "sessions does not take --raw" -- "$AIRLOCK" sessions --raw
expect_status 2 "a --socket path too long for an address is a usage error" -- \
    "$AIRLOCK" status --socket "/$(printf '%0200d' 0)"
expect_status 2 "log --verify --follow is a usage error" -- "$AIRLOCK" log --verify --follow
expect_status 1 "show of an id with no daemon fails" -- "$AIRLOCK" show 0123456789abcdef0123456789abcdef
expect_grep "cannot reach airlockd" "$tmp/err" "show ID goes to the daemon when no such file exists"

# ---- the daemon, with an encrypted approver key and a scripted agent ----
printf 'pw\npw\n' | "$AIRLOCK" keygen >/dev/null 2>&1
# The offline agent proposes a file with a terminal escape and a bidi override in it, and
# a FIFO (refused), says so, then echoes its terminal. The online one just waits.
cat >"$XDG_CONFIG_HOME/airlock/airlock.json" <<'EOF'
{
  "offline": {"command": ["/bin/sh", "-c", "printf '# plan\\nred \\033[31mX\\033[0m rlo \\342\\200\\256 end\\n' >/airlock/outbox/plan.md; mkfifo /airlock/outbox/fifo; echo ready \"$0\"; exec cat", "{task}"]},
  "online": {"command": ["/bin/sh", "-c", "echo online; exec cat"]}
}
EOF
"$AIRLOCKD" >"$tmp/daemon.log" 2>&1 &
dpid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$sock" ] || { cat "$tmp/daemon.log"; skip "airlockd did not start"; }

expect_status 0 "status" -- "$AIRLOCK" status
expect_grep "approver  key [0-9A-F]\{16\}" "$tmp/out" "status names the approver key"
expect_status 0 "status with --socket" -- "$AIRLOCK" status --socket "$sock"

task=$(printf 'do it\033]0;title\007')
set +e
s=$("$AIRLOCK" start offline "$task" 2>"$tmp/err")
st=$?
set -e
if [ $st != 0 ] && grep -q 'ESANDBOX' "$tmp/err"; then
    cat "$tmp/err"
    skip "this kernel cannot run a compartment (see airlock check)"
fi
[ $st = 0 ] && ok "start prints the session id ($s)" || not_ok "start (exit $st): $(cat "$tmp/err")"

wait_for() { # wait_for PATTERN SESSION: until the session's transcript shows PATTERN
    i=0
    while [ $i -lt 100 ]; do
        "$AIRLOCK" transcript "$2" 2>/dev/null | grep -q -- "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
wait_for ready "$s" && ok "the agent ran" || not_ok "the agent never said ready"

expect_status 0 "sessions" -- "$AIRLOCK" sessions
expect_grep "$s  *offline  *running" "$tmp/out" "sessions lists the running session"
expect_grep 'do it\\e\]0;title\\x07' "$tmp/out" "sessions shows the task with visible escapes"
expect_status 0 "sessions --json" -- "$AIRLOCK" sessions --json
expect_grep '"task":"do it\\u001b' "$tmp/out" "sessions --json escapes the task as JSON"
if grep -q "$esc" "$tmp/out"; then not_ok "sessions --json wrote an ESC"; else ok "sessions --json wrote no ESC"; fi

expect_status 0 "transcript" -- "$AIRLOCK" transcript "$s"
expect_grep 'ready do it\\e\]0;title\\x07' "$tmp/out" "transcript shows the agent's output, escaped"
if grep -q "$esc" "$tmp/out"; then not_ok "transcript wrote an ESC"; else ok "transcript wrote no ESC"; fi
expect_status 0 "transcript --raw" -- "$AIRLOCK" transcript --raw "$s"
if grep -q "$esc" "$tmp/out"; then ok "transcript --raw keeps the raw bytes"; else not_ok "transcript --raw lost the ESC"; fi

expect_status 0 "collect" -- "$AIRLOCK" collect "$s"
expect_grep '^plan  *[0-9a-f]\{32\}  offline -> online  pending' "$tmp/out" "collect lists the new pending plan"
expect_grep '^refused  fifo: .*\[EFIFO\]' "$tmp/out" "collect lists the refused FIFO"
p=$(sed -n 's/^plan  *\([0-9a-f]\{32\}\).*/\1/p' "$tmp/out")

expect_status 0 "plans" -- "$AIRLOCK" plans
expect_grep "^$p  offline -> online  pending" "$tmp/out" "plans lists it as pending"
expect_status 0 "plans --json" -- "$AIRLOCK" plans --json
expect_grep "\"id\":\"$p\"" "$tmp/out" "plans --json has its id"

# show ID prints exactly what show FILE prints for the exported bytes.
mkdir ex1 ex2 ex3
expect_status 0 "export" -- "$AIRLOCK" export "$p" ex1
[ -f "ex1/$p.airlock" ] && [ ! -e "ex1/$p.airlock.minisig" ] && ok "export of a pending plan writes no signature" ||
    not_ok "export wrote the wrong files"
expect_status 1 "export does not overwrite" -- "$AIRLOCK" export "$p" ex1
expect_grep "EEXISTS" "$tmp/err" "the refusal names EEXISTS"
# The start of an id, as the UI shows it, names the one plan it starts.
mkdir ex0
expect_status 0 "export by the id's first 8 characters" -- "$AIRLOCK" export "$(printf %.8s "$p")" ex0
[ -f "ex0/$p.airlock" ] && cmp -s "ex0/$p.airlock" "ex1/$p.airlock" &&
    ok "it wrote the plan under its whole id, the same bytes" || not_ok "export by prefix wrote $(ls ex0)"
expect_status 1 "a start no plan's id has is refused" -- \
    "$AIRLOCK" reject 0000000000000000000000000000000
expect_grep "\[ENOTFOUND\]: no plan's id starts with 0000000000000000000000000000000" "$tmp/err" \
    "ENOTFOUND, naming it"
expect_grep "^$p  offline -> online  pending" "$("$AIRLOCK" plans >"$tmp/p2"; echo "$tmp/p2")" \
    "and the plan is still pending"
"$AIRLOCK" show "$p" >show-id.out
"$AIRLOCK" show "ex1/$p.airlock" >show-file.out
head -c "$(wc -c <show-file.out)" show-id.out | cmp -s - show-file.out &&
    ok "show ID begins with exactly what show FILE prints" || not_ok "show ID differs from show FILE"
tail -c +"$(($(wc -c <show-file.out) + 1))" show-id.out >show-id.findings
grep -q '^findings [1-9]' show-id.findings && grep -q '^  block  control\.esc  plan\.md:2: ' show-id.findings &&
    ok "and then the findings of airlockd's scan, one a line" || not_ok "show ID lists no findings"
grep -q 'red \\e\[31mX\\e\[0m rlo \\u{202E} end' show-id.out && ok "show ID makes escapes visible" ||
    not_ok "show ID escapes"

# approve: a plan with a block finding (the escapes) is shown, then refused before any
# question; the person edits it (airlock edit) and approves the edit.
printf '%s\npw\n' "$(printf %s "$p" | cut -c1-8)" >right.in
expect_status 1 "approve of a plan with a block finding fails" -- sh -c "'$AIRLOCK' approve '$p' <right.in"
expect_grep "^| red \\\\e\[31mX" "$tmp/out" "approve shows the plan with visible escapes"
expect_grep "\[EBLOCKED\]" "$tmp/err" "and refuses it with EBLOCKED"
# The findings, one a line as the UI lists them: severity, rule, file:line, message, what
# the flagged bytes show as (escaped), never the daemon's JSON and never the bytes raw.
expect_grep '^  block  control\.esc  plan\.md:2: terminal escape sequence: CSI SGR colours or attributes  shows \\e\[31m$' \
    "$tmp/out" "approve lists a finding as severity, rule, file:line, message and rendering"
expect_grep '^  high   unicode\.bidi  plan\.md:2: bidi control U+202E ' "$tmp/out" \
    "approve lists each finding (the bidi override, high)"
if grep -q '"rule"' "$tmp/out"; then not_ok "approve printed a finding as JSON"; else ok "approve prints no JSON"; fi
if grep -q "$esc" "$tmp/out"; then not_ok "approve wrote an ESC"; else ok "approve wrote no ESC"; fi
if grep -q "To approve it" "$tmp/err"; then not_ok "approve asked for a confirmation"; else ok "before asking anything"; fi
"$AIRLOCK" plans | grep -q "^$p .*pending" && ok "the blocked plan is still pending" || not_ok "the blocked plan left pending"
printf '# plan\nred X rlo \342\200\256 end\n' >clean.md
expect_status 0 "edit replaces the plan's file" -- "$AIRLOCK" edit "$p" plan.md=clean.md
expect_grep "^edited $p into [0-9a-f]\{32\}$" "$tmp/out" "edit names the new plan"
p=$(sed -n 's/^edited [0-9a-f]* into \([0-9a-f]\{32\}\)$/\1/p' "$tmp/out")
expect_grep "^$p  offline -> online  pending" "$tmp/out" "and lists it as pending"

# approve: a wrong confirmation approves nothing; the right one and the passphrase do. The
# edited plan keeps a high finding (the bidi override), so the answer is what that finding
# marks as drawn (the override and the text it reorders, "\u{202E} end": its last six
# letters and digits), as in airlock-tui; the id's first characters, enough for a plain
# plan, are not.
printf 'deadbeef\npw\n' >wrong.in
expect_status 1 "approve with a wrong confirmation fails" -- sh -c "'$AIRLOCK' approve '$p' <wrong.in"
expect_grep "does not match; plan $p not approved" "$tmp/err" "and says the plan was not approved"
expect_grep "^To approve it, type the end of the marked text (02Eend): " "$tmp/err" \
    "with a high finding approve asks for the end of the marked text"
expect_grep "^High finding:" "$tmp/out" "after naming the finding the answer is about"
expect_grep "^  high   unicode\.bidi  plan\.md:2: " "$tmp/out" "(the bidi override, with its place)"
printf '%s\npw\n' "$(printf %s "$p" | cut -c1-8)" >id.in
expect_status 1 "the plan id's first characters do not approve a plan with a high finding" -- \
    sh -c "'$AIRLOCK' approve '$p' <id.in"
"$AIRLOCK" plans | grep -q "^$p .*pending" && ok "the plan is still pending" || not_ok "the plan left pending"
printf ' 02EEND \npw\n' >right.in
expect_status 0 "approve with the marked text's end (spaces and case ignored) and the passphrase" -- \
    sh -c "'$AIRLOCK' approve '$p' <right.in"
expect_grep "^airlock: approve: deriving the key from the passphrase" "$tmp/err" "approve says it is deriving the key before the seconds of scrypt"
expect_grep "leaving your computer" "$tmp/out" "approve says the plan leaves the computer"
expect_grep "^| red X rlo \\\\u{202E} end" "$tmp/out" "approve shows the edited plan with visible escapes"
expect_grep "approved $p; delivered into session online-" "$tmp/out" "approve names the new session"
"$AIRLOCK" plans | grep -q "^$p .*deliver" && ok "the plan was delivered" || not_ok "the plan was not delivered"
expect_status 0 "export of an approved plan" -- "$AIRLOCK" export "$p" ex2
expect_status 0 "the exported signature verifies" -- \
    "$AIRLOCK" verify --pubkey "$XDG_CONFIG_HOME/airlock/approver.pub" "ex2/$p.airlock"
expect_status 1 "approving twice fails" -- sh -c "'$AIRLOCK' approve '$p' <right.in"
expect_grep "\[ESTATE\]" "$tmp/err" "with ESTATE"

# A signature made elsewhere: export, sign, approve --signature.
s2=$("$AIRLOCK" start offline second)
wait_for ready "$s2" || not_ok "the second agent never said ready"
p2=$("$AIRLOCK" collect "$s2" | sed -n 's/^plan  *\([0-9a-f]\{32\}\).*/\1/p')
p2=$("$AIRLOCK" edit "$p2" plan.md=clean.md | sed -n 's/^edited [0-9a-f]* into \([0-9a-f]\{32\}\)$/\1/p')
"$AIRLOCK" export "$p2" ex3 >/dev/null
printf 'pw\n' | "$AIRLOCK" sign "ex3/$p2.airlock" >/dev/null 2>&1
expect_status 1 "approve --signature with another plan's signature fails" -- \
    "$AIRLOCK" approve --signature "ex2/$p.airlock.minisig" "$p2"
expect_status 0 "approve --signature" -- "$AIRLOCK" approve --signature "ex3/$p2.airlock.minisig" "$p2"
expect_grep "approved $p2" "$tmp/out" "approve --signature approves"

# handoff and reject; a hostile reason comes back escaped.
expect_status 0 "handoff" -- "$AIRLOCK" handoff "$s"
expect_grep '^plan  *[0-9a-f]\{32\}  offline -> online  pending' "$tmp/out" "handoff makes a pending plan"
p3=$(sed -n 's/^plan  *\([0-9a-f]\{32\}\).*/\1/p' "$tmp/out")
expect_status 1 "reject with a control character in the reason fails" -- \
    "$AIRLOCK" reject --reason "$(printf 'no\033[2J')" "$p3"
expect_grep '^airlock: reject: .* \[EFIELD\]: ' "$tmp/err" "in the house form with the daemon's error name"
if grep -q "$esc" "$tmp/err"; then not_ok "the error wrote an ESC"; else ok "the error wrote no ESC"; fi
expect_status 0 "reject" -- "$AIRLOCK" reject --reason "not needed" "$p3"
expect_grep "rejected $p3" "$tmp/out" "reject says so"
expect_status 1 "approve of a rejected plan fails" -- sh -c "'$AIRLOCK' approve '$p3' <right.in"

# attach with piped input: the bytes go in, the echo comes back, the session goes on.
expect_status 0 "attach with piped input" -- \
    sh -c "(printf 'ping\n'; sleep 1) | timeout 10 '$AIRLOCK' attach '$s'"
expect_grep "ping" "$tmp/out" "the session's output comes back"
expect_grep "detached from $s at the end of standard input" "$tmp/err" "and it detaches at the end of input"

# attach on a terminal: raw mode (the CR goes through as typed), Ctrl-] detaches, and the
# terminal's settings are as before.
if command -v python3 >/dev/null 2>&1; then
    cat >attach_pty.py <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", 'stty -g >before; "$0" attach "$1"; r=$?; stty -g >after; exit $r',
                         sys.argv[1], sys.argv[2]])
out = b""
def pump(secs):
    global out
    end = time.time() + secs
    while time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
pump(1.5)
os.write(fd, b"typed\r")
pump(1.5)
os.write(fd, b"\x1d")
pump(3)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
EOF
    expect_status 0 "attach on a terminal" -- timeout 20 python3 attach_pty.py "$AIRLOCK" "$s"
    expect_grep "attached to $s; Ctrl-\] detaches" "$tmp/out" "attach says how to detach"
    expect_grep "typed" "$tmp/out" "the keystrokes reach the session"
    expect_grep "detached from $s; it goes on" "$tmp/out" "Ctrl-] detaches"
    cmp -s before after && ok "the terminal's settings are restored" || not_ok "terminal settings changed"
else
    echo "# python3 missing: attach on a terminal not tested"
fi
"$AIRLOCK" sessions | grep -q "^$s .*running" && ok "the session runs on after detaching" ||
    not_ok "the session ended on detach"

# stop, and what is refused afterwards.
expect_status 0 "stop" -- timeout 20 "$AIRLOCK" stop "$s"
expect_grep "^$s ended: stopped" "$tmp/out" "stop reports how it ended"
expect_status 1 "attach to an ended session fails" -- "$AIRLOCK" attach "$s"
expect_grep "^airlock: attach: not allowed in the current state \[ESTATE\]: " "$tmp/err" "with ESTATE"
expect_status 1 "stop of an unknown session fails" -- "$AIRLOCK" stop nosuch
expect_grep "^airlock: stop: no such plan or session \[ENOTFOUND\]: session nosuch" "$tmp/err" \
    "in the house form"
expect_status 1 "show of an unknown plan id fails" -- "$AIRLOCK" show 00000000000000000000000000000000
expect_grep "\[ENOTFOUND\]" "$tmp/err" "with ENOTFOUND"

# log --follow prints the records there and then the ones appended.
"$AIRLOCK" log --follow >follow.out 2>follow.err &
fpid=$!
sleep 1
before=$(wc -l <follow.out)
s3=$("$AIRLOCK" start online third)
i=0
while [ "$(wc -l <follow.out)" -le "$before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill "$fpid" 2>/dev/null || true
wait "$fpid" 2>/dev/null || true
[ "$before" -gt 0 ] && ok "log --follow prints the existing records" || not_ok "log --follow printed nothing"
grep -q "$s3" follow.out && ok "log --follow prints a record appended later" || not_ok "log --follow missed $s3"
expect_status 0 "log --verify" -- "$AIRLOCK" log --verify

stop_daemon
expect_status 1 "status after the daemon stopped fails" -- "$AIRLOCK" status

# ---- a daemon started without XDG_RUNTIME_DIR, a client with it (docs/guide.md,
# Troubleshooting) ----
# airlockd then listens at ~/.cache/airlock/airlockd.sock, where a client with
# XDG_RUNTIME_DIR set does not look. The client says where one listens, without talking
# to it unasked; a second airlockd on the same state directory says that one is running.
csock="$HOME/.cache/airlock/airlockd.sock"
env -u XDG_RUNTIME_DIR "$AIRLOCKD" >"$tmp/daemon2.log" 2>&1 &
dpid=$!
i=0
while [ ! -S "$csock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$csock" ] || { cat "$tmp/daemon2.log"; not_ok "airlockd without XDG_RUNTIME_DIR did not start"; }
expect_status 0 "(control) --socket ~/.cache/airlock/airlockd.sock reaches that daemon" -- \
    "$AIRLOCK" status --socket "$csock"
expect_status 1 "status, looking at \$XDG_RUNTIME_DIR, does not talk to the daemon elsewhere" -- \
    "$AIRLOCK" status
expect_grep "^airlock: status: No such file or directory \[ENOENT\]: cannot reach airlockd at $sock\$" \
    "$tmp/err" "it says where it looked"
expect_grep "^airlock: airlockd is not at $sock, but one is listening at $csock: use --socket $csock or AIRLOCK_SOCKET=$csock\$" \
    "$tmp/err" "and where one is listening, and how to use it"
if grep -q "Start it" "$tmp/err"; then not_ok "it advises starting another daemon"; else
    ok "it does not advise starting another daemon"; fi
expect_status 0 "AIRLOCK_SOCKET=<that path> reaches it, as advised" -- \
    env AIRLOCK_SOCKET="$csock" "$AIRLOCK" status
expect_status 1 "a socket named with --socket is not second-guessed" -- \
    "$AIRLOCK" status --socket "$sock"
if grep -q "listening at" "$tmp/err"; then not_ok "--socket: it looked elsewhere"; else
    ok "--socket: it names no other socket"; fi
expect_status 1 "a second airlockd --daemon on the same state directory does not start" -- \
    timeout 30 "$AIRLOCKD" --daemon
expect_grep "^airlockd: Device or resource busy \[EBUSY\]: another airlockd is already running with the state directory $XDG_STATE_HOME/airlock\$" \
    "$tmp/err" "its terminal is told that another airlockd runs with that state directory"
expect_grep "^airlockd: it is listening at $csock (it was started with another XDG_RUNTIME_DIR): 'airlock status --socket $csock' shows it\$" \
    "$tmp/err" "and where that one listens"
expect_grep "^airlockd: the daemon did not start; see $XDG_STATE_HOME/airlock/airlockd.log\$" \
    "$tmp/err" "and then that it did not start"
expect_grep "another airlockd is already running" "$XDG_STATE_HOME/airlock/airlockd.log" \
    "the log says so too"
expect_status 1 "a second airlockd in the foreground does not start either" -- \
    env -u XDG_RUNTIME_DIR timeout 30 "$AIRLOCKD"
expect_grep "another airlockd is already running with the state directory" "$tmp/err" \
    "it says another is running"
expect_grep "^airlockd: it is listening at $csock: 'airlock status' shows it\$" "$tmp/err" \
    "at the socket its own environment's airlock status reaches"
kill -0 "$dpid" 2>/dev/null && ok "the first airlockd runs on" || not_ok "the first airlockd died"
stop_daemon
finish
