#!/usr/bin/env python3
"""recipes.py: the generic script agent of docs/recipes.md (examples/agents/notes-agent.sh)
does what the recipe says, in both compartments, under a real airlockd: with a task it
proposes the task to the other side; online, given an approved plan, it fetches the URLs
the plan names through the proxy and proposes their titles; offline, given an approved
plan, it checks the signature and appends the plan to notes.md in the workspace.
"""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import Checks, World, http_fixture, need_binaries  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "..", "..", "examples", "agents", "notes-agent.sh")

t = Checks()
need_binaries(t)
httpd, port = http_fixture(
    lambda path: b"<html><head><title>Opening hours of the library</title></head></html>\n")
host = "library.fixture.test:%d" % port
w = World(extra_config={"online": {"allow": [host], "resolve": {host: "127.0.0.1:%d" % port}}})
shutil.copy(AGENT, w.bin + "/notes-agent.sh")
agent = ["/bin/sh", w.bin + "/notes-agent.sh", "{task}", "{plan}"]
with open(w.config_path) as f:
    cfg = json.load(f)
cfg["offline"]["command"] = agent
cfg["online"]["command"] = agent
with open(w.config_path, "w") as f:
    json.dump(cfg, f)


def approve(pid):
    r = w.req("approve", id=pid, signature=w.sign(pid))
    return r.get("session", {}).get("id") if r.get("ok") else None


def pending_from(sid):
    return [p for p in w.plans("pending") if p["session"] == sid]


try:
    w.start()
    sid = w.req("start", side="offline",
                task="When does the library open? See http://%s/hours" % host)["session"]["id"]
    w.wait_ended(sid)
    out = pending_from(sid)
    t.check(len(out) == 1 and out[0]["to"] == "online" and
            b"Request from the offline side" in w.artifact(out[0]["id"]),
            "offline, with a task: the agent proposes it to the online side", out)

    online = approve(out[0]["id"]) if out else None
    t.check(online is not None and online.startswith("online-"),
            "approved, the plan starts an online session", online)
    answer = []
    if online:
        s = w.wait_ended(online)
        answer = pending_from(online)
        t.check(s.get("status") == 0, "the online agent verified the plan and ran", s)
    t.check(len(answer) == 1 and answer[0]["to"] == "offline" and
            b"Opening hours of the library" in w.artifact(answer[0]["id"]),
            "online, with the plan: it fetched the page through the proxy and proposes its "
            "title back", answer)

    offline = approve(answer[0]["id"]) if answer else None
    notes = ""
    if offline:
        s = w.wait_ended(offline)
        t.check(s.get("status") == 0, "the offline agent verified the plan and ran", s)
        try:
            with open(w.ws + "/notes.md") as f:
                notes = f.read()
        except FileNotFoundError:
            pass
    t.check("Opening hours of the library" in notes and answer and answer[0]["id"] in notes,
            "offline, with the plan: it appended the plan to notes.md in the workspace", notes)
finally:
    httpd.shutdown()
    w.cleanup()
t.finish()
