#!/bin/sh
# airlock installed, used from the install alone: `cmake --install` of the already built
# tree ($AIRLOCK_BUILD_DIR) into a temporary prefix, then, with PATH holding only that
# prefix's bin and /usr/bin:/bin, what a person does after installing:
#   - every file in its place: programs, the five manual pages (and `man` renders them
#     without warnings, and finds them on MANPATH), the documentation (every docs/ file
#     the pages name among it), the example configurations, the AppArmor profile, the
#     systemd user unit (checked by systemd-analyze verify when present);
#   - airlock keygen, pack, sign and verify (and verify refusing a tampered copy);
#   - airlockd started as the unit starts it (its ExecStart, environment, umask,
#     no_new_privs and seccomp hardening, applied by unit_exec.py) with each installed
#     example configuration, answering airlock status, reloading on SIGHUP, logging to
#     stderr, stopping with status 0 on SIGTERM;
#   - airlock check: 0 here, also under the unit's hardening; and its AppArmor diagnosis,
#     shown with a fake kernel.apparmor_restrict_unprivileged_userns (this kernel has no
#     such knob) and a user namespace refused with EPERM;
#   - airlock demo --no-ui runs the installed airlockd and cleans up; the AIRLOCK_SOCKET it
#     prints alone leads airlock to it (and without it, airlock does not find it).
set -eu
: "${AIRLOCK_BUILD_DIR:?AIRLOCK_BUILD_DIR must name the build tree to install}"
AIRLOCK=/nonexistent # lib.sh wants it; it is the installed airlock below
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
need cmake timeout python3 man unshare

prefix=$tmp/prefix
if ! cmake --install "$AIRLOCK_BUILD_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    not_ok "cmake --install $AIRLOCK_BUILD_DIR --prefix $prefix"
    finish
fi
ok "cmake --install into a temporary prefix"

# From here on nothing of the build tree: the installed programs alone, found through PATH.
unset AIRLOCKD AIRLOCK_TUI AIRLOCK_BENCH_ATTACKS
export PATH="$prefix/bin:/usr/bin:/bin"
AIRLOCK=$prefix/bin/airlock
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_STATE_HOME="$tmp/home/.local/state"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
cd "$tmp"

# expect_no FIXED FILE DESCRIPTION: FILE does not contain the fixed string.
expect_no() {
    if grep -qF -- "$1" "$2"; then
        not_ok "$3 ('$1' found)"
        sed 's/^/    /' "$2"
    else ok "$3"; fi
}

# ---- the files ----
for p in airlock airlockd airlock-tui; do
    if [ -x "$prefix/bin/$p" ]; then ok "bin/$p installed"; else not_ok "bin/$p missing"; fi
done
found=$(command -v airlock)
if [ "$found" = "$prefix/bin/airlock" ]; then ok "PATH finds the installed airlock"
else not_ok "PATH finds airlock at $found"; fi

