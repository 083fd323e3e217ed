#!/usr/bin/env python3
"""replay.py: replays the control-protocol vectors against a real airlockd and compares.

    replay.py [--sessions] [--record] [--only NAME]

Without --sessions: every hostile vector (hostile/expected.tsv) and every golden transcript
that starts no session. With --sessions: the golden transcripts that need compartments
(`= needs compartments`); they skip (exit 77) on a kernel that cannot run them, and fail
instead when AIRLOCK_MUST_WORK=1. --record rewrites the expected lines (the `<` lines of the
transcripts, hostile/*.out) from what the daemon says; the tests never record.

AIRLOCK and AIRLOCKD name the binaries. Each golden transcript gets a daemon of its own
(tests/integration/ctl.py's World, with this directory's agent.sh and the golden approver key
tests/vectors/golden/test.pub), so no transcript depends on another. README.md describes the
transcript language and the normalisation.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(VECTORS, "..", "integration"))
from ctl import AIRLOCK, AIRLOCKD, Checks, World, need_binaries  # noqa: E402

TIMEOUT = 30
SENTINEL = b'{"op":"hello","tag":"end"}\n'

TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
SESSION = re.compile(r"(?<![0-9A-Za-z-])(?:offline|online)-[0-9a-f]{8}(?![0-9a-f])")
PLAN = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
PLACEHOLDER = re.compile(r"\{([SPH][0-9]+)\}|\{SIG:(P[0-9]+)(?::([a-z]+))?\}")
# Number fields whose value is the process's, not the protocol's.
NUMBERS = ("pid", "uptime_s")


class Mismatch(Exception):
    pass


def strict_object(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise Mismatch("key %r appears twice in a line from airlockd" % k)
        seen.add(k)
    return dict(pairs)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Names:
    """The variable values of one exchange and their placeholders, both ways.

    A session id, plan id or hash seen first in a line from the daemon is named by kind
    and order of first appearance ({S1}, {P1}, {H1}); one seen first in a request stands
    for itself, so an error detail that quotes a made-up id stays exact."""

    def __init__(self, base):
        self.base = base
        self.name = {}  # value -> placeholder
        self.value = {}  # placeholder -> value
        self.count = {"S": 0, "P": 0, "H": 0}
        self.sigs = {}  # signature text -> placeholder

    def bind(self, kind, v):
        if v not in self.name:
            self.count[kind] += 1
            p = "{%s%d}" % (kind, self.count[kind])
            self.name[v] = p
            self.value[p[1:-1]] = v
        return self.name[v]

    def literal(self, text):
        for pat in (HASH, PLAN, SESSION):
            for m in pat.finditer(text):
                self.name.setdefault(m.group(0), m.group(0))

    def string(self, s):
        # The daemon keeps an approval with its own first line (the unsigned comment): the
        # rest is matched whole, the first line normalised as any other text.
        head, nl, tail = s.partition("\n")
        if tail in self.sigs:
            return self.string(head) + nl + self.sigs[tail]
        s = s.replace(self.base, "{BASE}")
        s = TIME.sub("{TIME}", s)
        s = HASH.sub(lambda m: self.bind("H", m.group(0)), s)
        s = PLAN.sub(lambda m: self.bind("P", m.group(0)), s)
        return SESSION.sub(lambda m: self.bind("S", m.group(0)), s)

    def normalise(self, v, key=None):
        if isinstance(v, dict):
            if "artifact" in v:
                check_artifact(v)
            return {k: self.normalise(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [self.normalise(x) for x in v]
        if key == "artifact":
            return "{ARTIFACT}"
        if key == "version" and isinstance(v, str):
            return "{VERSION}"
        if key in NUMBERS and isinstance(v, int) and not isinstance(v, bool):
            return "{N}"
        if isinstance(v, str):
            return self.string(v)
        return v


def check_artifact(reply):
    """The artifact in a plan reply is the plan's: its length and BLAKE2b-256 as listed."""
    plan = reply.get("plan") or {}
    data = base64.b64decode(reply["artifact"], validate=True)
    if len(data) != plan.get("size") or \
            hashlib.blake2b(data, digest_size=32).hexdigest() != plan.get("hash"):
        raise Mismatch("the artifact is not the plan's bytes (size or hash differs)")


