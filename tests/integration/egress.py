#!/usr/bin/env python3
"""Integration test: the egress proxy through `airlock run online`.

Servers run in this process on 127.0.0.1 only (an HTTP server and an echo server); the
agent side is curl or a small Python client inside the online compartment, which reaches
them only through the proxy on 127.0.0.1:3128 of its own network namespace. Each case runs
a fresh compartment. Exit 77 skips when compartments cannot start here (fails instead under
AIRLOCK_MUST_WORK=1). Nothing is sent to any address outside 127.0.0.0/8.
"""
import http.server
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time

AIRLOCK = os.environ.get("AIRLOCK", "airlock")
MUST = os.environ.get("AIRLOCK_MUST_WORK") == "1"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("hello from %d %s\n" % (self.server.server_port, self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def http_server():
    s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


class Echo:
    """A selector echo server; counts connections open now."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(2048)
        self.ls.setblocking(False)
        self.port = self.ls.getsockname()[1]
        self.open = 0
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.ls, selectors.EVENT_READ)
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            for key, _ in self.sel.select():
                if key.fileobj is self.ls:
                    try:
                        c, _ = self.ls.accept()
                    except OSError:
                        continue
                    c.setblocking(False)
                    self.open += 1
                    self.sel.register(c, selectors.EVENT_READ)
                    continue
                c = key.fileobj
                try:
                    d = c.recv(65536)
                except OSError:
                    d = b""
                if not d:
                    self.sel.unregister(c)
                    c.close()
                    self.open -= 1
                    continue
                try:
                    c.sendall(d)
                except OSError:
                    pass


def run(args, inner, timeout=120):
    """Runs inner (argv) in an online compartment; returns (status, output, log records)."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as log:
        p = subprocess.run([AIRLOCK, "run", "online", "--egress-log", log.name] + args + ["--"] +
                           inner, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        recs = [json.loads(line) for line in open(log.name) if line.strip()]
    out = p.stdout.decode(errors="replace").replace("\r\n", "\n")
    return p.returncode, out + p.stderr.decode(errors="replace"), recs


def curl(args, *curl_args):
    return run(args, ["curl", "-sS", "-m", "10", "-o", "/dev/stdout", "-w", "\nCODE=%{http_code}\n"]
               + list(curl_args))


# A client for raw requests, run inside the compartment: python3 -c RAW <hex request>...
RAW = r"""
import socket, sys
for hexreq in sys.argv[1:]:
    s = socket.create_connection(("127.0.0.1", 3128))
    s.sendall(bytes.fromhex(hexreq))
    s.settimeout(10)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            data += d
            if b"\r\n\r\n" in data and not data.startswith(b"HTTP/1.1 200 Connection"): pass
    except socket.timeout:
        pass
    print("STATUS=" + (data.split(b"\r\n")[0].decode(errors="replace") if data else "EOF"))
"""


def raw(args, *reqs):
    return run(args, ["python3", "-c", RAW] + [r.hex() for r in reqs])


def main():
    if subprocess.run([AIRLOCK, "run", "online", "--", "true"], stdin=subprocess.DEVNULL,
                      capture_output=True).returncode != 0:
        print("skip: the online compartment cannot start here")
        sys.exit(1 if MUST else 77)
    if subprocess.run([AIRLOCK, "run", "online", "--", "sh", "-c", "command -v curl && command -v python3"],
                      stdin=subprocess.DEVNULL, capture_output=True).returncode != 0:
        print("skip: curl or python3 missing in the compartment")
        sys.exit(1 if MUST else 77)
    web = http_server()
    P = web.server_port
    web2 = http_server()
    P2 = web2.server_port
    echo = Echo()
    E = echo.port
    pin = ["--resolve", "fixture.test:%d=127.0.0.1:%d" % (P, P)]

    # No rule: everything denied, with a clear 403 and no lookup.
    st, out, recs = curl([], "http://fixture.test:%d/" % P)
    check("CODE=403" in out and "allowlist is empty" in out, "no --allow: 403 naming the empty allowlist")
    check(recs and recs[-1]["verdict"] == "deny" and recs[-1]["lookups"] == 0, "no --allow: denial recorded, no lookup")

    # An allowed (pinned) name, plain HTTP and CONNECT; its other ports and other names denied.
    allow = ["--allow", "fixture.test:%d" % P] + pin
    st, out, recs = curl(allow, "http://fixture.test:%d/x" % P)
    check("hello from %d /x" % P in out and "CODE=200" in out, "allowed name forwarded (GET)")
    check(any(r["phase"] == "end" and r["source"] == "pin" and r["lookups"] == 0 for r in recs), "pin used, no DNS lookup")
    st, out, recs = curl(allow, "-p", "http://fixture.test:%d/t" % P)
    check("hello from %d /t" % P in out, "allowed name tunnelled (CONNECT)")
    check(any(r["method"] == "CONNECT" and r["phase"] == "end" and r["bytes_down"] > 0 for r in recs), "tunnel record counts bytes")
    st, out, recs = curl(allow + ["--resolve", "fixture.test:%d=127.0.0.1:%d" % (P2, P2)], "http://fixture.test:%d/" % P2)
    check("CODE=403" in out, "allowed name on another port: 403")
    st, out, recs = curl(allow, "http://secret.attacker.example/")
    check("CODE=403" in out, "unlisted name: 403")
    check(recs and recs[-1]["lookups"] == 0 and recs[-1]["source"] == "", "denied name: no DNS lookup (lookups 0)")
    # Keep-alive: two requests on one connection.
    st, out, recs = run(allow, ["curl", "-sS", "-m", "10", "http://fixture.test:%d/a" % P, "http://fixture.test:%d/b" % P])
    check("/a" in out and "/b" in out, "keep-alive: two requests answered")

    # Wildcards: subdomains at any depth, not the domain itself.
    wild = ["--allow", "*.fixture.test:%d" % P, "--resolve", "a.fixture.test:%d=127.0.0.1:%d" % (P, P),
            "--resolve", "b.c.fixture.test:%d=127.0.0.1:%d" % (P, P)] + pin
    st, out, _ = curl(wild, "http://a.fixture.test:%d/" % P)
    check("CODE=200" in out, "wildcard: a.fixture.test allowed")
    st, out, _ = curl(wild, "http://b.c.fixture.test:%d/" % P)
    check("CODE=200" in out, "wildcard: b.c.fixture.test allowed")
    st, out, _ = curl(wild, "http://fixture.test:%d/" % P)
    check("CODE=403" in out, "wildcard: the bare domain denied")

    # Literals: denied unless a rule names that address, whatever the spelling.
    def connect(host):
        return b"CONNECT %s:%d HTTP/1.1\r\n\r\n" % (host.encode(), E)
    st, out, _ = raw([], connect("127.0.0.1"), connect("0x7f.1"), connect("2130706433"), connect("[::ffff:127.0.0.1]"))
    check(out.count("STATUS=HTTP/1.1 403") == 4, "literals without a rule: 4 x 403")
    lit = ["--allow", "127.0.0.1:%d" % E]
    st, out, _ = raw(lit, connect("127.0.0.1"), connect("0x7f.1"), connect("2130706433"), connect("0177.0.0.1"), connect("[::ffff:127.0.0.1]"), connect("127.0.0.2"))
    lines = [l for l in out.splitlines() if l.startswith("STATUS=")]
    check(lines[:4] == ["STATUS=HTTP/1.1 200 Connection established"] * 4, "a rule naming 127.0.0.1 allows its every IPv4 spelling")
    check(lines[4:] == ["STATUS=HTTP/1.1 403 Forbidden"] * 2, "not the mapped IPv6 form, not another address")

    # Rebinding: a name that resolves (hosts file) to loopback is refused unless the address is named.
    st, out, recs = curl(["--allow", "localhost:%d" % P], "http://localhost:%d/" % P)
    check("CODE=403" in out and "loopback" in out, "localhost -> 127.0.0.1 refused (rebinding)")
    check(recs and recs[-1]["lookups"] == 1, "the allowed name was looked up (positive control for lookups)")
    st, out, recs = curl(["--allow", "localhost:%d" % P, "--allow", "127.0.0.1:%d" % P], "http://localhost:%d/" % P)
    check("CODE=200" in out, "allowed once a rule names 127.0.0.1")

    # Malformed requests and oversized heads.
    st, out, _ = raw(allow, b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n",
                     b"GET http://fixture.test:%d/ HTTP/1.1\nHost: x\n\n" % P,
                     b"GET https://fixture.test/ HTTP/1.1\r\n\r\n",
                     b"GET http://fixture.test:%d/ HTTP/1.1\r\nX: %s\r\n\r\n" % (P, b"a" * 20000),
                     b"GET http://fixture.test:%d/ HTTP/2.0\r\n\r\n" % P)
    lines = [l for l in out.splitlines() if l.startswith("STATUS=")]
    check(lines == ["STATUS=HTTP/1.1 400 Bad Request"] * 4 +
          ["STATUS=HTTP/1.1 431 Request Header Fields Too Large", "STATUS=HTTP/1.1 505 HTTP Version Not Supported"],
          "malformed: 400 x4, 431, 505 (%s)" % lines)

    # A client sending one byte per second is cut off at the header timeout.
    slow = r"""
import socket, time
s = socket.create_connection(("127.0.0.1", 3128))
t = time.time(); msg = b"GET http://fixture.test/ HTTP/1.1\r\n"; out = b""
s.settimeout(1.2)
for i in range(30):
    try:
        s.send(msg[i:i+1])
        d = s.recv(4096)
        if not d: break
        out += d
        break
    except socket.timeout:
        continue
    except OSError:
        break
print("SLOW=%.1f %s" % (time.time() - t, out.split(b"\r\n")[0].decode()))
"""
    st, out, recs = run(allow + ["--header-timeout", "3"], ["python3", "-c", slow])
    secs = [float(l.split()[0][5:]) for l in out.splitlines() if l.startswith("SLOW=")]
    check(secs and secs[0] < 8 and "408" in out, "1 byte/s client cut off with 408 in %s s" % (secs[0] if secs else "?"))

    # 1,000 concurrent tunnels, each echoing its own message.
    many = r"""
import socket, sys
N = int(sys.argv[1]); port = int(sys.argv[2]); socks = []
for i in range(N):
    s = socket.create_connection(("127.0.0.1", 3128)); s.sendall(b"CONNECT echo.test:%d HTTP/1.1\r\n\r\n" % port); socks.append(s)
ok = 0
for i, s in enumerate(socks):
    s.settimeout(30); h = b""
    while b"\r\n\r\n" not in h:
        d = s.recv(4096)
        if not d: break
        h += d
    if h.startswith(b"HTTP/1.1 200"): ok += 1
print("ESTABLISHED=%d" % ok)
good = 0
for i, s in enumerate(socks):
    s.sendall(b"ping %d\n" % i)
for i, s in enumerate(socks):
    want = b"ping %d\n" % i; got = b""
    while len(got) < len(want):
        d = s.recv(100)
        if not d: break
        got += d
    good += got == want
print("ECHOED=%d" % good)
"""
    ec = ["--allow", "echo.test:%d" % E, "--resolve", "echo.test:%d=127.0.0.1:%d" % (E, E)]
    st, out, recs = run(ec + ["--max-conns", "1100"], ["python3", "-c", many, "1000", str(E)], timeout=300)
    check("ESTABLISHED=1000" in out and "ECHOED=1000" in out, "1000 concurrent tunnels established and echoing")
    check(sum(1 for r in recs if r["phase"] == "end" and r["verdict"] == "allow") == 1000, "1000 tunnel end records")

    # Over the connection cap: 503.
    st, out, _ = run(ec + ["--max-conns", "2"], ["python3", "-c", many, "3", str(E)])
    check("ESTABLISHED=2" in out, "max-conns 2: the third connection refused (503)")

    # A client that vanishes mid-tunnel (RST): the tunnel ends, the proxy serves on.
    vanish = r"""
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", 3128)); s.sendall(b"CONNECT echo.test:%d HTTP/1.1\r\n\r\n" % port)
print(s.recv(4096).split(b"\r\n")[0].decode()); s.sendall(b"x" * 100000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
time.sleep(1)
s = socket.create_connection(("127.0.0.1", 3128)); s.sendall(b"CONNECT echo.test:%d HTTP/1.1\r\n\r\n" % port)
print("AFTER=" + s.recv(4096).split(b"\r\n")[0].decode())
"""
    before = echo.open
    st, out, recs = run(ec, ["python3", "-c", vanish, str(E)])
    ends = [r for r in recs if r["phase"] == "end"]
    check("AFTER=HTTP/1.1 200" in out, "after a vanished client the proxy still serves")
    check(len(ends) == 2, "the vanished tunnel has its end record")
    time.sleep(0.5)
    check(echo.open == before, "the upstream side of both tunnels was closed (%d open)" % echo.open)

    # A direct connect() that ignores the proxy fails; through the proxy the same target works.
    direct = r"""
import errno, socket, sys
for host, port in (("127.0.0.1", int(sys.argv[1])), ("10.0.0.1", 80), ("192.0.2.1", 443)):
    try:
        socket.create_connection((host, port), timeout=3); print("DIRECT-CONNECTED")
    except OSError as e:
        print("DIRECT=" + errno.errorcode.get(e.errno, str(e.errno)))
"""
    st, out, _ = run(allow, ["python3", "-c", direct, str(P)])
    check("DIRECT-CONNECTED" not in out and out.count("DIRECT=") == 3, "direct connect() fails (%s)" %
          ",".join(l[7:] for l in out.splitlines() if l.startswith("DIRECT=")))

    web.shutdown()
    web2.shutdown()
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("all egress checks passed")


if __name__ == "__main__":
    main()
