#!/bin/sh
# Escape tests: airlock-probe attempts one way out per run, inside each compartment through
# `airlock run`, and every refused attempt must fail with its exact errno. Each attempt has a
# positive control first: the same probe run unconfined ("host"), or in a plain user
# namespace ("userns") where the host would refuse it anyway, shows that the attempt works
# when nothing confines it, so that a refusal inside means the compartment refused it.
#
# A control that the host's own policy refuses too (TIOCSTI with dev.tty.legacy_tiocsti=0,
# bpf for an unprivileged user, ...) is reported as that finding; the confined run must still
# give the errno the compartment's policy specifies.
#
# Standalone:
#   AIRLOCK=build/airlockd/airlock AIRLOCK_PROBE=build/tests/integration/probe/airlock-probe \
#       sh tests/integration/escape.sh
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
: "${AIRLOCK_PROBE:?AIRLOCK_PROBE must point at the airlock-probe binary}"

if [ ! -x "$AIRLOCK_PROBE" ]; then
    echo "FAIL: AIRLOCK_PROBE=$AIRLOCK_PROBE is not an executable"
    exit 1
fi
need timeout unshare date
if ! "$AIRLOCK" run --help >/dev/null 2>&1; then
    skip "this airlock has no 'run' command"
fi
if ! "$AIRLOCK" check >"$tmp/check" 2>&1; then
    sed 's/^/    /' "$tmp/check"
    skip "airlock check: this kernel lacks a protection compartments require"
fi

# Everything the runs leave behind lives under $tmp; listeners are ours to stop.
listeners=""
cleanup() {
    for pid in $listeners; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ws=$tmp/ws            # the offline workspace, /workspace inside
inbox=$tmp/inbox      # /airlock/inbox inside
host=$tmp/host        # host files and sockets nothing inside may reach
mkdir "$ws" "$inbox" "$host"
cp "$AIRLOCK_PROBE" "$ws/airlock-probe"
cp "$AIRLOCK_PROBE" "$inbox/airlock-probe"
chmod 755 "$ws/airlock-probe" "$inbox/airlock-probe"
echo "host secret" >"$tmp/secret.txt"
echo "host secret" >"$host/secret.txt"
ln -s "$tmp/secret.txt" "$ws/link-secret"
ln -s "$host/via-link.txt" "$ws/link-out"

# What a person's shell typically carries: an agent socket, tokens, and a variable whose name
# says nothing, which only an allowlist keeps out.
SSH_AUTH_SOCK=$host/agent.sock
GITHUB_TOKEN=ghp_airlockescapetest
AWS_SECRET_ACCESS_KEY=airlockescapetest
ESCAPE_CANARY=canary-7f3a
export SSH_AUTH_SOCK GITHUB_TOKEN AWS_SECRET_ACCESS_KEY ESCAPE_CANARY

# ---- helpers ---------------------------------------------------------------------------------

run_opts=""   # extra `airlock run` options for the next runs (limits)

# launch WHERE PROBE [ARGS...]: runs the probe in WHERE, output in $tmp/raw and $tmp/err.
#   host     unconfined, as the current user
#   userns   in a plain new user, mount and network namespace (unshare -Urmn)
#   offline  airlock run offline, the probe started from /workspace
#   online   airlock run online, the probe copied from /airlock/inbox to /tmp and started
#            there: landlock grants /airlock/inbox read but not execute, and anything an
#            agent can read it can run from /tmp, so the copy changes nothing it could do.
launch() {
    l_where=$1
    shift
    case $l_where in
    host) timeout 120 "$AIRLOCK_PROBE" "$@" ;;
    userns) timeout 120 unshare --user --map-root-user --mount --net "$AIRLOCK_PROBE" "$@" ;;
    offline)
        # shellcheck disable=SC2086 # run_opts is a list of options
        timeout 120 "$AIRLOCK" run offline --workspace "$ws" $run_opts -- \
            /workspace/airlock-probe "$@"
        ;;
    online)
        # shellcheck disable=SC2086,SC2016
        timeout 120 "$AIRLOCK" run online --inbox "$inbox" $run_opts -- /bin/sh -c \
            'cp /airlock/inbox/airlock-probe /tmp/airlock-probe && exec /tmp/airlock-probe "$@"' \
            airlock-probe "$@"
        ;;
    esac </dev/null >"$tmp/raw" 2>"$tmp/err"
}