pages="man1/airlock.1 man8/airlockd.8 man1/airlock-tui.1 man5/airlock.json.5 man5/airlock-plan.5"
for src_page in "$src"/docs/man/*.[1-8]; do
    [ -e "$src_page" ] || continue
    name=$(basename "$src_page")
    sect=man${name##*.}
    case " $pages " in *" $sect/$name "*) ;; *) pages="$pages $sect/$name" ;; esac
done
for page in $pages; do
    f=$prefix/share/man/$page
    name=$(basename "$page")
    if [ ! -f "$f" ]; then
        not_ok "share/man/$page missing"
        continue
    fi
    ok "share/man/$page installed"
    set +e
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" >"$tmp/man.out" 2>"$tmp/man.err"
    st=$?
    set -e
    title=$(echo "${name%.*}" | tr '[:lower:]' '[:upper:]')
    if [ "$st" = 0 ] && grep -q "^$title(${name##*.})" "$tmp/man.out" && grep -q '^NAME' "$tmp/man.out"
    then ok "man -l renders $name (title line and NAME)"
    else
        not_ok "man -l $name (exit $st)"
        head -5 "$tmp/man.out" | sed 's/^/    /'
    fi
    if [ -s "$tmp/man.err" ]; then
        not_ok "man --warnings: $name renders with warnings"
        sed 's/^/    /' "$tmp/man.err"
    else ok "man --warnings: $name renders without a warning"; fi
done
if MANPATH="$prefix/share/man" man -w airlock.json >"$tmp/out" 2>&1 &&
    grep -qF "$prefix/share/man/man5/airlock.json.5" "$tmp/out"; then
    ok "man finds airlock.json(5) on MANPATH=<prefix>/share/man"
else not_ok "man -w airlock.json with MANPATH=$prefix/share/man: $(cat "$tmp/out")"; fi
# As docs/install.md says it: the trailing colon keeps the system's pages after these.
if MANPATH="$prefix/share/man:" man -w airlock >"$tmp/out" 2>&1 &&
    [ "$(head -1 "$tmp/out")" = "$prefix/share/man/man1/airlock.1" ]; then
    ok "MANPATH=<prefix>/share/man: man airlock finds the installed airlock(1)"
else not_ok "man -w airlock with MANPATH=$prefix/share/man: $(cat "$tmp/out")"; fi

doc=$prefix/share/doc/airlock
if [ -x "$doc/examples/agents/notes-agent.sh" ]; then
    ok "the recipes' notes-agent.sh is installed executable"
else not_ok "share/doc/airlock/examples/agents/notes-agent.sh is not executable"; fi
# The installed pages link to each other and to the examples as the repository does; a
# link into the source tree (tests/, lib/) is for readers of a clone and is not counted.
st=0
python3 - "$doc" >"$tmp/links" <<'PY' || st=$?
import os, re, sys
root = sys.argv[1]
bad = checked = 0
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".md"):
            continue
        page = os.path.join(d, f)
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", open(page).read()):
            if re.match(r"[a-z]+:", target):
                continue
            path = os.path.normpath(os.path.join(d, target))
            top = os.path.relpath(path, root).split(os.sep)[0]
            if top not in ("docs", "examples", "README.md"):
                continue
            checked += 1
            if not os.path.exists(path):
                bad += 1
                print("broken: %s -> %s" % (os.path.relpath(page, root), target))
print("checked %d" % checked)
sys.exit(1 if bad else 0)
PY
if [ "$st" = 0 ] && grep -q '^checked [1-9]' "$tmp/links"; then
    ok "installed docs: every link to docs/ and examples/ resolves ($(tail -1 "$tmp/links"))"
else
    not_ok "installed docs have broken links"
    sed 's/^/    /' "$tmp/links"
fi
# Every docs/ file the manual pages name is in the installed documentation they point to.
named=$(cat "$prefix"/share/man/man[158]/*.[158] | grep -o 'docs/[a-z/-]*\.md' | sort -u)
[ -n "$named" ] || not_ok "the manual pages name no docs/ file"
for f in $named; do
    if [ -f "$doc/$f" ]; then ok "share/doc/airlock/$f, named by a manual page, installed"
    else not_ok "share/doc/airlock/$f, named by a manual page, missing"; fi
done
for f in README.md docs/install.md docs/guide.md docs/formats/control.md \
    examples/configs/household.json examples/configs/research.json examples/configs/README.md \
    examples/agents/notes-agent.sh; do
    if [ -f "$doc/$f" ]; then ok "share/doc/airlock/$f installed"; else not_ok "share/doc/airlock/$f missing"; fi
done

profile=$prefix/share/airlock/apparmor/airlock
if [ -f "$profile" ]; then
    ok "share/airlock/apparmor/airlock installed"
    expect_grep '^abi <abi/4.0>,' "$profile" "the profile declares AppArmor ABI 4.0"
    for prog in airlock airlockd; do
        expect_grep "^profile $prog @{airlock_bin}/$prog flags=(unconfined) {" "$profile" \
            "profile $prog attaches to @{airlock_bin}/$prog, unconfined"
    done
    expect_grep '^@{airlock_bin}=/usr/bin /usr/local/bin$' "$profile" \
        "@{airlock_bin} covers /usr/bin and /usr/local/bin"
    n=$(grep -c '^  userns,$' "$profile" || true)
    if [ "$n" = 2 ]; then ok "both profiles grant userns"; else not_ok "userns granted $n times"; fi
else not_ok "share/airlock/apparmor/airlock missing"; fi

# ---- the systemd user unit ----
unit=$prefix/lib/systemd/user/airlockd.service
if [ ! -f "$unit" ]; then
    not_ok "lib/systemd/user/airlockd.service missing"
    finish
fi
ok "lib/systemd/user/airlockd.service installed"
expect_grep "^ExecStart=$prefix/bin/airlockd\$" "$unit" "ExecStart names the installed airlockd"
expect_grep '^Type=simple$' "$unit" "Type=simple: airlockd stays in the foreground"
# shellcheck disable=SC2016 # $MAINPID is systemd's, literally
expect_grep '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" "ExecReload sends SIGHUP"
expect_grep '^Restart=on-failure$' "$unit" "Restart=on-failure"
expect_grep '^NoNewPrivileges=yes$' "$unit" "NoNewPrivileges=yes"
expect_grep '^WantedBy=default.target$' "$unit" "enabled into default.target"
# What would take user namespaces, mounts, a fresh /proc, landlock or seccomp (or V8's JIT)
# away from the compartments.
if grep -En '^(PrivateUsers|RestrictNamespaces|SystemCallFilter|MemoryDenyWriteExecute|Protect[A-Za-z]*|Private(Tmp|Devices|Network|Mounts|IPC)|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|ProcSubset|CapabilityBoundingSet)=' \
    "$unit" >"$tmp/out"; then
    not_ok "the unit sets a directive that breaks compartments"
    sed 's/^/    /' "$tmp/out"
else ok "no directive that breaks user namespaces, mounts, landlock, seccomp or a JIT"; fi
if command -v systemd-analyze >/dev/null 2>&1; then
    # --user needs a runtime directory; MANPATH lets it check Documentation=man:... too.
    set +e
    MANPATH="$prefix/share/man" systemd-analyze --user verify "$unit" >"$tmp/out" 2>&1
    st=$?
    set -e
    if [ "$st" = 0 ] && [ ! -s "$tmp/out" ]; then
        ok "systemd-analyze --user verify: no error, no warning (its man pages included)"
    else
        not_ok "systemd-analyze --user verify (exit $st)"
        sed 's/^/    /' "$tmp/out"
    fi
    # Control: verify speaks up about a directive it cannot parse (it warns, exit 0).
    mkdir -p "$tmp/badunit"
    sed 's/^KillMode=.*/KillMode=sometimes/' "$unit" >"$tmp/badunit/airlockd.service"
    MANPATH="$prefix/share/man" systemd-analyze --user verify "$tmp/badunit/airlockd.service" \
        >"$tmp/out" 2>&1 || true
    expect_grep "KillMode\|kill mode" "$tmp/out" "control: systemd-analyze verify reports a bad KillMode="