def normalise_line(raw, names):
    """A line from the daemon, checked for exact compact spelling, then normalised."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=strict_object)
    except (UnicodeDecodeError, ValueError) as e:
        raise Mismatch("not a JSON line: %r (%s)" % (raw[:200], e))
    if compact(value) != text:
        raise Mismatch("not in compact form with the daemon's key order: %r" % raw[:400])
    return compact(names.normalise(value)), value


class Raw:
    """One connection, read as lines; EOF is a line of its own (None)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(path)
        self.buf = b""
        self.eof = False

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf and not self.eof:
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
            self.buf += chunk
        if b"\n" not in self.buf:
            return None
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def close(self):
        self.sock.close()


def request(world, op, **args):
    c = Raw(world.sock)
    try:
        c.send(compact(dict(op=op, **args)).encode() + b"\n")
        return json.loads(c.line())
    finally:
        c.close()


def sign(world, names, pid, key):
    """The approval of plan pid's exact bytes by golden/<key>.key (airlock sign)."""
    r = request(world, "plan", id=pid)
    path = "%s/%s.airlock" % (world.base, pid)
    with open(path, "wb") as f:
        f.write(base64.b64decode(r["artifact"]))
    if os.path.exists(path + ".minisig"):
        os.unlink(path + ".minisig")
    subprocess.run([AIRLOCK, "sign", "--key", os.path.join(VECTORS, "golden", key + ".key"), path],
                   env=world.env, check=True, stdout=subprocess.DEVNULL)
    with open(path + ".minisig") as f:
        sig = f.read()
    names.sigs[sig.partition("\n")[2]] = "{SIG:%s%s}" % (names.name[pid][1:-1], "" if key == "test" else ":" + key)
    return sig


def substitute(world, names, line):
    def one(m):
        if m.group(1):
            if m.group(1) not in names.value:
                raise Mismatch("%s is used before a reply named it" % m.group(0))
            return names.value[m.group(1)]
        pid = names.value.get(m.group(2))
        if pid is None:
            raise Mismatch("%s is used before a reply named the plan" % m.group(0))
        return compact(sign(world, names, pid, m.group(3) or "test"))[1:-1]

    out = PLACEHOLDER.sub(one, line)
    names.literal(out)
    return out


def wait_transcript(world, sid, text):
    end = time.time() + TIMEOUT
    while time.time() < end:
        r = request(world, "transcript", session=sid)
        if r.get("ok") and text.encode() in base64.b64decode(r["data"]):
            return
        time.sleep(0.05)
    raise Mismatch("session %s never printed %r" % (sid, text))


def new_world():
    w = World()
    shutil.copy(os.path.join(HERE, "agent.sh"), w.bin + "/agent.sh")
    for ext in ("pub", "key"):
        shutil.copy(os.path.join(VECTORS, "golden", "test." + ext),
                    w.cfg + "/airlock/approver." + ext)
    os.chmod(w.cfg + "/airlock/approver.key", 0o600)
    w.start()
    return w