# collect PROBE: reads the result of the last launch: $line is the probe's line (the pty's \r
# removed), $got its result word, $rc the exit status (set by the caller). Blanks before the
# name are skipped: they are the terminal's echo of a character TIOCSTI managed to inject.
collect() {
    tr -d '\r' <"$tmp/raw" >"$tmp/out"
    line=$(sed -n "s/^[[:space:]]*\($1: \)/\1/p" "$tmp/out" | head -n 1)
    got=${line#"$1: "}
    got=${got%% *}
}

# probe WHERE PROBE [ARGS...]: launch and collect.
probe() {
    launch "$@" && rc=0 || rc=$?
    collect "$2"
}

show() {
    sed 's/^/    | /' "$tmp/out" "$tmp/err" | head -n 20
}

# check WHERE WANT DESCRIPTION -- PROBE [ARGS...]: the probe's result must be one of WANT
# ("ok", "EPERM", "ECONNREFUSED|EACCES", ...), and the exit status must agree with it
# (0 for ok, 1 otherwise), which also checks that airlock run passes the status through.
# For a control, results after a "/" are the host's own refusals (bpf for an unprivileged
# user, "ok/EPERM"): accepted and reported, since the confined run proves the point alone.
check() {
    c_where=$1
    c_want=${2%%/*}
    c_refused=""
    case $2 in */*) c_refused=${2#*/} ;; esac
    c_desc=$3
    shift 4
    probe "$c_where" "$@"
    if [ -z "$line" ]; then
        not_ok "$c_where: $c_desc (no result line from $1, exit $rc)"
        show
        return 0
    fi
    case "|$c_want|$c_refused|" in
    *"|$got|"*) ;;
    *)
        not_ok "$c_where: $c_desc (got '$line', wanted $c_want)"
        show
        return 0
        ;;
    esac
    c_rc=1
    [ "$got" = ok ] && c_rc=0
    if [ "$rc" != "$c_rc" ]; then
        not_ok "$c_where: $c_desc ('$line' but exit $rc, wanted $c_rc)"
        show
        return 0
    fi
    ok "$c_where: $c_desc ($line)"
    case "|$c_refused|" in
    *"|$got|"*)
        echo "#   this host refuses it unconfined too ($got), so this control shows nothing;" \
            "the confined runs must still give the compartment's errno"
        ;;
    esac
}

# inside WANT DESCRIPTION -- PROBE [ARGS...]: check in both compartments.
inside() {
    check offline "$@"
    check online "$@"
}

# host_absent PATH DESCRIPTION: nothing a compartment did may appear on the host.
host_absent() {
    if [ -e "$1" ] || [ -L "$1" ]; then
        not_ok "$2 ($1 exists on the host)"
        rm -f "$1"
    else
        ok "$2"
    fi
}

ms() {
    date +%s%3N
}

# responsive DESCRIPTION: a trivial host command must finish within 2 s.
responsive() {
    r_t0=$(ms)
    timeout 30 sh -c ':' || true
    r_dt=$(($(ms) - r_t0))
    if [ "$r_dt" -lt 2000 ]; then ok "$1 (${r_dt} ms)"; else not_ok "$1 (${r_dt} ms)"; fi
}

# bomb WHERE DESCRIPTION -- PROBE [ARGS...]: starts the probe in the background, checks
# twice that the host stays responsive while it runs, then collects its result.
bomb() {
    b_where=$1
    b_desc=$2
    shift 3
    launch "$b_where" "$@" &
    b_pid=$!
    sleep 2
    responsive "$b_where: the host responds during the $b_desc"
    sleep 1
    responsive "$b_where: the host still responds during the $b_desc"
    wait "$b_pid" && rc=0 || rc=$?
    collect "$1"
}

# start_listener LOG PROBE ARGS...: starts a host listener and waits for its "ok" line.
start_listener() {
    s_log=$1
    shift
    "$AIRLOCK_PROBE" "$@" 900 </dev/null >"$s_log" 2>&1 &
    listeners="$listeners $!"
    listener_pid=$!
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        if grep -q "^$1: ok" "$s_log"; then return 0; fi
        sleep 0.25
    done
    echo "FAIL: cannot start the host listener '$*':"
    sed 's/^/    /' "$s_log"
    exit 1
}

# ---- host listeners the compartments must not reach -------------------------------------------

