#!/usr/bin/env python3
"""bench_proxy.py [--quick]: the egress proxy against tinyproxy and squid, same run, loopback.

Every proxy gets the equivalent allowlist (the literal 127.0.0.1 and the test ports only) and
the same clients: curl for a 100 MiB download through CONNECT, and a Python client for tiny
requests (a new connection each time: p50/p99 latency, requests/s, proxy CPU per request)
and for 256 idle tunnels (peak RSS of the proxy process). airlock's proxy is measured as
`airlock run online` serves it: the clients run inside the online compartment. Prints the
ratios and MET/NOT MET for the goals of issue 5. --quick: small sizes, for CTest (fails only
when a measurement cannot be made, never on the figures). Exit 77 when the compartment cannot
start here.
"""
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

AIRLOCK = os.environ.get("AIRLOCK", "airlock")
QUICK = "--quick" in sys.argv
BIG_MIB = 8 if QUICK else 100
N_TINY = 50 if QUICK else 1000
N_IDLE = 16 if QUICK else 256


# ---- servers (in a child process of this script) -------------------------------------------
def serve(port_file, big_path):
    class H(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            buf = b""
            while True:
                while b"\r\n\r\n" not in buf:
                    d = s.recv(65536)
                    if not d:
                        return
                    buf += d
                head, buf = buf.split(b"\r\n\r\n", 1)
                line = head.split(b"\r\n")[0]
                if line.startswith(b"ECHO"):  # the idle-tunnel server: echo, then wait
                    s.sendall(b"E")
                    s.recv(1)
                    return
                if b"/big" in line:
                    size = os.path.getsize(big_path)
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
                    with open(big_path, "rb") as f:
                        s.sendfile(f)
                    return
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    class S(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 1024

    srv = S(("127.0.0.1", 0), H)
    with open(port_file, "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()


# ---- the client, run on the host or inside the compartment ---------------------------------
CLIENT = r"""
import socket, sys, time
mode, proxy_port, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def connect():
    if proxy_port == 0:
        return socket.create_connection(("127.0.0.1", port))
    return socket.create_connection(("127.0.0.1", proxy_port))
print("READY", flush=True)
sys.stdin.readline()
if mode == "tiny":
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        s = connect()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        target = b"/t" if proxy_port == 0 else b"http://127.0.0.1:%d/t" % port
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        d = b""
        while not d.endswith(b"ok"):
            x = s.recv(4096)
            if not x: break
            d += x
        s.close()
        if not d.endswith(b"ok"): print("BAD", d[:80]); break
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    lat.sort()
    print("TINY %d %.1f %.1f %.1f" % (len(lat), lat[len(lat)//2]*1e6, lat[int(len(lat)*0.99)]*1e6, len(lat)/total), flush=True)
elif mode == "idle":
    socks = []
    for i in range(n):
        s = connect()
        if proxy_port:
            s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % port)
            h = b""
            while b"\r\n\r\n" not in h:
                h += s.recv(4096)
        s.sendall(b"ECHO\r\n\r\n")
        s.recv(1)
        socks.append(s)
    print("IDLE %d" % len(socks), flush=True)
    sys.stdin.readline()
print("DONE", flush=True)
"""


def proc_cpu(pids):
    t = 0
    for pid in pids:
        try:
            f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        except OSError:
            pass
    return t / os.sysconf("SC_CLK_TCK")


def proc_rss(pids):
    kb = 0
    for pid in pids:
        try:
            for line in open("/proc/%d/status" % pid):
                if line.startswith("VmRSS:"):
                    kb += int(line.split()[1])
        except OSError:
            pass
    return kb / 1024


def wait_for(p, word, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("client ended before %s" % word)
        line = line.decode(errors="replace").strip()
        if line.startswith(word):
            return line
    raise RuntimeError("timeout waiting for %s" % word)


class Peer:
    """A proxy to measure: how to run a command through it and which pids are it."""

    def __init__(self, name, port, pids, airlock_args=None):
        self.name, self.port, self.pids, self.airlock_args = name, port, pids, airlock_args

    def popen(self, argv):
        if self.airlock_args is not None:
            argv = [AIRLOCK, "run", "online", "--max-conns", "2048"] + self.airlock_args + ["--"] + argv
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if self.airlock_args is not None:
            self.pids = [p.pid]
        return p


def client(peer, mode, port, n):
    """Runs the client; returns (result line, proxy CPU seconds, proxy RSS MiB at the peak)."""
    pp = 0 if peer is None else (3128 if peer.airlock_args is not None else peer.port)
    runner = peer if peer is not None else Peer("direct", 0, [])
    p = runner.popen(["python3", "-c", CLIENT, mode, str(pp), str(port), str(n)])
    try:
        wait_for(p, "READY")
        pids = runner.pids
        c0 = proc_cpu(pids)
        p.stdin.write(b"\n")
        p.stdin.flush()
        line = wait_for(p, "TINY" if mode == "tiny" else "IDLE", 600)
        c1 = proc_cpu(pids)
        rss = 0.0
        if mode == "idle":
            time.sleep(0.5)
            rss = proc_rss(pids)
            p.stdin.write(b"\n")
            p.stdin.flush()
        wait_for(p, "DONE")
    finally:
        p.stdin.close()
        p.wait(timeout=60)
    return line, c1 - c0, rss


def throughput(peer, port):
    url = "http://127.0.0.1:%d/big" % port
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}\n", "-m", "120"]
    best = 0.0
    for _ in range(1 if QUICK else 3):
        if peer is None:
            argv = cmd + [url]
        elif peer.airlock_args is not None:
            argv = cmd + ["-p", url]  # the compartment's proxy variables point at the proxy
        else:
            argv = cmd + ["-p", "-x", "http://127.0.0.1:%d" % peer.port, url]
        p = peer.popen(argv) if peer is not None else subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
        out, _ = p.communicate(timeout=300)
        vals = [float(x) for x in out.decode().replace("\r", "").split() if x.replace(".", "").isdigit()]
        if vals:
            best = max(best, vals[-1] / (1 << 20))
    return best


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def start_tinyproxy(tmp, port, web):
    exe = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
    if not os.path.exists(exe):
        return None, None
    with open(tmp + "/tp.filter", "w") as f:
        f.write("^127\\.0\\.0\\.1$\n")
    with open(tmp + "/tp.conf", "w") as f:
        f.write("Port %d\nListen 127.0.0.1\nTimeout 600\nMaxClients 2048\nAllow 127.0.0.1\n"
                "Filter \"%s/tp.filter\"\nFilterDefaultDeny Yes\nFilterExtended On\n"
                "ConnectPort %d\nLogLevel Critical\nDisableViaHeader Yes\n" % (port, tmp, web))
    p = subprocess.Popen([exe, "-d", "-c", tmp + "/tp.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (p, [p.pid]) if wait_port(port) else (p, None)


def start_squid(tmp, port, web):
    exe = shutil.which("squid") or "/usr/sbin/squid"
    if not os.path.exists(exe):
        return None, None
    with open(tmp + "/squid.conf", "w") as f:
        f.write("http_port 127.0.0.1:%d\nacl dest dst 127.0.0.1/32\nacl ports port %d\n"
                "http_access allow dest ports\nhttp_access deny all\ncache deny all\n"
                "cache_mem 8 MB\naccess_log none\ncache_log /dev/null\npid_filename none\n"
                "shutdown_lifetime 1 second\nworkers 1\nmax_filedescriptors 4096\n"
                "via off\nforwarded_for delete\n" % (port, web))
    p = subprocess.Popen([exe, "-N", "-f", tmp + "/squid.conf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (p, [p.pid]) if wait_port(port) else (p, None)


def main():
    if subprocess.run([AIRLOCK, "run", "online", "--", "true"], stdin=subprocess.DEVNULL, capture_output=True).returncode != 0:
        print("skip: the online compartment cannot start here")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="bench-proxy-")
    big = tmp + "/big"
    with open(big, "wb") as f:
        f.truncate(BIG_MIB << 20)
    port_file = tmp + "/port"
    srv = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", port_file, big])
    procs = [srv]
    try:
        while not os.path.exists(port_file) or not open(port_file).read():
            time.sleep(0.05)
        web = int(open(port_file).read())
        peers = [Peer("airlock", 3128, [], ["--allow", "127.0.0.1:%d" % web])]
        for name, start in (("tinyproxy", start_tinyproxy), ("squid", start_squid)):
            port = free_port()
            p, pids = start(tmp, port, web)
            if p is not None:
                procs.append(p)
            if pids is None:
                print("%s: not available here; skipped" % name)
                continue
            peers.append(Peer(name, port, pids))
        res = {}
        res["direct"] = {"mibs": throughput(None, web)}
        line, _, _ = client(None, "tiny", web, N_TINY)
        _, n, p50, p99, rps = line.split()
        res["direct"].update(p50=float(p50), p99=float(p99), rps=float(rps))
        for peer in peers:
            r = res[peer.name] = {"mibs": throughput(peer, web)}
            line, cpu, _ = client(peer, "tiny", web, N_TINY)
            _, n, p50, p99, rps = line.split()
            r.update(p50=float(p50), p99=float(p99), rps=float(rps), cpu_us=cpu / int(n) * 1e6)
            line, _, rss = client(peer, "idle", web, N_IDLE)
            if line.split()[1] != str(N_IDLE):
                raise RuntimeError("%s: %s" % (peer.name, line))
            r["rss"] = rss
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    d = res["direct"]
    print("\n%d MiB download, %d tiny requests (new connection each), %d idle tunnels%s" %
          (BIG_MIB, N_TINY, N_IDLE, " (quick)" if QUICK else ""))
    print("%-10s %10s %8s %10s %10s %10s %10s %12s %9s" %
          ("proxy", "MiB/s", "x direct", "p50 us", "p99 us", "added p50", "req/s", "CPU us/req", "RSS MiB"))
    print("%-10s %10.0f %8s %10.0f %10.0f %10s %10.0f %12s %9s" % ("direct", d["mibs"], "1.00", d["p50"], d["p99"], "-", d["rps"], "-", "-"))
    for name, r in res.items():
        if name == "direct":
            continue
        r["added"] = r["p50"] - d["p50"]
        print("%-10s %10.0f %8.2f %10.0f %10.0f %10.0f %10.0f %12.0f %9.1f" %
              (name, r["mibs"], r["mibs"] / d["mibs"] if d["mibs"] else 0, r["p50"], r["p99"], r["added"], r["rps"], r["cpu_us"], r["rss"]))
    a, tp, sq = res["airlock"], res.get("tinyproxy"), res.get("squid")

    def goal(text, ok):
        print("%-62s %s" % (text, "MET" if ok else "NOT MET"))
    print()
    goal("throughput >= 0.55x direct (%.2fx)" % (a["mibs"] / d["mibs"]), a["mibs"] >= 0.55 * d["mibs"])
    if tp:
        goal("throughput >= 4x tinyproxy (%.1fx)" % (a["mibs"] / tp["mibs"]), a["mibs"] >= 4 * tp["mibs"])
        goal("added latency <= 1/3 of tinyproxy's (%.0f vs %.0f us)" % (a["added"], tp["added"]),
             a["added"] <= tp["added"] / 3)
        goal("RSS with %d idle tunnels <= tinyproxy's (%.1f vs %.1f MiB)" % (N_IDLE, a["rss"], tp["rss"]),
             a["rss"] <= tp["rss"])
    if sq:
        goal("throughput ahead of squid (%.2fx)" % (a["mibs"] / sq["mibs"]), a["mibs"] > sq["mibs"])
        goal("requests/s ahead of squid (%.0f vs %.0f)" % (a["rps"], sq["rps"]), a["rps"] > sq["rps"])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        main()
