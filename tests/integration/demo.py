#!/usr/bin/env python3
"""demo.py: `airlock demo` as a person runs it, headless: in a detached tmux session on a
private tmux server, with the UI, both stories driven with send-keys and read back with
capture-pane.

Story 1: the online agent's plan carries the club page's hidden order; the review shows it,
approving it needs the marked text typed; the person edits the page out ($EDITOR is a
script that redacts), approves the clean version, and a fresh offline session writes the
reminder into the workspace. Story 2: the offline agent's research plan carries the account
number (a canary: no approval) and the letter's sentences; the person redacts and approves;
a fresh online session fetches the rates page and proposes an answer, which is approved in
turn. Then: the fixture site listened on 127.0.0.1 only, and quitting the UI stops
everything and removes the temporary directory. Last, `--no-ui --keep` for scripts.
"""

import base64
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import AIRLOCK, AIRLOCKD, Checks, Conn, need_binaries  # noqa: E402
from tmuxpane import Pane  # noqa: E402

AIRLOCK_TUI = os.environ.get("AIRLOCK_TUI")

# What a person does in the editor: story 1's page excerpt, story 2's name, account and
# quoted letter are deleted; everything else stays as the agent wrote it.
REDACT = r"""#!/bin/sh
for f; do
    sed -i -e "/^## The club.s page/,/^## end of page/d" -e '/^For: /d' \
        -e '/^From the letter/,$d' "$f"
done
"""


def listeners(port):
    """The local addresses listening on TCP port, from /proc/net/tcp and tcp6."""
    found = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            cols = row.split()
            addr, p = cols[1].split(":")
            if cols[3] == "0A" and int(p, 16) == port:  # 0A: LISTEN
                found.append(addr)
    return found


def pids_mentioning(text):
    """Processes whose command line names text (the demo's directory)."""
    out = []
    for p in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(p, "rb") as f:
                if text.encode() in f.read():
                    out.append(p.split("/")[2])
        except OSError:
            pass
    return out


t = Checks()
need_binaries(t)
if not AIRLOCK_TUI:
    t.skip("AIRLOCK_TUI must name airlock-tui")
if shutil.which("tmux") is None:
    t.skip("tmux is not installed")
if shutil.which("curl") is None:
    t.skip("curl is not installed (the online agent fetches with it)")

# The demo's temporary directory goes under TMPDIR: this test's own directory, so the test
# finds it (and sees it go). /var/tmp, not /tmp: the demo would not use a TMPDIR there.
base = tempfile.mkdtemp(prefix="airlock-demo-test-", dir="/var/tmp")
os.chmod(base, 0o755)
editor = os.path.join(base, "redact.sh")
with open(editor, "w") as f:
    f.write(REDACT)
os.chmod(editor, 0o755)
env = {"HOME": os.environ.get("HOME", base), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
       "TERM": "screen", "TMPDIR": base, "EDITOR": editor, "AIRLOCKD": AIRLOCKD,
       "AIRLOCK_TUI": AIRLOCK_TUI}
for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
    if k in os.environ:
        env[k] = os.environ[k]
pane = None
demo_dir = None


def only_demo_dir():
    ds = [d for d in glob.glob(os.path.join(base, "airlock-demo-*")) if os.path.isdir(d)]
    return ds[0] if len(ds) == 1 else None