start_listener "$tmp/tcp.log" listen-tcp 127.0.0.1 0
tcp_port=$(sed -n 's/^listen-tcp: ok \([0-9]*\).*/\1/p' "$tmp/tcp.log")
tcp_pid=$listener_pid
start_listener "$tmp/tcp-any.log" listen-tcp 0.0.0.0 0
tcp_any_port=$(sed -n 's/^listen-tcp: ok \([0-9]*\).*/\1/p' "$tmp/tcp-any.log")
abstract=airlock-escape-$$
start_listener "$tmp/abstract.log" listen-abstract "$abstract"
start_listener "$tmp/unix.log" listen-unix "$host/sock"
start_listener "$tmp/udp.log" listen-udp 127.0.0.1 0
udp_port=$(sed -n 's/^listen-udp: ok \([0-9]*\).*/\1/p' "$tmp/udp.log")
host_ip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -m 1 '^[0-9.]*$' || true)

# Descriptors a careless launcher would pass on: a host file, a host file open for writing
# and a host directory (an openat(2) away from everything under it).
exec 7<"$tmp/secret.txt" 8>>"$host/fd8.log" 9<"$host"

echo "# the compartments as the probe sees them:"
for where in offline online; do
    probe "$where" whoami
    echo "#   $where: ${line:-no result, exit $rc}"
    probe "$where" list-dir /
    echo "#   $where: ${line:-no result, exit $rc}"
    probe "$where" env
    echo "#   $where: ${line:-no result, exit $rc}"
done

# ---- host files ---------------------------------------------------------------------------------

check host "ok/EACCES" "/etc/shadow exists on the host" -- read-file /etc/shadow
inside ENOENT "/etc/shadow is not there" -- read-file /etc/shadow
check host ok "read a planted host file" -- read-file "$host/secret.txt"
inside ENOENT "a planted host file is not there" -- read-file "$host/secret.txt"
check host ok "read the host file next to the workspace via .." -- read-file "$ws/../secret.txt"
check offline ENOENT "/workspace/.. does not lead to the host" -- read-file /workspace/../secret.txt
check host ok "read a host file through a workspace symlink" -- read-file "$ws/link-secret"
check offline ENOENT "a workspace symlink to a host file leads nowhere" -- \
    read-file /workspace/link-secret

check host ok "list a host directory" -- list-dir "$host"
inside ENOENT "the host directory is not there" -- list-dir "$host"
if [ -n "${HOME:-}" ] && [ -d "$HOME" ] && [ "$HOME" != /home/agent ]; then
    check host ok "list the host HOME" -- list-dir "$HOME"
    inside ENOENT "the host HOME is not there" -- list-dir "$HOME"
fi
check host ok "list /sys" -- list-dir /sys
inside ENOENT "there is no /sys" -- list-dir /sys

# ---- writes outside the workspace ---------------------------------------------------------------

check host ok "write a host file" -- write-file "$host/outside.txt"
rm -f "$host/outside.txt"
inside ENOENT "no host directory to write into" -- write-file "$host/outside.txt"
host_absent "$host/outside.txt" "no file appeared in the host directory"
check offline ENOENT "a workspace symlink pointing out leads nowhere" -- \
    write-file /workspace/link-out
host_absent "$host/via-link.txt" "nothing was written through the symlink"
check offline "EACCES|EROFS" "no write beside the workspace via .." -- \
    write-file /workspace/../escape.txt
host_absent "$tmp/escape.txt" "nothing appeared beside the workspace"
inside "EROFS|EACCES" "/usr is read-only" -- write-file /usr/airlock-escape.txt
inside "EROFS|EACCES" "/etc/passwd cannot be opened for writing" -- open-write /etc/passwd
check online "EROFS|EACCES" "/airlock/inbox is read-only" -- write-file /airlock/inbox/x
check host "ok/EACCES|ENOENT" "/proc/sysrq-trigger on the host" -- \
    open-write /proc/sysrq-trigger
inside "EROFS|EACCES|ENOENT" "/proc/sysrq-trigger cannot be opened for writing" -- \
    open-write /proc/sysrq-trigger
# The places a compartment may write, so the refusals above are not a broken probe.
check offline ok "write into the workspace" -- write-file /workspace/inside.txt
if [ -f "$ws/inside.txt" ]; then ok "the workspace write reached the host's workspace"; else
    not_ok "the workspace write did not reach $ws"
fi
inside ok "write into /tmp" -- write-file /tmp/x
inside ok "write into HOME" -- write-file /home/agent/x
inside ok "write into the outbox" -- write-file /airlock/outbox/x