def parse_transcript(path):
    """Its lines as (kind, conn, text, line number): kind is > < = or # (kept verbatim)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f.read().split("\n")[:-1], 1):
            m = re.match(r"^([A-Z]?)([<>=]) ?(.*)$", line)
            if line.startswith("#") or line == "" or m is None:
                if not (line.startswith("#") or line == ""):
                    raise Mismatch("%s:%d: not a transcript line" % (path, n))
                out.append(("#", "", line, n))
                continue
            out.append((m.group(2), m.group(1), m.group(3), n))
    return out


def needs_compartments(lines):
    return any(k == "=" and c == "" and t == "needs compartments" for k, c, t, _ in lines)


def run_transcript(path, record):
    """Replays one golden transcript; returns the list of differences (and, recording,
    rewrites the file)."""
    lines = parse_transcript(path)
    name = os.path.basename(path)
    world = new_world()
    names = Names(world.base)
    conns, out, diffs = {}, [], []
    try:
        i = 0
        while i < len(lines):
            kind, c, text, n = lines[i]
            where = "%s:%d" % (name, n)
            if kind == "#":
                out.append(text)
            elif kind == ">":
                if c not in conns:
                    conns[c] = Raw(world.sock)
                # Consecutive requests on one connection go in one write: pipelined.
                batch = b""
                while i < len(lines) and lines[i][0] == ">" and lines[i][1] == c:
                    out.append("%s> %s" % (c, lines[i][2]))
                    batch += substitute(world, names, lines[i][2]).encode() + b"\n"
                    i += 1
                conns[c].send(batch)
                continue
            elif kind == "<":
                raw = conns[c].line()
                if raw is None:
                    got = "EOF"
                else:
                    try:
                        got, _ = normalise_line(raw, names)
                    except Mismatch as e:
                        got = "(%s)" % e
                if record:
                    out.append("%s< %s" % (c, got))
                elif got != text:
                    diffs.append("%s: expected\n    %s\n  got\n    %s" % (where, text, got))
                    if raw is None:
                        break
            elif kind == "=":
                out.append("%s= %s" % (c, text) if c else "= " + text)
                words = text.split(" ", 2)
                if c and text == "close":
                    conns.pop(c).close()
                elif words[0] == "wait":
                    wait_transcript(world, substitute(world, names, words[1]), words[2])
                elif text != "needs compartments":
                    raise Mismatch("%s: unknown directive %r" % (where, text))
            i += 1
        for c in conns.values():
            c.close()
    except (Mismatch, OSError, subprocess.CalledProcessError) as e:
        diffs.append("%s: %s\n%s" % (name, e, world.logtext()))
    finally:
        world.cleanup()
    if record and not diffs:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
    return diffs


def read_tsv():
    rows = []
    with open(os.path.join(HERE, "hostile", "expected.tsv"), encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line and not line.startswith("#"):
                rows.append(line.split("\t"))
    return rows


def run_hostile(world, row, record):
    """Sends hostile/<file> on a connection of its own, then (if the connection must stay
    open) a hello tagged "end" to show that it did. Returns the differences."""
    stem, _, want_errors, end, _ = row
    with open(os.path.join(HERE, "hostile", stem + ".in"), "rb") as f:
        data = f.read()
    names = Names(world.base)
    c = Raw(world.sock)
    got, errors, diffs = [], [], []
    try:
        c.send(data + (SENTINEL if end == "open" else b""))
        while True:
            raw = c.line()
            if raw is None:
                got.append("EOF")
                break
            line, value = normalise_line(raw, names)
            got.append(line)
            if value.get("tag") == "end":
                break
            errors.append("ok" if value.get("ok") is True else value.get("error", "?"))
    except (Mismatch, OSError) as e:
        got.append("(%s)" % e)
    finally:
        c.close()
    if ",".join(errors) != want_errors:
        diffs.append("%s: the replies' errors are %s, expected.tsv says %s" %
                     (stem, ",".join(errors) or "(none)", want_errors))
    if (got[-1] == "EOF") != (end == "closed"):
        diffs.append("%s: the connection was %s, expected %s" %
                     (stem, "closed" if got[-1] == "EOF" else "open", end))
    path = os.path.join(HERE, "hostile", stem + ".out")
    if record:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(got) + "\n")
        return diffs
    with open(path, encoding="utf-8") as f:
        want = f.read().split("\n")[:-1]
    if got != want:
        diffs.append("%s: expected\n    %s\n  got\n    %s" % (stem, "\n    ".join(want),
                                                              "\n    ".join(got)))
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", action="store_true")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--only")
    args = ap.parse_args()
    t = Checks()
    if not AIRLOCK or not AIRLOCKD:
        t.skip("AIRLOCK and AIRLOCKD must name the binaries")
    if args.sessions:
        need_binaries(t)

    golden = sorted(os.path.join(HERE, "golden", f)
                    for f in os.listdir(os.path.join(HERE, "golden")) if f.endswith(".txt"))
    for path in golden:
        name = os.path.basename(path)
        if args.only and args.only != name:
            continue
        if needs_compartments(parse_transcript(path)) != args.sessions:
            continue
        diffs = run_transcript(path, args.record)
        t.check(not diffs, "golden/" + name, "\n".join(diffs))

    if not args.sessions:
        rows = read_tsv()
        t.check(len(rows) >= 30 and all(len(r) == 5 for r in rows),
                "hostile/expected.tsv has its rows of 5 fields")
        files = {f[:-3] for f in os.listdir(os.path.join(HERE, "hostile")) if f.endswith(".in")}
        t.check(files == {r[0] for r in rows}, "every hostile/*.in has a row, every row a file",
                sorted(files ^ {r[0] for r in rows}))
        world = new_world()
        try:
            for row in rows:
                if args.only and args.only != row[0]:
                    continue
                diffs = run_hostile(world, row, args.record)
                t.check(not diffs, "hostile/%s: %s" % (row[0], row[2]), "\n".join(diffs))
            # The daemon outlived them all.
            r = request(world, "hello")
            t.check(r.get("ok") is True, "airlockd still answers after the hostile vectors", r)
        finally:
            world.cleanup()
    t.finish()


if __name__ == "__main__":
    main()
