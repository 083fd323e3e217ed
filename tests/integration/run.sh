#!/bin/sh
# airlock run and airlock check as a person uses them: status codes, the workspace, the
# environment allowlist, the wall-clock limit, the online listener and the absence of any
# other way out.
set -eu
. "$(dirname "$0")/lib.sh"

# check must tell the truth: on this kernel every protection is present, so exit 0.
set +e
"$AIRLOCK" check >"$tmp/check" 2>&1
st=$?
set -e
if [ "$st" != 0 ]; then
    cat "$tmp/check"
    skip "airlock check says a protection is missing on this kernel"
fi
ok "airlock check exits 0"
expect_grep "offline compartment   starts" "$tmp/check" "check starts an offline compartment"
expect_grep "online  compartment   starts" "$tmp/check" "check starts an online compartment"

ws=$tmp/ws
mkdir "$ws"
run() { timeout 60 "$AIRLOCK" run "$@" </dev/null; }

expect_status 0 "run offline -- true" -- run offline --workspace "$ws" -- true
expect_status 7 "the command's exit status comes back" -- \
    run offline --workspace "$ws" -- sh -c 'exit 7'
expect_status 137 "a command killed by SIGKILL gives 128+9" -- \
    run online -- sh -c 'kill -9 $$'
expect_status 2 "an unknown compartment is a usage error" -- "$AIRLOCK" run sideways -- true
expect_status 2 "online with a workspace is a usage error" -- \
    "$AIRLOCK" run online --workspace "$ws" -- true
expect_status 1 "a missing command is named" -- run online -- no-such-command-here
expect_grep "not found" "$tmp/err" "the error says not found"
# A path that the compartment cannot see: the error names it (a misconfigured agent).
expect_status 1 "a command path missing inside fails" -- \
    run offline --workspace "$ws" -- /usr/local/bin/no-such-agent-here --task x
expect_grep "executing the command /usr/local/bin/no-such-agent-here: No such file" "$tmp/err" \
    "the error names the missing program"
# And a script whose #! interpreter is missing: the same words, the script named.
printf '#!/usr/bin/no-such-interpreter\n' >"$ws/agent"
chmod +x "$ws/agent"
expect_status 1 "a script with a missing interpreter fails" -- \
    run offline --workspace "$ws" -- /workspace/agent
expect_grep "executing the command /workspace/agent: No such file.*#! line" "$tmp/err" \
    "the error names the script and says the interpreter may be missing"
rm -f "$ws/agent"

# The workspace is the user's files, read-write, and outlives the session.
printf 'from the host\n' > "$ws/in.txt"
expect_status 0 "offline reads and writes /workspace" -- run offline --workspace "$ws" -- \
    sh -c 'cat /workspace/in.txt && echo "from the compartment" > /workspace/out.txt'
expect_grep "from the host" "$tmp/out" "the workspace file was read inside"
if [ "$(cat "$ws/out.txt" 2>/dev/null)" = "from the compartment" ]; then
    ok "what the compartment wrote is in the workspace afterwards"
else not_ok "workspace write did not persist"; fi

# HOME and /tmp are fresh tmpfs: nothing survives a session.
run offline --workspace "$ws" -- sh -c 'echo x > /tmp/left && echo y > $HOME/left' >/dev/null
expect_status 2 "nothing left in /tmp or HOME from the last session" -- \
    run offline --workspace "$ws" -- sh -c 'ls /tmp/left $HOME/left'

# The environment is an allowlist: a secret in ours does not arrive.
SSH_AUTH_SOCK=/tmp/agent.sock GITHUB_TOKEN=ghp_secret export SSH_AUTH_SOCK GITHUB_TOKEN
expect_status 0 "env inside" -- run online -- env
if grep -q "SSH_AUTH_SOCK\|GITHUB_TOKEN\|ghp_secret" "$tmp/out"; then
    not_ok "the caller's environment leaked"; else ok "no SSH_AUTH_SOCK or token inside"; fi
expect_grep "HTTP_PROXY=http://127.0.0.1:3128" "$tmp/out" "online has the proxy variables"
expect_grep "AIRLOCK_COMPARTMENT=online" "$tmp/out" "the compartment is named"
expect_status 0 "env offline" -- run offline --workspace "$ws" -- env
if grep -q PROXY "$tmp/out"; then not_ok "offline has proxy variables"; else
    ok "offline has no proxy variables"; fi

# The session has its own terminal and session.
expect_status 0 "tty inside" -- run offline --workspace "$ws" -- sh -c 'tty; ps -o sid= -p $$'
expect_grep "/dev/pts/0" "$tmp/out" "the command's terminal is the compartment's /dev/pts/0"

