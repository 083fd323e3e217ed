#!/usr/bin/env python3
"""daemon_crash.py: kill -9 of airlockd at each step of approval and delivery.

For each step the daemon is started with AIRLOCK_TEST_CRASH=<step>, which makes it
SIGKILL itself right after that step (the same as an outside kill -9 at that instant),
then restarted without it. After each restart the invariants must hold:
  - the plans that were pending are exactly the plans shown pending;
  - no plan is delivered twice (the offline agent logs every delivery it acts on);
  - no unapproved plan is delivered;
  - an approved plan is not lost: it is delivered once after the restart, unless the
    crash came after the plan was durably recorded as delivered, when the session it was
    delivered into died with the daemon (as every session does) and it is not sent again.
A kill -9 from outside while a plan is pending and while a session runs is tested too.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import Checks, World, need_binaries  # noqa: E402

t = Checks()
need_binaries(t)

# Step name, and whether the plan must be delivered again after the restart.
STEPS = [
    ("approve.approved", True),     # approved on disk, delivery not begun
    ("deliver.delivering", True),   # marked delivering, no session yet
    ("deliver.started", True),      # session started but gated: its agent never ran
    ("deliver.delivered", False),   # delivered on disk; the gate not yet opened
    ("deliver.released", False),    # the agent was let go; the daemon died right after
]


def runs(w):
    try:
        with open(w.ws + "/runs.txt") as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def propose(w, text):
    sid = w.req("start", side="online", task="propose:" + text)["session"]["id"]
    w.wait_ended(sid)
    ps = [p for p in w.plans("pending") if p["session"] == sid]
    assert len(ps) == 1, ps
    return ps[0]


for step, again in STEPS:
    w = World()
    try:
        w.start(crash_at=step)
        p = propose(w, "crash test at " + step)
        bystander = propose(w, "a plan nobody approves")
        sig = w.sign(p["id"])
        c = w.conn()
        c.send_raw(('{"op":"approve","id":"%s","signature":%s}\n' %
                    (p["id"], __import__("json").dumps(sig))).encode())
        reply = c.readline()
        c.close()
        rc = w.wait_dead()
        t.check(rc == -signal.SIGKILL and reply is None,
                "%s: the daemon died by SIGKILL before acknowledging" % step, (rc, reply))
        w.proc = None
        time.sleep(0.2)  # let a released agent (if any) die with its namespace
        before = runs(w)
        w.start()
        if again:
            w.wait_for(lambda: w.req("plan", id=p["id"])["plan"]["state"] == "delivered",
                       what="redelivery")
            sid = w.req("plan", id=p["id"])["plan"]["delivered_to"]
            w.wait_ended(sid)
        rec = w.req("plan", id=p["id"])["plan"]
        t.check(rec["state"] == "delivered",
                "%s: after the restart the plan is delivered (%s)" % (step, rec["state"]), rec)
        n = runs(w).count(p["id"])
        if again:
            t.check(before.count(p["id"]) == 0 and n == 1,
                    "%s: the agent never ran before the crash, exactly once after it" % step,
                    (before, runs(w)))
        else:
            t.check(n <= 1, "%s: the plan was not delivered again (%d run)" % (step, n), runs(w))
        pend = [x["id"] for x in w.plans("pending")]
        t.check(pend == [bystander["id"]],
                "%s: exactly the untouched plan is still pending" % step, pend)
        t.check(bystander["id"] not in runs(w), "%s: nothing unapproved was delivered" % step)
        r = w.req("approve", id=p["id"], signature=sig)
        t.check(r.get("error") == "ESTATE", "%s: approving it again is refused" % step, r)
        # A second restart changes nothing.
        w.stop(signal.SIGKILL)
        w.start()
        time.sleep(0.3)
        t.check(runs(w).count(p["id"]) == n and
                w.req("plan", id=p["id"])["plan"]["state"] == "delivered",
                "%s: a second restart delivers nothing more" % step)
    except Exception:
        import traceback
        t.check(False, "%s: the test ran to the end" % step,
                traceback.format_exc() + "\n" + w.logtext())
    finally:
        w.cleanup()

# kill -9 from outside, with a plan pending and a session running.
w = World()
try:
    w.start()
    p = propose(w, "pending across a kill")
    sid = w.req("start", side="offline", task="sleep")["session"]["id"]
    w.stop(signal.SIGKILL)
    w.start()
    t.check([x["id"] for x in w.plans("pending")] == [p["id"]],
            "after kill -9 the pending plan is shown pending, and only it")
    r = w.req("approve", id=p["id"], signature=w.sign(p["id"]))
    t.check(r.get("ok") and r["plan"]["state"] == "delivered",
            "and it can still be approved and delivered", r)
    w.wait_ended(r["session"]["id"])
    t.check(runs(w) == [p["id"]], "delivered exactly once", runs(w))
    t.check(w.session(sid) is None, "the killed daemon's session is not running anywhere")
    r = os.popen("ps -eo args").read()
    t.check(w.bin + "/agent.sh sleep" not in r, "no agent process outlived the killed daemon")
except Exception:
    import traceback
    t.check(False, "kill -9 from outside: the test ran to the end",
            traceback.format_exc() + "\n" + w.logtext())
finally:
    w.cleanup()
t.finish()
