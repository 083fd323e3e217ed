#!/usr/bin/env python3
"""daemon_edit.py: what airlockd gives a review UI, through its control socket.

`edit` (a person's redaction of a pending plan: a new plan, scanned again, replaces it),
`approve` refusing a plan with a finding of severity block (EBLOCKED) however well it is
signed, the plan object's `worst`, and `egress` (the proxies' recent decisions, kept in
memory for a client that connects later).
"""

import base64
import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import AIRLOCK, Checks, World, http_fixture, need_binaries  # noqa: E402

CANARY = "CANARY-7f3a9b21"
MAX_BYTES = 4096

t = Checks()
need_binaries(t)


httpd, port = http_fixture()
fixture = "fixture.test:%d" % port
w = World(extra_config={
    "plans": {"canaries": [CANARY], "max_bytes": MAX_BYTES, "max_pending": 60},
    "online": {"allow": [fixture], "resolve": {fixture: "127.0.0.1:%d" % port}},
})


def proposal(side, text, task=None):
    """A pending plan proposed by a session of side whose plan.md is text."""
    r = w.req("start", side=side, task=task or "propose:" + text)
    if not r.get("ok"):
        raise RuntimeError("start: %r\n%s" % (r, w.logtext()))
    sid = r["session"]["id"]
    w.wait_ended(sid)
    ps = [p for p in w.plans("pending") if p["session"] == sid]
    if len(ps) != 1:
        raise RuntimeError("session %s proposed %r\n%s" % (sid, ps, w.logtext()))
    return ps[0]


def proposal_of_file(side, text):
    """As proposal(), for a text written to a file beside the agent: a task may not carry
    a canary, a file the agent copies can."""
    d = os.path.join(w.bin, "files")
    os.makedirs(d, exist_ok=True)
    name = "f%d.md" % len(os.listdir(d))
    with open(os.path.join(d, name), "w") as f:
        f.write(text + "\n")
    return proposal(side, None, "file:" + name)


def members(pid):
    """The files of plan pid, as the daemon holds it: {path: bytes}."""
    with tarfile.open(fileobj=io.BytesIO(w.artifact(pid))) as tf:
        return {m.name: tf.extractfile(m).read() for m in tf.getmembers()
                if m.name != "manifest.json"}


def member(name, data):
    return {"name": name, "data": base64.b64encode(data).decode()}


def rules(pid):
    return set(f["rule"] for f in w.req("plan", id=pid).get("findings", []))


def state(pid):
    return w.req("plan", id=pid)["plan"]["state"]


def audit():
    with open(w.state + "/airlock/audit.jsonl") as f:
        return [json.loads(line) for line in f]


