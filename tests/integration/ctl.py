"""ctl.py: helpers shared by the daemon's integration tests (Python 3, standard library).

Each test gets its own world: a home, XDG config/state/runtime directories and a
workspace under one temporary directory, an approver key made by `airlock keygen`, and a
configuration whose agents are shell scripts. It starts the real airlockd and speaks the
real control protocol (docs/formats/control.md) to it over its Unix socket.
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

AIRLOCK = os.environ.get("AIRLOCK")
AIRLOCKD = os.environ.get("AIRLOCKD")


class Checks:
    """ok/not ok lines and the closing count, exit 0/1/77 like lib.sh."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, desc, detail=""):
        if cond:
            self.passed += 1
            print("ok - " + desc)
        else:
            self.failed += 1
            print("not ok - " + desc)
            if detail:
                for line in str(detail).splitlines()[:40]:
                    print("    " + line)
        sys.stdout.flush()
        return cond

    def skip(self, why):
        if os.environ.get("AIRLOCK_MUST_WORK") == "1":
            print("FAIL (AIRLOCK_MUST_WORK=1, cannot skip): " + why)
            sys.exit(1)
        print("SKIP: " + why)
        sys.exit(77)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(0 if self.failed == 0 else 1)


class Conn:
    def __init__(self, path, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, op, **args):
        msg = dict(op=op, **args)
        self.send_raw(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.readline()
            if r is None or "event" not in r:
                return r

    def close(self):
        self.sock.close()


class World:
    """One airlockd with its own directories, configuration and key."""

    def __init__(self, extra_config=None, base=None):
        # /var/tmp, not /tmp: the configuration refuses read-only binds beneath /tmp, and
        # the agents need one (the airlock binary, to verify what they were given).
        self.base = base or tempfile.mkdtemp(prefix="airlock-it-", dir="/var/tmp")
        os.chmod(self.base, 0o755)
        b = self.base
        self.home = b + "/home"
        self.cfg = b + "/cfg"
        self.state = b + "/state"
        self.run = b + "/run"
        self.ws = b + "/workspace"
        self.bin = b + "/bin"
        for d in (self.home, self.cfg + "/airlock", self.state, self.run, self.ws, self.bin):
            os.makedirs(d, exist_ok=True)
        os.chmod(self.run, 0o700)
        shutil.copy(AIRLOCK, self.bin + "/airlock")
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent.sh"),
                    self.bin + "/agent.sh")
        agent = ["/bin/sh", self.bin + "/agent.sh", "{task}", "{plan}"]
        os.chmod(self.bin, 0o755)
        self.env = dict(os.environ)
        self.env.update(HOME=self.home, XDG_CONFIG_HOME=self.cfg, XDG_STATE_HOME=self.state,
                        XDG_RUNTIME_DIR=self.run, AIRLOCK_LOG="info")
        self.env.pop("AIRLOCK_TEST_CRASH", None)
        config = {
            "offline": {"command": agent, "workspace": self.ws, "ro_binds": [self.bin]},
            "online": {"command": agent, "ro_binds": [self.bin]},
        }
        for k, v in (extra_config or {}).items():
            if isinstance(v, dict) and k in config:
                config[k].update(v)
            else:
                config[k] = v
        self.config_path = self.cfg + "/airlock/airlock.json"
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        os.chmod(self.config_path, 0o600)
        self.keygen()
        self.sock = self.run + "/airlock/airlockd.sock"
        self.proc = None
        self.log = open(b + "/airlockd.log", "ab")

    def keygen(self, name="approver"):
        subprocess.run([AIRLOCK, "keygen", "-W", "-f", "-p", self.cfg + "/airlock/%s.pub" % name,
                        "-s", self.cfg + "/airlock/%s.key" % name], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self.cfg + "/airlock/%s.key" % name

    def start(self, crash_at=None, wait=True):
        env = dict(self.env)
        if crash_at:
            env["AIRLOCK_TEST_CRASH"] = crash_at
        self.proc = subprocess.Popen([AIRLOCKD], env=env, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        if wait:
            self.wait_socket()
        return self.proc

    def wait_socket(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("airlockd exited with %d:\n%s" % (self.proc.returncode,
                                                                      self.logtext()))
            try:
                c = Conn(self.sock, timeout=5)
                r = c.request("hello")
                c.close()
                if r and r.get("ok"):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("airlockd did not come up:\n" + self.logtext())

    def logtext(self):
        self.log.flush()
        with open(self.base + "/airlockd.log", "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def conn(self):
        return Conn(self.sock)

    def req(self, op, **args):
        c = self.conn()
        try:
            return c.request(op, **args)
        finally:
            c.close()

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def wait_dead(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def cleanup(self):
        self.stop(signal.SIGKILL)
        self.log.close()
        shutil.rmtree(self.base, ignore_errors=True)

    # -- protocol conveniences --

    def plans(self, state=None):
        ps = self.req("plans")["plans"]
        return [p for p in ps if state is None or p["state"] == state]

    def session(self, sid):
        for s in self.req("sessions")["sessions"]:
            if s["id"] == sid:
                return s
        return None

    def wait_for(self, fn, timeout=30, what="condition"):
        end = time.time() + timeout
        while time.time() < end:
            v = fn()
            if v:
                return v
            time.sleep(0.05)
        raise RuntimeError("timed out waiting for " + what + "\n" + self.logtext())

    def wait_ended(self, sid, timeout=30):
        return self.wait_for(lambda: (self.session(sid) or {}).get("state") == "ended"
                             and self.session(sid), timeout, "session %s to end" % sid)

    def artifact(self, pid):
        r = self.req("plan", id=pid)
        return base64.b64decode(r["artifact"])

    def sign(self, pid, key=None, art=None):
        """Signs the pending plan's exact bytes with `airlock sign`; returns the .minisig."""
        path = "%s/%s.airlock" % (self.base, pid)
        with open(path, "wb") as f:
            f.write(art if art is not None else self.artifact(pid))
        if os.path.exists(path + ".minisig"):
            os.unlink(path + ".minisig")
        subprocess.run([AIRLOCK, "sign", "--key", key or self.cfg + "/airlock/approver.key", path],
                       env=self.env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        with open(path + ".minisig") as f:
            return f.read()


def http_fixture(body=lambda path: b"page " + path.encode() + b"\n"):
    """A loopback HTTP/1.1 server in a thread, for online agents to reach through the
    proxy: returns (server, port). GET answers 200 with body(path); shut it down with
    server.shutdown()."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            data = body(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def need_binaries(checks):
    if not AIRLOCK or not AIRLOCKD:
        checks.skip("AIRLOCK and AIRLOCKD must name the binaries")
    r = subprocess.run([AIRLOCK, "check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        print(r.stdout.decode(errors="replace"))
        checks.skip("airlock check says this kernel cannot run compartments")