else
    # No systemd here: at least every line of the unit is a section, a comment or Key=Value
    # with a key systemd knows for its section.
    echo "# systemd-analyze is not installed: the unit is checked by a small parser only"
    if python3 - "$unit" >"$tmp/out" 2>&1 <<'EOF'
import re, sys
known = {"[Unit]": {"Description", "Documentation"},
         "[Service]": {"Type", "ExecStart", "ExecReload", "Environment", "SyslogIdentifier",
                       "Restart", "RestartSec", "KillMode", "TimeoutStopSec", "NoNewPrivileges",
                       "UMask", "SystemCallArchitectures", "LockPersonality", "RestrictRealtime",
                       "RestrictSUIDSGID", "RestrictAddressFamilies"},
         "[Install]": {"WantedBy"}}
section, bad = None, []
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip()[0] in "#;":
        continue
    if line in known:
        section = line
    elif not (section and re.match(r"^[A-Za-z]+=\S", line) and line.split("=")[0] in known[section]):
        bad.append("%d: %s" % (n, line))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
    then ok "the unit parses: sections, comments and known Key=Value lines only"
    else
        not_ok "the unit does not parse"
        sed 's/^/    /' "$tmp/out"
    fi
fi

# ---- keys and plans, with the installed airlock ----
expect_status 0 "airlock keygen into \$XDG_CONFIG_HOME" -- airlock keygen -W
if [ -f "$XDG_CONFIG_HOME/airlock/approver.key" ] && [ -f "$XDG_CONFIG_HOME/airlock/approver.pub" ]
then ok "the key pair is in \$XDG_CONFIG_HOME/airlock/"
else not_ok "no key pair in $XDG_CONFIG_HOME/airlock/"; fi
printf 'Find the opening hours of the library.\n' >plan.md
expect_status 0 "airlock pack" -- \
    airlock pack --from offline --to online --task "opening hours" plan.md -o req.airlock