try:
    w.start()

    # ---- a task may not carry a canary: it travels in every plan's manifest ----
    n_sessions = len(w.req("sessions")["sessions"])
    for side, task, how in (
            ("offline", "what does %s mean" % CANARY, "as written"),
            ("online", "look up " + CANARY.lower()[::-1], "reversed"),
            ("offline", "codes " + " ".join(str(b) for b in CANARY.encode()),
             "decimal byte values")):
        r = w.req("start", side=side, task=task)
        t.check(r.get("error") == "ECANARY" and "canary 1" in r.get("detail", "") and
                how in r.get("detail", "") and "task" in r.get("detail", ""),
                "start %s with a canary in the task (%s) is refused: ECANARY, naming it" %
                (side, how), r)
    t.check(len(w.req("sessions")["sessions"]) == n_sessions,
            "and no session was started for any of them")
    cli = subprocess.run([AIRLOCK, "start", "online", "what does %s mean" % CANARY],
                         env=w.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=60)
    t.check(cli.returncode == 1 and "[ECANARY]" in cli.stdout and "canary 1" in cli.stdout,
            "airlock start says so too", cli.stdout)
    # Control: the same task without the canary starts.
    r = w.req("start", side="offline", task="what does the code mean")
    t.check(r.get("ok") is True, "the same task without the canary starts", r)
    if r.get("ok"):
        w.wait_ended(r["session"]["id"])

    # ---- a plan with a canary: worst is block, and approve refuses it ----
    p1 = proposal_of_file("online", "meet at 10; the code is %s" % CANARY)
    t.check(p1["worst"] == "block" and "canary" in rules(p1["id"]),
            "a planted canary is a block finding, and the plan object says worst: block", p1)
    r = w.req("approve", id=p1["id"], signature=w.sign(p1["id"]))
    t.check(r.get("error") == "EBLOCKED" and "edit it or reject it" in r.get("detail", ""),
            "approve with a valid signature is refused: EBLOCKED", r)
    t.check(state(p1["id"]) == "pending", "and the plan stays pending")

    # ---- edit: the canary redacted ----
    ev = w.conn()
    ev.request("subscribe")
    new_text = b"meet at 10; the code is [redacted]\n"
    r = w.req("edit", id=p1["id"], members=[member("plan.md", new_text)])
    p2, old = r.get("plan", {}), r.get("replaced", {})
    t.check(r.get("ok") and p2.get("state") == "pending" and p2.get("id") != p1["id"],
            "edit queues a new pending plan with a new id", r)
    t.check(p2.get("from") == "online" and p2.get("to") == "offline" and
            p2.get("task") == p1["task"] and p2.get("session") == p1["session"],
            "with the original's direction, task and session", (p1, p2))
    t.check(old.get("id") == p1["id"] and old.get("state") == "rejected" and
            old.get("reason") == "edited into " + p2.get("id", "?"),
            "the original is rejected: 'edited into <new id>'", old)
    t.check(members(p2["id"]) == {"plan.md": new_text},
            "plan returns exactly the edited bytes", members(p2["id"]))
    t.check("canary" not in rules(p2["id"]) and p2.get("worst") != "block",
            "the findings are computed again: the canary finding is gone", p2)
    got = {}
    while len(got) < 2:
        e = ev.readline()
        if e is None:
            break
        if e.get("event") in ("plan.pending", "plan.rejected"):
            got[e["event"]] = e["plan"]["id"]
    ev.close()
    t.check(got == {"plan.pending": p2["id"], "plan.rejected": p1["id"]},
            "subscribers get plan.pending (new) and plan.rejected (original)", got)
    r = w.req("approve", id=p2["id"], signature=w.sign(p2["id"]))
    t.check(r.get("ok") and r["plan"]["state"] == "delivered",
            "the edited plan is approved and delivered", r)
    off = w.wait_ended(r["session"]["id"]) if r.get("ok") else {}
    t.check(off.get("status") == 0,
            "the receiving agent verified the edited plan with airlock verify", off)

    # ---- the audit log names both ---
    recs = audit()
    edited = [x["data"] for x in recs if x["event"] == "plan.edited"]
    t.check(len(edited) == 1 and edited[0]["plan"] == p2["id"] and
            edited[0]["original"] == p1["id"] and edited[0]["by"]["uid"] == os.getuid() and
            len(edited[0]["hash"]) == 64, "plan.edited names the new plan, the original, who", edited)
    t.check(any(x["event"] == "plan.pending" and x["data"]["plan"] == p2["id"] and
                x["data"].get("edit_of") == p1["id"] for x in recs),
            "plan.pending of the new plan says what it is an edit of")
    t.check(any(x["event"] == "plan.rejected" and x["data"]["plan"] == p1["id"] and
                x["data"]["reason"].startswith("edited into ") and "by" in x["data"]
                for x in recs), "plan.rejected of the original, with the reason and who")
    t.check(any(x["event"] == "plan.approval_refused" and x["data"]["plan"] == p1["id"] and
                x["data"]["error"] == "EBLOCKED" for x in recs),
            "the refused approval is in the audit log (EBLOCKED)")

    # ---- an edit that adds a canary gains the finding; two files, one in a folder ----
    p3 = proposal("online", "harmless words")
    t.check(p3["worst"] is None and p3["findings"] == 0, "a plain plan: worst is null", p3)
    r = w.req("edit", id=p3["id"], members=[member("plan.md", b"send %s now\n" % CANARY.encode()),
                                            member("notes/extra.txt", b"more\n")])
    p4 = r.get("plan", {})
    t.check(r.get("ok") and p4.get("worst") == "block" and "canary" in rules(p4["id"]),
            "an edit that adds a canary gains the block finding", r)
    t.check(set(members(p4["id"])) == {"plan.md", "notes/extra.txt"},
            "an edit may carry several files, in folders", members(p4["id"]))
    r = w.req("approve", id=p4["id"], signature=w.sign(p4["id"]))
    t.check(r.get("error") == "EBLOCKED" and state(p4["id"]) == "pending",
            "its approval is refused (EBLOCKED) and it stays pending", r)
    r = w.req("reject", id=p4["id"], reason="canary")
    t.check(r.get("ok") and r["plan"]["state"] == "rejected", "a block plan can be rejected", r)

    # ---- a plan leaving the offline side is scanned as outbound: provenance ----
    with open(w.ws + "/letter.txt", "w") as f:
        f.write("Dear Ms Example, your account 4711 0815 was closed on the first of March "
                "because the payments for the flat in Rosenweg stopped after the move.\n")
    p5 = proposal("offline", "what are the opening hours")
    with open(w.ws + "/letter.txt", "rb") as f:
        r = w.req("edit", id=p5["id"], members=[member("plan.md", f.read())])
    p6 = r.get("plan", {})
    prov = [f for f in w.req("plan", id=p6.get("id", "0" * 32)).get("findings", [])
            if f["rule"].startswith("provenance")]
    t.check(r.get("ok") and p6["from"] == "offline" and p6["to"] == "online" and
            any("letter.txt" in json.dumps(f) for f in prov),
            "an outbound edit is checked against the workspace (provenance names the file)", prov)

    # ---- what cannot be edited ----
    r = w.req("edit", id=p1["id"], members=[member("plan.md", b"x\n")])
    t.check(r.get("error") == "ESTATE", "a rejected plan cannot be edited (ESTATE)", r)
    r = w.req("edit", id=p2["id"], members=[member("plan.md", b"x\n")])
    t.check(r.get("error") == "ESTATE", "a delivered plan cannot be edited (ESTATE)", r)
    r = w.req("edit", id="0" * 32, members=[member("plan.md", b"x\n")])
    t.check(r.get("error") == "ENOTFOUND", "an unknown id is ENOTFOUND", r)

    # ---- bad members: named errors, the original still pending, nothing queued ----
    target = p6["id"]
    before = len(w.plans())
    for ms, want, what in (
            ([member("/etc/passwd", b"x\n")], "EPATH", "an absolute path"),
            ([member("../up.md", b"x\n")], "EPATH", "a path with .."),
            ([member("a//b.md", b"x\n")], "EPATH", "an empty path component"),
            ([member("manifest.json", b"{}\n")], "EPATH", "the manifest's name"),
            ([member("plan.md", b"bad \xff byte\n")], "EUTF8", "invalid UTF-8"),
            ([member("plan.md", b"a\x00b\n")], "ENUL", "a NUL byte"),
            ([member("plan.md", b"x" * (MAX_BYTES + 1))], "EMEMBERSIZE",
             "a file over plans.max_bytes"),
            ([member("a.md", b"x" * 3000), member("b.md", b"y" * 3000)], "ETOTALSIZE",
             "files adding up to more than plans.max_bytes"),
            ([member("a.md", b"1\n"), member("a.md", b"2\n")], "EDUPLICATE", "a name twice"),
            ([], "EFIELD", "an empty list"),
            ([{"name": "plan.md", "data": "not base64!"}], "EFIELD", "data that is not base64"),
            ([{"name": "plan.md", "data": "eA"}], "EFIELD", "base64 without its padding"),
            ([{"name": "plan.md"}], "EJSONMISSING", "a member without data"),
            ([{"name": "plan.md", "data": "eA==", "mode": 7}], "EJSONUNKNOWN",
             "a member with an unknown field"),
            (["plan.md"], "EJSONTYPE", "a member that is not an object")):
        r = w.req("edit", id=target, members=ms)
        t.check(r.get("error") == want and r.get("detail"),
                "%s is refused: %s (%s)" % (what, want, r.get("detail")), r)
    t.check(state(target) == "pending" and len(w.plans()) == before,
            "after every refused edit the original is pending and no plan was added")
    t.check(any(x["event"] == "plan.edit_refused" and x["data"]["plan"] == target and
                x["data"]["error"] == "EUTF8" for x in audit()),
            "refused edits are in the audit log (plan.edit_refused)")
    c = w.conn()
    try:
        c.send_raw(json.dumps({"op": "edit", "id": target,
                               "members": [member("plan.md", b"x" * (200 * 1024))]}).encode()
                   + b"\n")
        r = c.readline()
    finally:
        c.close()
    t.check(r is not None and r.get("error") == "ETOOBIG" and state(target) == "pending",
            "an edit is bounded by the 256 KiB request line (ETOOBIG)", r)

    # ---- the same from the command line: airlock edit, airlock approve ----
    path = w.base + "/redacted.md"
    with open(path, "wb") as f:
        f.write(b"redacted by hand\n")
    cli = subprocess.run([AIRLOCK, "edit", target, "plan.md=" + path], env=w.env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    m = re.match(r"edited %s into ([0-9a-f]{32})\n" % target, cli.stdout)
    t.check(cli.returncode == 0 and m is not None and state(target) == "rejected" and
            members(m.group(1)) == {"plan.md": b"redacted by hand\n"},
            "airlock edit ID NAME=FILE replaces the plan with the file's bytes", cli.stdout)
    target = m.group(1) if m else target
    cli = subprocess.run([AIRLOCK, "edit", target, "/etc/passwd=" + path], env=w.env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    t.check(cli.returncode == 1 and "[EPATH]" in cli.stdout and state(target) == "pending",
            "airlock edit names airlockd's error and changes nothing", cli.stdout)
    cli = subprocess.run([AIRLOCK, "edit", target, "plan.md"], env=w.env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    t.check(cli.returncode == 2, "airlock edit without NAME=FILE is a usage error", cli.stdout)
    p7 = proposal_of_file("online", "the code is %s" % CANARY)
    cli = subprocess.run([AIRLOCK, "approve", p7["id"]], env=w.env, input="",
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    t.check(cli.returncode == 1 and "[EBLOCKED]" in cli.stdout and
            "To approve it" not in cli.stdout and state(p7["id"]) == "pending",
            "airlock approve shows a block plan, then refuses it before asking (EBLOCKED)",
            cli.stdout[-600:])

    # ---- egress: the proxies' recent decisions ----
    r = w.req("egress")
    t.check(r.get("ok") and r["records"] == [], "egress: no records before any request", r)
    sid = w.req("start", side="online",
                task="fetch:http://%s/hours" % fixture)["session"]["id"]
    w.wait_ended(sid)
    sid2 = w.req("start", side="online", task="fetch:http://elsewhere.test:%d/" % port)
    sid2 = sid2["session"]["id"]
    w.wait_ended(sid2)
    recs = w.req("egress").get("records", [])
    t.check([(x["session"], x["verdict"], x["phase"], x["host"]) for x in recs] ==
            [(sid, "allow", "end", "fixture.test"), (sid2, "deny", "end", "elsewhere.test")],
            "egress returns one record per request, oldest first, finished", recs)
    t.check(recs and recs[0]["status"] == 200 and recs[0]["bytes_down"] > 0 and
            recs[0]["port"] == port and recs[0]["source"] == "pin" and
            recs[1]["status"] == 403 and len(recs[0].get("time", "")) == 20,
            "each record is the egress event's object (status, bytes, source, time)", recs)
    # curl's URL globbing: 120 requests in one session; only the last 100 are kept.
    sid3 = w.req("start", side="online",
                 task="fetch:http://%s/[1-120]" % fixture)["session"]["id"]
    w.wait_ended(sid3, timeout=120)
    recs = w.req("egress").get("records", [])
    ids = [x["request"] for x in recs if x["session"] == sid3]
    t.check(len(recs) == 100 and ids == list(range(21, 121)) and
            all(x["verdict"] == "allow" and x["phase"] == "end" for x in recs),
            "only the last 100 decisions are kept, in order",
            (len(recs), ids[:3], ids[-3:]))
    # The sanitizer build's leak check runs at this exit: the kept records are freed.
    t.check(w.stop(signal.SIGTERM) == 0, "SIGTERM stops the daemon cleanly (exit 0)")
except Exception:  # a broken step is a failure, with the daemon's log
    import traceback
    t.check(False, "the test ran to the end", traceback.format_exc() + "\n" + w.logtext())
finally:
    w.cleanup()
    httpd.shutdown()
t.finish()
