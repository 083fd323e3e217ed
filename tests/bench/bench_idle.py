#!/usr/bin/env python3
"""bench_idle.py: what airlockd costs while nothing happens.

    AIRLOCK=build/airlockd/airlock AIRLOCKD=build/airlockd/airlockd \
        python3 tests/bench/bench_idle.py [SECONDS]

Starts the real daemon in a private world (tests/integration/ctl.py), opens two sessions
whose agents sleep, lets it settle, then reads its resident memory (VmRSS, and the peak
VmHWM) and the CPU time it used over SECONDS (default 10) of idleness from /proc. In the
same run it measures named peers the same way: tinyproxy (a small C daemon people run
for years; idle, when installed) and `sleep` (the floor of any process). The issue's goal
is under 8 MiB RSS and 0% CPU at idle with two sessions open; the last lines say whether
this run met each. Nothing fails on a figure: exit 1 only if the daemon does not work.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "integration"))
from ctl import World  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
TICK = os.sysconf("SC_CLK_TCK")


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def idle_cpu(pid, seconds):
    a = cpu_ticks(pid)
    time.sleep(seconds)
    return (cpu_ticks(pid) - a) / TICK / seconds * 100.0


def row(name, pid, seconds):
    rss = status_kib(pid, "VmRSS")
    hwm = status_kib(pid, "VmHWM")
    cpu = idle_cpu(pid, seconds)
    print("%-34s %8.2f MiB RSS %8.2f MiB peak %7.3f %% CPU" % (name, rss / 1024, hwm / 1024,
                                                                cpu))
    return rss, cpu


w = World()
peers = []
try:
    w.start()
    for side in ("offline", "online"):
        r = w.req("start", side=side, task="sleep")
        if not r.get("ok"):
            print("bench_idle: could not start a session: %r" % r)
            sys.exit(1)
    time.sleep(1.0)  # settle: the sessions' start is not idleness
    pid = w.proc.pid
    print("airlockd idle with %d sessions open, measured over %.0f s" %
          (w.req("status")["sessions"], SECONDS))
    rss, cpu = row("airlockd (2 sessions, idle)", pid, SECONDS)

    peer = subprocess.Popen(["sleep", "3600"])
    peers.append(peer)
    time.sleep(0.2)
    srss, _ = row("sleep 3600 (process floor)", peer.pid, min(SECONDS, 2.0))
    tp = None
    for path in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"):
        if os.path.exists(path):
            tp = path
    trss = None
    if tp:
        d = tempfile.mkdtemp()
        conf = d + "/tinyproxy.conf"
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with open(conf, "w") as f:
            f.write("Port %d\nListen 127.0.0.1\nMaxClients 4\nLogLevel Critical\n" % port)
            if os.getuid() == 0:
                f.write("User nobody\nGroup nogroup\n")
        peer = subprocess.Popen([tp, "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        peers.append(peer)
        time.sleep(0.5)
        if peer.poll() is None:
            trss, _ = row("tinyproxy -d (idle)", peer.pid, min(SECONDS, 2.0))
    else:
        print("tinyproxy                          not installed; no comparison")
    print()
    print("ratio airlockd / sleep RSS:     %.2fx" % (rss / srss))
    if trss:
        print("ratio airlockd / tinyproxy RSS: %.2fx" % (rss / trss))
    print("goal RSS < 8 MiB with two sessions open: %.2f MiB, %s" %
          (rss / 1024, "MET" if rss < 8 * 1024 else "NOT MET"))
    print("goal 0%% CPU when idle: %.3f %%, %s" % (cpu, "MET" if cpu < 0.05 else "NOT MET"))
finally:
    for p in peers:
        p.send_signal(signal.SIGKILL)
        p.wait()
    w.cleanup()