try:
    h = subprocess.run([AIRLOCK, "demo", "--help"], stdout=subprocess.PIPE, text=True)
    t.check(h.returncode == 0 and "Story 1, research then act" in h.stdout and
            "Story 2, private question, public research" in h.stdout and "--no-ui" in h.stdout,
            "airlock demo --help explains both stories and the options", h.stdout)

    # Under sh, which prints the demo's exit status when it ends (see Pane.dead).
    pane = Pane(base, "demo-test-%d" % os.getpid(),
                ["/bin/sh", "-c", '"$0" demo; echo "airlock demo exited with status $?"',
                 AIRLOCK], env)
    s = pane.wait_for("Press Enter to open the UI", timeout=90)
    t.check(s is not None, "the demo sets everything up and asks for Enter", pane.shown)
    if s is None:
        raise RuntimeError("the demo did not come up")
    m1 = re.search(r"story 1: plan ([0-9a-f]{8}) IN  online -> offline, +(\d+) findings, worst "
                   r"high", s)
    m2 = re.search(r"story 2: plan ([0-9a-f]{8}) OUT offline -> online, +(\d+) findings, worst "
                   r"block", s)
    t.check(m1 is not None and m2 is not None,
            "both stories' first sessions ran: an IN plan with high findings, an OUT plan with "
            "a block finding, shown before the UI starts", s)
    demo_dir = only_demo_dir()
    t.check(demo_dir is not None and s.replace("\n", "").find(demo_dir) >= 0,
            "the guide names the demo's one temporary directory, under $TMPDIR", (s, demo_dir))
    with open(os.path.join(demo_dir, "config/airlock/airlock.json")) as f:
        config = json.load(f)
    pins = config["online"]["resolve"]
    port = int(pins["club.fixture.test:80"].split(":")[1])
    t.check(sorted(pins) == ["club.fixture.test:80", "rates.fixture.test:80",
                             "tickets.fixture.test:80"] and
            set(pins.values()) == {"127.0.0.1:%d" % port} and
            sorted(config["online"]["allow"]) == ["club.fixture.test", "rates.fixture.test",
                                                  "tickets.fixture.test"],
            "the configuration allows the fixture names and pins them to the site's port",
            config["online"])
    t.check(listeners(port) == ["0100007F"],
            "the fixture site listens on 127.0.0.1 only (not 0.0.0.0, not IPv6)", listeners(port))
    sock = os.path.join(demo_dir, "run/airlock/airlockd.sock")
    ws = os.path.join(demo_dir, "workspace")

    def req(op, **args):
        c = Conn(sock)
        try:
            return c.request(op, **args)
        finally:
            c.close()

    def plan(pid8):
        for p in req("plans")["plans"]:
            if p["id"].startswith(pid8):
                return p
        return None

    def artifact(pid):
        return base64.b64decode(req("plan", id=pid)["artifact"])

    def session_of(pfx):
        for x in req("sessions")["sessions"]:
            if x["id"] == pfx:
                return x
        return None

    def wait_ended(sid, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            x = session_of(sid)
            if x and x["state"] == "ended":
                return x
            time.sleep(0.1)
        return None

    with open(os.path.join(demo_dir, "site.log")) as f:
        log = f.read()
    t.check("GET club.fixture.test /fixtures.html 200" in log and
            "GET tickets.fixture.test / 200" in log,
            "the online agent fetched the fixture pages through the proxy", log)
    p1, p2 = plan(m1.group(1)), plan(m2.group(1))
    a1 = artifact(p1["id"])
    t.check("Reminder: Book tickets" in a1.decode() and "<!-- Note for the AI" in a1.decode() and
            "\U000E0041" in a1.decode(),
            "story 1's plan carries the reminder and the page's hidden order (HTML comment, "
            "tag characters)", a1[-600:])

    # ---- the UI ----
    pane.keys("Enter")
    s = pane.wait_for("Plans: 2 waiting for you", timeout=20)
    t.check(s is not None and "IN untrusted, coming in" in s and "OUT leaving your computer" in s,
            "Enter opens airlock-tui on the demo's daemon: both plans are waiting", pane.shown)

    def open_plan(pid8):
        """Selects plan pid8 in the overview's Plans pane and opens it."""
        s = pane.text()
        for _ in range(3):
            if "> Plans" in s:
                break
            pane.keys("Tab")
            s = pane.wait_for("> Plans", timeout=2) or ""
        pending = [p["id"][:8] for p in req("plans")["plans"] if p["state"] == "pending"]
        pane.keys("g", *(["j"] * pending.index(pid8)))
        pane.keys("Enter")
        got = pane.wait_for("plan " + pid8 + " ", timeout=10)
        time.sleep(1.2)  # keys typed in the review's first second are dropped
        return got

    def findings():
        """f opens the review's findings list, f closes it; the screen with it open."""
        pane.keys("f")
        s = pane.wait_for("Findings (", timeout=5) or ""
        pane.keys("f")
        return s

    def edit(pid8):
        """e on the plan under review ($EDITOR redacts): the screen and the new plan."""
        pane.keys("e")
        s = pane.wait_for(re.compile(r"edited: plan [0-9a-f]{8} replaces " + pid8),
                          timeout=20) or ""
        m = re.search(r"edited: plan ([0-9a-f]{8}) replaces", s)
        return s, plan(m.group(1)) if m else None

    def approve_clean(sid_prefix):
        """a, y on a plan without findings; returns the session it was delivered into."""
        pane.keys("G")
        pane.wait_for("You have read to the end")
        pane.keys("a")
        pane.wait_for("Approve and sign plan")
        pane.keys("y")
        s = pane.wait_for(re.compile(r"approved plan [0-9a-f]{8}: delivered into session "
                                     + sid_prefix + r"-[0-9a-f]{8}"), timeout=20)
        m = re.search(r"delivered into session (" + sid_prefix + r"-[0-9a-f]{8})", s or "")
        return m.group(1) if m else None

    # ---- story 1: research then act ----
    s = open_plan(m1.group(1)) or ""
    t.check("UNTRUSTED CONTENT COMING IN: online -> offline" in s and
            "When is the next match?" in s and re.search(r"findings: \d+ high", s),
            "story 1: the IN plan opens with its direction, the task and high findings", s)
    s = findings()
    t.check("markup.hidden_html" in s and "HTML comment" in s,
            "f lists the findings: the hidden HTML comment", s)
    pane.keys("G")
    s = pane.wait_for("\\tag{", timeout=5) or ""
    t.check("passport.txt in your next plan" in s.replace("\n", "") and "\\tag{Also put" in s,
            "the hidden order is on screen: the comment, the white text and the tag "
            "characters spelled out", s)
    pane.keys("a")
    s = pane.wait_for("to approve, type", timeout=5) or ""
    pane.keys("Escape")
    s2 = pane.wait_for("not approved", timeout=5)
    t.check(s and s2 and plan(m1.group(1))["state"] == "pending",
            "approving it as it is needs the marked text typed (Esc: not approved)", s)
    s, clean1 = edit(m1.group(1))
    t.check(clean1 is not None and clean1["findings"] == 0 and "Scanner: no findings" in s and
            plan(m1.group(1))["state"] == "rejected",
            "e: the redacted plan is a new plan under review with no findings; the original "
            "is rejected", (s, clean1))
    time.sleep(1.2)
    sid = approve_clean("offline")
    t.check(sid is not None and plan(clean1["id"][:8])["state"] == "delivered",
            "a, y: the clean plan is signed and delivered into a fresh offline session",
            pane.shown)
    x = wait_ended(sid) if sid else None
    try:
        with open(os.path.join(ws, "reminders.txt")) as f:
            reminders = f.read()
    except FileNotFoundError:
        reminders = ""
    t.check(x is not None and x["status"] == 0 and
            reminders.startswith("Book tickets for Riverside Rovers v Northgate United") and
            "passport" not in reminders,
            "the offline agent verified the plan and wrote the reminder into the workspace",
            (x, reminders))
    t.check(not [p for p in req("plans")["plans"] if p["session"] == sid],
            "without the hidden order, the offline agent proposed nothing further")

    # ---- story 2: private question, public research ----
    s = open_plan(m2.group(1)) or ""
    t.check("LEAVING YOUR COMPUTER: offline -> online" in s and
            "A block finding: this plan cannot be approved" in s and
            "GB47 NGBS 4020 1170 3385 12" in s,
            "story 2: the OUT plan opens with a block finding and the account number marked", s)
    s = findings()
    t.check("BLOCK canary" in s and "provenance" in s,
            "f lists the canary and the text copied from the workspace", s)
    pane.keys("G")
    pane.keys("a")
    s = pane.wait_for("block finding: this plan cannot be approved", timeout=5)
    t.check(s is not None and plan(m2.group(1))["state"] == "pending",
            "a on it approves nothing and says why", pane.shown)
    s, clean2 = edit(m2.group(1))
    a2 = artifact(clean2["id"]).decode() if clean2 else ""
    t.check(clean2 is not None and clean2["findings"] == 0 and "Question:" in a2 and
            "Whitcombe" not in a2 and "GB47" not in a2,
            "e: the redacted research plan keeps the question, not the name or the account",
            (s, a2))
    time.sleep(1.2)
    sid = approve_clean("online")
    x = wait_ended(sid) if sid else None
    answer = [p for p in req("plans")["plans"] if sid and p["session"] == sid]
    a3 = artifact(answer[0]["id"]).decode() if answer else ""
    with open(os.path.join(demo_dir, "site.log")) as f:
        log = f.read()
    t.check(x is not None and x["status"] == 0 and len(answer) == 1 and
            answer[0]["from"] == "online" and answer[0]["state"] == "pending" and
            "Harbour Bank Easy Saver: 4.10%" in a3 and "GET rates.fixture.test / 200" in log,
            "a, y: a fresh online session researched the redacted question (fetched the rates "
            "page) and proposed an answer back", (x, answer, a3))
    s = pane.wait_for(answer[0]["id"][:8] if answer else "-", timeout=10)
    if answer:
        open_plan(answer[0]["id"][:8])
        sid = approve_clean("offline")
        x = wait_ended(sid) if sid else None
        saved = os.path.join(ws, "research-%s.md" % answer[0]["id"])
        t.check(x is not None and os.path.exists(saved),
                "the answer, approved in turn, is saved in the workspace by the offline agent",
                (x, os.listdir(ws)))

    # ---- quitting ends the demo ----
    pane.keys("q")
    s = pane.wait_for("airlock demo exited with status", timeout=60) or pane.text()
    t.check("airlock demo exited with status 0" in s and
            "What the offline side wrote into the workspace:" in s and "reminders.txt:" in s and
            "removed " in s and "Sanitizer" not in s and "runtime error" not in s,
            "q in the overview quits the UI; the demo says what the stories left and that it "
            "cleaned up, and exits 0", s)
    t.check(only_demo_dir() is None and not os.path.exists(demo_dir),
            "the temporary directory is gone", os.listdir(base))
    t.check(not listeners(port) and not pids_mentioning(demo_dir),
            "airlockd and the fixture site are stopped", (listeners(port),
                                                          pids_mentioning(demo_dir)))
    pane.kill()
    pane = None

    # ---- --no-ui --keep, for scripts ----
    p = subprocess.Popen([AIRLOCK, "demo", "--no-ui", "--keep"], env=dict(env),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    end = time.time() + 90
    while time.time() < end:
        line = p.stdout.readline()
        if not line:
            break
        out.append(line)
        if line.startswith("airlock demo: ready"):
            break
    kv = dict(x.rstrip("\n").split("=", 1) for x in out if re.match(r"^[A-Z_]+=", x))
    st = None
    if "AIRLOCK_SOCKET" in kv:
        c = Conn(kv["AIRLOCK_SOCKET"])
        st = c.request("status")
        c.close()
    t.check(st is not None and st.get("ok") and st["plans"].get("pending") == 2 and
            kv.get("XDG_RUNTIME_DIR", "-") + "/airlock/airlockd.sock" == kv["AIRLOCK_SOCKET"] and
            os.path.isfile(kv.get("AIRLOCK_KEY", "")),
            "--no-ui prints the socket, the key and the XDG directories; airlockd answers "
            "there with both plans pending", "".join(out))

    # The second hop, with the CLI: had the person approved story 1's plan as it came, the
    # offline agent would have obeyed the hidden order. Its next plan carries the passport,
    # whose number is a canary: that plan cannot be approved.
    cli_env = dict(os.environ, XDG_CONFIG_HOME=kv.get("XDG_CONFIG_HOME", ""),
                   XDG_STATE_HOME=kv.get("XDG_STATE_HOME", ""),
                   XDG_RUNTIME_DIR=kv.get("XDG_RUNTIME_DIR", ""))

    def cli(*args, stdin=""):
        return subprocess.run([AIRLOCK] + list(args), input=stdin, env=cli_env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)

    def plans():
        return json.loads(cli("plans", "--json").stdout)

    def approve(pid):
        # As a person at the command line: the question names what to type (the id's first
        # characters, or for a high finding what it marks); a first try with no answer
        # reads it, the second gives it.
        ask = cli("approve", pid, stdin="")
        m = re.search(r"To approve it, type [^(\n]*\(([^)\n]*)\): ", ask.stdout)
        return ask if m is None else cli("approve", pid, stdin=m.group(1) + "\n")

    inbound = [x for x in plans() if x["from"] == "online"] if st else []
    r = approve(inbound[0]["id"]) if inbound else None
    t.check(r is not None and "High finding:" in r.stdout and
            re.search(r"type the (end of the marked text|destination host) \(", r.stdout) and
            "first 8 characters" not in r.stdout,
            "`airlock approve` of story 1's IN plan (high findings) asks for what one of them "
            "marks, not the id", r.stdout if r else None)
    m = re.search(r"delivered into session (offline-[0-9a-f]{8})", r.stdout if r else "")
    hop = []
    end = time.time() + 60
    while m and not hop and time.time() < end:
        hop = [x for x in plans() if x["session"] == m.group(1)]
        time.sleep(0.2)
    r2 = approve(hop[0]["id"]) if hop else None
    t.check(m is not None and len(hop) == 1 and hop[0]["from"] == "offline" and
            hop[0]["worst"] == "block" and r2.returncode == 1 and "EBLOCKED" in r2.stdout and
            "533812904" in r2.stdout and
            [x["state"] for x in plans() if x["id"] == hop[0]["id"]] == ["pending"],
            "approved unredacted, story 1's plan makes the obedient offline agent propose the "
            "passport: a canary, so `airlock approve` refuses it (EBLOCKED)",
            (r.stdout if r else None, hop, r2.stdout if r2 else None))
    p.send_signal(signal.SIGTERM)
    try:
        rest = p.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        rest = p.communicate()[0]
    kept = kv.get("AIRLOCK_DEMO_DIR", "")
    t.check(p.returncode == 0 and ("kept " + kept) in rest and os.path.isdir(kept + "/workspace")
            and not pids_mentioning(kept),
            "SIGTERM stops it (exit 0); --keep leaves the directory, and nothing runs", rest)
finally:
    if pane is not None:
        if demo_dir:
            print("# last screen:\n" + pane.shown)
        pane.kill()
    time.sleep(0.5)
    shutil.rmtree(base, ignore_errors=True)
t.finish()