# ---- namespaces, mounts and privileged system calls ----------------------------------------------

check userns ok "mount a tmpfs in a plain user namespace" -- mount
inside EPERM "mount is refused" -- mount
check userns ok "chroot in a plain user namespace" -- chroot
inside EPERM "chroot is refused" -- chroot
check host ok "create a user namespace" -- userns
inside EPERM "no nested user namespace (unshare)" -- userns
check host ok "clone into a user namespace" -- userns-clone
inside EPERM "no nested user namespace (clone)" -- userns-clone
check host ok "clone3 into a user namespace" -- clone3-userns
inside "EPERM|ENOSYS" "no nested user namespace (clone3)" -- clone3-userns
check host "ok/EPERM" "open_by_handle_at on the host's /usr" -- open-by-handle /usr
if [ "$got" = EPERM ]; then
    case $line in
    *name_to_handle_at=ok*) echo "#   (name_to_handle_at works; open_by_handle_at needs CAP_DAC_READ_SEARCH)" ;;
    *) not_ok "host: name_to_handle_at works unconfined ($line)" ;;
    esac
fi
inside EPERM "open_by_handle_at is refused" -- open-by-handle /usr
check host ok "keyctl reaches the user keyring" -- keyctl
inside EPERM "keyctl is refused" -- keyctl
check host ok "add_key" -- add-key
inside EPERM "add_key is refused" -- add-key
check host "ok/EPERM" "bpf map creation" -- bpf
inside EPERM "bpf is refused" -- bpf
check host "ok/EACCES" "perf_event_open on itself" -- perf
inside EPERM "perf_event_open is refused" -- perf
check host "ok/EPERM" "userfaultfd (user mode only)" -- userfaultfd
inside EPERM "userfaultfd is refused" -- userfaultfd
check host "ok/EPERM" "io_uring_setup" -- io-uring
inside EPERM "io_uring is refused" -- io-uring

# ---- processes ------------------------------------------------------------------------------------

check host "ok/EPERM" "ptrace the parent (PTRACE_SEIZE)" -- ptrace-parent
inside EPERM "ptrace of the parent is refused" -- ptrace-parent
check host ok "PTRACE_TRACEME" -- ptrace-traceme
inside EPERM "PTRACE_TRACEME is refused" -- ptrace-traceme
check host ok "signal a host process" -- kill-pid "$tcp_pid"
inside ESRCH "host processes cannot be signalled" -- kill-pid "$tcp_pid"
check host ok "threads" -- thread
inside ok "threads work inside" -- thread

probe host host-procs
n=$(echo "$line" | sed -n 's/^host-procs: \([0-9]*\).*/\1/p')
if [ -n "$n" ] && [ "$n" -gt 3 ]; then ok "host: $n processes visible unconfined"; else
    not_ok "host: host-procs control ($line)"
fi
for where in offline online; do
    probe "$where" host-procs
    n=$(echo "$line" | sed -n 's/^host-procs: \([0-9]*\).*/\1/p')
    if [ -n "$n" ] && [ "$n" -le 3 ]; then ok "$where: no host processes visible ($line)"; else
        not_ok "$where: host processes visible (${line:-no result, exit $rc})"
        show
    fi
done

probe host status
case $line in
*NoNewPrivs=[01]*Seccomp=[012]*CapEff=[0-9a-f]*) ok "host: status parses ($line)" ;;
*) not_ok "host: status control (${line:-no result})" ;;
esac
zero=0000000000000000
for where in offline online; do
    probe "$where" status
    for want in NoNewPrivs=1 Seccomp=2 CapInh=$zero CapPrm=$zero CapEff=$zero CapAmb=$zero \
        CapBnd=$zero; do
        case " $line " in
        *" $want "*) ok "$where: $want" ;;
        *) not_ok "$where: $want (${line:-no result, exit $rc})" ;;
        esac
    done
done

# A non-native architecture (x32 system-call numbers) is killed, not answered.
probe host x32-syscall
case $got in
ok | ENOSYS) ok "host: an x32 system call reaches the kernel ($line)" ;;
*) not_ok "host: x32 control (${line:-no result, exit $rc})" ;;
esac
for where in offline online; do
    probe "$where" x32-syscall
    if [ "$rc" = 159 ] && [ -z "$line" ]; then
        ok "$where: an x32 system call kills the process with SIGSYS (exit 159)"
    else
        not_ok "$where: x32 system call not killed (${line:-no result}, exit $rc)"
        show
    fi