# Wall-clock limit: the session is stopped.
start=$(date +%s)
expect_status 137 "--wall 2 stops a sleeping command" -- \
    run offline --workspace "$ws" --wall 2 -- sleep 30
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -le 10 ]; then ok "stopped after ${elapsed}s"; else not_ok "took ${elapsed}s"; fi

# No process outlives its supervisor: kill airlock run itself, the session dies with it.
marker=$(( $(date +%s) % 1000 + 31000 )).25
"$AIRLOCK" run offline --workspace "$ws" --wall 60 -- sh -c "sleep $marker; :" </dev/null \
    >/dev/null 2>&1 &
runner=$!
i=0
while [ $i -lt 50 ] && ! pgrep -f "sleep $marker" >/dev/null; do sleep 0.1; i=$((i + 1)); done
if pgrep -f "sleep $marker" >/dev/null; then ok "the session's command is running"
else not_ok "the session's command never started"; fi
kill -9 "$runner" 2>/dev/null || true
wait "$runner" 2>/dev/null || true
i=0
while [ $i -lt 50 ] && pgrep -f "sleep $marker" >/dev/null; do sleep 0.1; i=$((i + 1)); done
if pgrep -f "sleep $marker" >/dev/null; then
    not_ok "a process outlived its supervisor"
else ok "killing airlock run ends every process of the session"; fi

# The wall-clock limit holds even when the command closes its terminal and lives on.
start=$(date +%s)
expect_status 137 "--wall 2 stops a command that closed its terminal" -- \
    run offline --workspace "$ws" --wall 2 -- sh -c 'exec </dev/null >/dev/null 2>&1; sleep 20'
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -le 10 ]; then ok "stopped after ${elapsed}s"; else not_ok "took ${elapsed}s"; fi

# The host's device nodes are reachable for I/O only: their mode and times cannot change,
# not even by uid 0 inside when root started the compartment.
expect_status 0 "writing /dev/null works" -- run online -- sh -c 'echo x > /dev/null'
expect_status 1 "chmod of /dev/null inside is refused" -- run online -- chmod 600 /dev/null
expect_grep "Read-only file system" "$tmp/out" "chmod reports EROFS"
if [ "$(stat -c %a /dev/null)" = 666 ]; then ok "the host's /dev/null is still mode 666"
else not_ok "the host's /dev/null changed mode"; fi

# A symbolic link to the workspace mounts the directory it names.
ln -s "$ws" "$tmp/wslink"
expect_status 0 "a workspace given through a symlink" -- \
    run offline --workspace "$tmp/wslink" -- cat /workspace/in.txt
expect_grep "from the host" "$tmp/out" "the linked workspace's files are there"

# Landlock's newer rights are in force where the kernel has them: renames across
# directories (REFER), /proc/self writes (TRUNCATE), signals to PID 1 refused (scoping).
expect_status 0 "a rename across workspace directories works" -- run offline --workspace "$ws" -- \
    sh -c 'mkdir -p /workspace/a /workspace/b && echo r > /workspace/a/f && mv /workspace/a/f /workspace/b/f'
expect_status 0 "writing /proc/self/oom_score_adj works" -- run offline --workspace "$ws" -- \
    sh -c 'echo 0 > /proc/self/oom_score_adj'
if grep -q "signal scoping yes" "$tmp/check"; then
    # Positive control: signals within the command's own processes still work.
    expect_status 0 "the command can signal its own child" -- \
        run online -- sh -c 'sleep 30 & kill -TERM $!'
    expect_status 1 "signalling PID 1 (the reaper) is refused (landlock scoping)" -- \
        run online -- kill -TERM 1
else
    echo "note: landlock ABI < 6 here, so signal scoping is not checked"
fi

# Online: the listener answers (403 until the proxy serves it); nothing else is reachable.
expect_status 0 "online curl through the proxy variable" -- run online -- \
    curl -s -m 5 -o /dev/null -w '%{http_code}' http://example.test/
expect_grep "403" "$tmp/out" "the listener answered 403"
expect_status 7 "online direct connection to a public address fails" -- run online -- \
    curl -s -m 5 --noproxy '*' http://192.0.2.1/
expect_status 1 "offline has no network at all" -- run offline --workspace "$ws" -- \
    sh -c 'curl -s -m 5 http://127.0.0.1:3128/ >/dev/null; echo "curl $?"; exit 1'
expect_grep "curl 7" "$tmp/out" "offline curl cannot even connect to loopback"

finish