expect_status 0 "airlock sign" -- airlock sign req.airlock
expect_status 0 "airlock verify accepts the signed plan" -- airlock verify req.airlock
cp req.airlock bad.airlock
cp req.airlock.minisig bad.airlock.minisig
LC_ALL=C sed -i 's/library/LIBRARY/' bad.airlock
if cmp -s req.airlock bad.airlock; then not_ok "the tampered copy is not different"; fi
expect_status 1 "airlock verify refuses a tampered copy" -- airlock verify bad.airlock

# ---- airlockd as the unit runs it, with each installed example configuration ----
sock=$XDG_RUNTIME_DIR/airlock/airlockd.sock
# terminate PID: SIGTERM to PID (ours, started by this script), then its exit status in $st.
terminate() {
    kill -TERM "$1" 2>/dev/null || true
    set +e
    wait "$1"
    st=$?
    set -e
}
dpid=
demo=
trap '[ -z "$dpid" ] || terminate "$dpid"; [ -z "$demo" ] || terminate "$demo"; rm -rf "$tmp"' EXIT

# wait_for FILE PATTERN: up to 20 s for PATTERN to appear in FILE.
wait_for() {
    i=0
    while [ $i -lt 200 ]; do
        if grep -q -- "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

mkdir -p "$XDG_CONFIG_HOME/airlock"
for cfg in household research; do
    cp "$doc/examples/configs/$cfg.json" "$XDG_CONFIG_HOME/airlock/airlock.json"
    : >"$tmp/daemon.log"
    python3 "$here/unit_exec.py" "$unit" 2>"$tmp/daemon.log" &
    dpid=$!
    if wait_for "$tmp/daemon.log" "listening on $sock"; then
        ok "$cfg.json: airlockd, started as the unit starts it, logs 'listening on' to stderr"
    else
        not_ok "$cfg.json: airlockd did not log 'listening on $sock'"
        sed 's/^/    /' "$tmp/daemon.log"
        terminate "$dpid"
        dpid=
        continue
    fi
    expect_status 0 "$cfg.json: airlock status answers" -- airlock status
    expect_grep "config    $XDG_CONFIG_HOME/airlock/airlock.json" "$tmp/out" \
        "$cfg.json: the daemon runs on the installed example configuration"
    expect_grep "approver  key [0-9A-F]\{16\}" "$tmp/out" "$cfg.json: with the approver key from keygen"
    if grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$dpid/status" &&
        grep -q "^Seccomp:[[:space:]]*2" "/proc/$dpid/status"; then
        ok "$cfg.json: the daemon runs with no_new_privs and the unit's seccomp filters"
    else not_ok "$cfg.json: no_new_privs or seccomp missing on the daemon"; fi
    mode=$(stat -c %a "$XDG_STATE_HOME/airlock/audit.jsonl")
    if [ "$mode" = 600 ]; then ok "$cfg.json: UMask=0077: the audit log is mode 600"
    else not_ok "$cfg.json: the audit log is mode $mode"; fi
    kill -HUP "$dpid" # what ExecReload does
    if wait_for "$tmp/daemon.log" "configuration reloaded"; then
        ok "$cfg.json: SIGHUP (ExecReload) reloads, logged to stderr"
    else not_ok "$cfg.json: no 'configuration reloaded' after SIGHUP"; fi
    terminate "$dpid"
    dpid=
    if [ "$st" = 0 ]; then ok "$cfg.json: SIGTERM stops airlockd with status 0 (no restart)"
    else not_ok "$cfg.json: airlockd exited $st on SIGTERM"; fi
done
rm -f "$XDG_CONFIG_HOME/airlock/airlock.json"

# ---- the kernel: airlock check, and the AppArmor diagnosis ----
set +e
airlock check >"$tmp/check" 2>&1
st=$?
set -e
if [ "$st" != 0 ]; then
    sed 's/^/    /' "$tmp/check"
    skip "airlock check says a protection is missing on this kernel"
fi
ok "the installed airlock check exits 0"
expect_status 0 "airlock check under the unit's hardening (no_new_privs, seccomp) exits 0" -- \
    python3 "$here/unit_exec.py" "$unit" -- airlock check
expect_grep "online  compartment   starts" "$tmp/out" "both compartments start under the unit's hardening"
# Control: the hardening is in force there (a packet socket is refused by the filter).
expect_status 0 "control: under the unit's filters, socket(AF_PACKET) fails with EAFNOSUPPORT" -- \
    python3 "$here/unit_exec.py" "$unit" -- python3 -c '
import errno, socket, sys
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
except OSError as e:
    sys.exit(0 if e.errno == errno.EAFNOSUPPORT else 1)
sys.exit(1)'

# The restriction cannot be switched on here (it is Ubuntu's patch): a fake sysctl file
# stands in for /proc/sys/kernel/apparmor_restrict_unprivileged_userns, and a user
# namespace without a uid mapping (unshare -U) makes the kernel refuse the next one with
# EPERM, as AppArmor does.
mkdir -p "$tmp/sysctl/kernel"
echo 1 >"$tmp/sysctl/kernel/apparmor_restrict_unprivileged_userns"
set +e
AIRLOCK_TEST_SYSCTL_ROOT=$tmp/sysctl airlock check >"$tmp/out" 2>&1
st=$?
set -e
if [ "$st" = 0 ] && ! grep -q AppArmor "$tmp/out"; then
    ok "control: the knob alone, with user namespaces working, changes nothing"
else
    not_ok "the knob alone made airlock check say AppArmor or fail (exit $st)"
    sed 's/^/    /' "$tmp/out"
fi
expect_status 1 "a refused user namespace with the restriction on: airlock check exits 1" -- \
    unshare -U env AIRLOCK_TEST_SYSCTL_ROOT="$tmp/sysctl" "$AIRLOCK" check
cp "$tmp/out" "$tmp/aa"
expect_grep "^user namespaces      Operation not permitted" "$tmp/aa" "the refusal is EPERM"
expect_grep "AppArmor restricts unprivileged user namespaces on this host" "$tmp/aa" \
    "it says AppArmor restricts user namespaces"
expect_grep "(kernel.apparmor_restrict_unprivileged_userns=1), and no AppArmor" "$tmp/aa" \
    "it names the sysctl"
expect_grep "  sudo install -m 644 $profile /etc/apparmor.d/airlock\$" "$tmp/aa" \
    "it names the installed profile and where it goes"
expect_grep "  sudo apparmor_parser -r /etc/apparmor.d/airlock\$" "$tmp/aa" "and how to load it"
expect_grep "^ *$prefix/bin/airlock: add its directory to the profile's" "$tmp/aa" \
    "it says the profile does not cover this prefix"
expect_grep "^ *$doc/docs/install.md\.\$" "$tmp/aa" "it points to the installed install.md"
expect_grep "See \"Ubuntu 23.10 and later: AppArmor's restriction\" in" "$tmp/aa" \
    "and to its section on the restriction"
echo 0 >"$tmp/sysctl/kernel/apparmor_restrict_unprivileged_userns"
expect_status 1 "control: the same refusal with the restriction off: exit 1" -- \
    unshare -U env AIRLOCK_TEST_SYSCTL_ROOT="$tmp/sysctl" "$AIRLOCK" check
expect_grep "^user namespaces      Operation not permitted" "$tmp/out" "control: EPERM again"
expect_no "AppArmor" "$tmp/out" "control: and no word of AppArmor"

# ---- airlock demo from the install ----
set +e
airlock demo --no-ui >"$tmp/demo" 2>&1 &
demo=$!
set -e
if wait_for "$tmp/demo" "^airlock demo: ready"; then
    ok "airlock demo --no-ui comes up from the install"
    pid=$(sed -n 's/^AIRLOCKD_PID=//p' "$tmp/demo")
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || echo none)
    if [ "$exe" = "$prefix/bin/airlockd" ]; then ok "the demo runs the installed airlockd"
    else not_ok "the demo's airlockd is $exe"; fi
    ddir=$(sed -n 's/^AIRLOCK_DEMO_DIR=//p' "$tmp/demo")
    dsock=$(sed -n 's/^AIRLOCK_SOCKET=//p' "$tmp/demo")
    # The printed AIRLOCK_SOCKET alone leads the client to the demo. Control first: this
    # test's XDG_RUNTIME_DIR has no daemon now (those above have stopped), so without it
    # airlock reaches nothing; with it, the demo's two pending plans; --socket still wins.
    expect_status 1 "control: without AIRLOCK_SOCKET, airlock plans finds no airlockd" -- \
        airlock plans
    expect_grep "cannot reach airlockd at $XDG_RUNTIME_DIR/airlock/airlockd.sock" "$tmp/err" \
        "control: it tried XDG_RUNTIME_DIR's socket"
    expect_status 0 "AIRLOCK_SOCKET=<the demo's> airlock plans reaches the demo's airlockd" -- \
        env AIRLOCK_SOCKET="$dsock" airlock plans --json
    n=$(python3 -c 'import json, sys
print(sum(x["state"] == "pending" for x in json.load(sys.stdin)))' <"$tmp/out" 2>&1 || true)
    if [ "$n" = 2 ]; then ok "and lists the demo's two pending plans"
    else not_ok "airlock plans through AIRLOCK_SOCKET: $n"; sed 's/^/    /' "$tmp/out"; fi
    expect_status 1 "--socket wins over AIRLOCK_SOCKET" -- \
        env AIRLOCK_SOCKET="$dsock" airlock plans --socket "$XDG_RUNTIME_DIR/airlock/airlockd.sock"
    expect_status 1 "an AIRLOCK_SOCKET too long for a socket address is an error" -- \
        env AIRLOCK_SOCKET="$tmp/$(printf '%0120d' 0)" airlock plans
    expect_grep "AIRLOCK_SOCKET: longer than a socket address holds" "$tmp/err" \
        "that names AIRLOCK_SOCKET"
else
    not_ok "airlock demo --no-ui did not become ready"
    sed 's/^/    /' "$tmp/demo"
    ddir=
    dsock=
fi
terminate "$demo"
demo=
if [ "$st" = 0 ]; then ok "the demo stops with status 0 on SIGTERM"
else not_ok "the demo exited $st"; sed 's/^/    /' "$tmp/demo"; fi
if [ -n "$ddir" ] && [ ! -e "$ddir" ]; then ok "the demo removed its directory"
elif [ -n "$ddir" ]; then not_ok "the demo left $ddir"; fi
if [ -n "$dsock" ]; then
    expect_status 1 "once the demo has gone, its AIRLOCK_SOCKET reaches nothing" -- \
        env AIRLOCK_SOCKET="$dsock" airlock plans
    expect_grep "that is AIRLOCK_SOCKET; unset it" "$tmp/err" \
        "and airlock says the socket came from AIRLOCK_SOCKET"
fi

finish