done

# ---- inherited descriptors and environment --------------------------------------------------------

probe host inherited-fds
case $line in
*" 7="*" 8="*" 9="*) ok "host: the probe sees descriptors 7, 8 and 9 left open ($got)" ;;
*) not_ok "host: inherited-fds control (${line:-no result})" ;;
esac
inside ok "no descriptor of the caller is inherited" -- inherited-fds

probe host env ESCAPE_CANARY
case $line in
*SSH_AUTH_SOCK*GITHUB_TOKEN*) ok "host: the probe sees the leaked variables ($line)" ;;
*GITHUB_TOKEN*SSH_AUTH_SOCK*) ok "host: the probe sees the leaked variables ($line)" ;;
*) not_ok "host: env control (${line:-no result})" ;;
esac
case $line in
*ESCAPE_CANARY*) ok "host: the probe sees the canary variable" ;;
*) not_ok "host: env control misses ESCAPE_CANARY ($line)" ;;
esac
inside ok "no credential or unlisted variable passes (allowlist)" -- env ESCAPE_CANARY

# ---- terminal -------------------------------------------------------------------------------------

tiocsti_sysctl=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo unknown)
echo "# dev.tty.legacy_tiocsti=$tiocsti_sysctl"
check host "ok/EIO" "TIOCSTI into its own terminal" -- tiocsti pty
inside EPERM "TIOCSTI into the session terminal is refused" -- tiocsti
inside EPERM "TIOCSTI into a terminal of its own is refused" -- tiocsti pty
check host "ok/EIO" "TIOCSTI with the high 32 bits set" -- tiocsti-high pty
inside EPERM "TIOCSTI with the high 32 bits set is refused" -- tiocsti-high
check host "ok|ENOTTY|EINVAL" "TIOCLINUX reaches the tty layer" -- tioclinux pty
inside EPERM "TIOCLINUX is refused" -- tioclinux

# ---- network --------------------------------------------------------------------------------------

check host ok "connect to a TCP listener on the host's loopback" -- connect-tcp 127.0.0.1 "$tcp_port"
check offline EAFNOSUPPORT "no TCP socket offline" -- connect-tcp 127.0.0.1 "$tcp_port"
check online "ECONNREFUSED|EACCES" "the host's loopback is not this loopback" -- \
    connect-tcp 127.0.0.1 "$tcp_port"
if [ -n "$host_ip" ]; then
    check host ok "connect to the host's own address $host_ip" -- connect-tcp "$host_ip" "$tcp_any_port"
    check offline EAFNOSUPPORT "no TCP socket offline" -- connect-tcp "$host_ip" "$tcp_any_port"
    check online "ENETUNREACH|EACCES" "the host's address is unreachable" -- \
        connect-tcp "$host_ip" "$tcp_any_port"
else
    echo "# no non-loopback host address: the host-address checks do not apply"
fi
check online ok "the proxy listener at 127.0.0.1:3128 answers" -- connect-tcp 127.0.0.1 3128
check offline EAFNOSUPPORT "no proxy offline" -- connect-tcp 127.0.0.1 3128
if grep -q '^listen-tcp: accepted' "$tmp/tcp.log"; then
    n=$(grep -c '^listen-tcp: accepted' "$tmp/tcp.log")
    if [ "$n" = 1 ]; then ok "the host listener saw only the control's connection"; else
        not_ok "the host listener accepted $n connections"
    fi
fi

check host ok "connect to a host abstract unix socket" -- connect-abstract "$abstract"
inside "ECONNREFUSED|EPERM" "the host's abstract sockets are out of reach" -- \
    connect-abstract "$abstract"
check host ok "connect to a host unix socket by path" -- connect-unix "$host/sock"
inside ENOENT "the host's socket path is not there" -- connect-unix "$host/sock"

check host ok "send a UDP datagram to a host listener" -- udp-send 127.0.0.1 "$udp_port" from-host
check offline EAFNOSUPPORT "no UDP socket offline" -- udp-send 127.0.0.1 "$udp_port" from-offline
probe online udp-send 127.0.0.1 "$udp_port" from-online
echo "#   online: ${line:-no result, exit $rc}"
sleep 0.5
if grep -q 'got from-host' "$tmp/udp.log"; then ok "host: the UDP control arrived"; else
    not_ok "host: the UDP control did not arrive"
fi
if grep -q 'got from-o' "$tmp/udp.log"; then not_ok "a compartment's datagram reached the host"; else
    ok "no datagram from a compartment reached the host"
fi

inside ok "AF_UNIX sockets" -- unix-socket
for s in inet-socket inet6-socket; do
    check host ok "$s" -- "$s"
    check offline EAFNOSUPPORT "$s is refused offline" -- "$s"
    check online ok "$s is allowed online" -- "$s"
done
check host ok "inet-socket-high (family with the high 32 bits set)" -- inet-socket-high
check offline EAFNOSUPPORT "inet-socket-high is refused offline" -- inet-socket-high
check online "ok|EAFNOSUPPORT" "inet-socket-high online" -- inet-socket-high
for s in raw-socket raw6-socket raw-socket-flags raw-socket-high; do
    check userns ok "$s in a plain user and network namespace" -- "$s"
    check offline EAFNOSUPPORT "$s is refused offline" -- "$s"
    check online EPERM "$s is refused online" -- "$s"
done
check userns ok "packet-socket in a plain user and network namespace" -- packet-socket
inside EAFNOSUPPORT "packet sockets are refused" -- packet-socket
check host ok "netlink-socket" -- netlink-socket
inside EAFNOSUPPORT "netlink sockets are refused" -- netlink-socket
check host "ok/EAFNOSUPPORT" "vsock-socket (a channel to a VM's host)" -- vsock-socket
inside EAFNOSUPPORT "vsock sockets are refused" -- vsock-socket
check host "ok/EAFNOSUPPORT" "alg-socket (kernel crypto)" -- alg-socket
inside EAFNOSUPPORT "AF_ALG sockets are refused" -- alg-socket

# ---- resource exhaustion --------------------------------------------------------------------------

check host ok "fork 50 processes" -- fork-bomb 50 10 0
# Default limits (512 offline, 256 online); the probe stops itself at 4096.
for where in offline online; do
    case $where in
    offline) limit=512 ;;
    online) limit=256 ;;
    esac
    bomb "$where" "fork bomb" -- fork-bomb 4096 30 3
    n=$(echo "$line" | sed -n 's/.* after \([0-9]*\) processes.*/\1/p')
    if [ "$got" = EAGAIN ] && [ -n "$n" ] && [ "$n" -le "$limit" ]; then
        ok "$where: the fork bomb stopped ($line)"
    else
        not_ok "$where: the fork bomb was not stopped at the pids limit (${line:-no result}, exit $rc)"
        show
    fi
    responsive "$where: the host responds after the fork bomb"
done

check host ok "allocate and touch 64 MiB" -- memory-bomb 64
# offline with --memory 256 (the probe stops itself at 2048 MiB); online at its default 2048
# MiB (the probe stops itself at 3072 MiB). Contained is ENOMEM, or killed: 128+9.
for where in offline online; do
    case $where in
    offline) run_opts="--memory 256" cap=2048 ;;
    online) run_opts="" cap=3072 ;;
    esac
    bomb "$where" "memory bomb" -- memory-bomb "$cap" 60
    run_opts=""
    if [ "$got" = ENOMEM ] || { [ -z "$line" ] && [ "$rc" = 137 ]; }; then
        ok "$where: the memory bomb was contained (${line:-killed, exit $rc})"
    else
        not_ok "$where: the memory bomb was not contained (${line:-no result}, exit $rc)"
        show
    fi
    responsive "$where: the host responds after the memory bomb"
done

check host ok "write 1 MiB to a host file" -- outbox-flood "$host/flood" 1
# outbox-flood WHERE CAP_BYTES: the flood must end in ENOSPC at or below the cap.
flood() {
    probe "$1" outbox-flood /airlock/outbox/flood 64
    n=$(echo "$line" | sed -n 's/.*written=\([0-9]*\).*/\1/p')
    if [ "$got" = ENOSPC ] && [ -n "$n" ] && [ "$n" -le "$2" ]; then
        ok "$1${run_opts:+ $run_opts}: the outbox flood stopped at the cap ($line)"
    else
        not_ok "$1${run_opts:+ $run_opts}: the outbox flood was not stopped at $2 bytes" \
            "(${line:-no result}, exit $rc)"
        show
    fi
}
for where in offline online; do
    flood "$where" 262144
    run_opts="--outbox 64"
    flood "$where" 65536
    run_opts=""
done

exec 7<&- 8>&- 9<&-
finish
