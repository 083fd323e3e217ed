#!/usr/bin/env python3
"""tui.py: airlock-tui driven as a person drives it, inside a real tmux, against a real
airlockd with scripted agents (ctl.World).

The UI runs in a detached tmux session on a private server (-L, its own name), so the test
never touches anyone's tmux. Keys go in with send-keys; the screen comes back with
capture-pane -e, which shows the colour and attribute escapes tmux keeps for each cell.
Everything the UI writes is also copied raw (pipe-pane), so a byte the UI should never
have sent (an OSC, a DCS, a C1 control from a plan) is caught even when tmux would have
obeyed it rather than kept it on the screen.
"""

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctl import Checks, World, http_fixture, need_binaries  # noqa: E402
from tmuxpane import Pane  # noqa: E402

AIRLOCK_TUI = os.environ.get("AIRLOCK_TUI")
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


class Screen(Pane):
    """One airlock-tui in a detached tmux session on a private tmux server, with everything
    it writes kept raw (tmuxpane.Pane)."""

    def __init__(self, base, name, argv, env, cols=80, rows=24):
        super().__init__(base, name, argv, env, cols=cols, rows=rows, session="ui", raw=True)

    def wait_for(self, what, timeout=10, gone=False):
        return super().wait_for(what, timeout=timeout, gone=gone)

    def rawbytes(self):
        with open(self.raw, "rb") as f:
            return f.read()


def colour_params(screen):
    """The SGR parameters that set a colour (30-38, 40-48, 90-97, 100-107, with 38/48's
    arguments), found in a capture-pane -e screen."""
    found = []
    for m in SGR.finditer(screen):
        ps = [p for p in re.split("[;:]", m.group(1)) if p != ""]
        i = 0
        while i < len(ps):
            n = int(ps[i])
            if n in (38, 48):
                found.append(";".join(ps[i:i + 3]))
                i += 5 if i + 1 < len(ps) and ps[i + 1] == "2" else 3
                continue
            if 30 <= n <= 37 or 40 <= n <= 47 or 90 <= n <= 97 or 100 <= n <= 107:
                found.append(str(n))
            i += 1
    return found


def foreign_escapes(screen):
    """Escape sequences in a capture other than ESC [ params m, and raw control bytes."""
    s = SGR.sub("", screen)
    return [m.group(0) for m in re.finditer("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f].{0,12}", s)]


# What ncurses with TERM=screen never writes but a plan's hostile text would: OSC, DCS, APC,
# PM, SOS, window and mode reports, DEC line modes, printer control, and any C1 control.
HOSTILE_RAW = re.compile(rb"\x1b[\]P_^X#]|\x1b\[[0-9;]*[tcni]|\x1b\[\?(1000|1006|2004|5|7)[hl]"
                         rb"|\x1b\[6n")


def raw_hostile(data):
    """The hostile sequences in what the UI wrote, and its C1 controls (as characters)."""
    found = [m.group(0) for m in HOSTILE_RAW.finditer(data)]
    text = data.decode("utf-8", errors="replace")
    found += ["U+%04X" % ord(c) for c in text if 0x80 <= ord(c) <= 0x9f]
    return found


def fg_at(line, needle):
    """The foreground colour parameter in force where needle starts in a capture-pane -e
    line ("" for the default), or None when needle is not there."""
    fg, pos = "", 0
    while pos < len(line):
        m = SGR.match(line, pos)
        if m:
            ps = [p for p in re.split("[;:]", m.group(1))] or ["0"]
            i = 0
            while i < len(ps):
                n = int(ps[i] or "0")
                if n in (0, 39):
                    fg = ""
                elif 30 <= n <= 37 or 90 <= n <= 97:
                    fg = str(n)
                elif n in (38, 48):
                    if n == 38:
                        fg = ";".join(ps[i:i + 3])
                    i += 4 if i + 1 < len(ps) and ps[i + 1] == "2" else 2
                i += 1
            pos = m.end()
            continue
        if line.startswith(needle, pos):
            return fg
        pos += 1
    return None


def row_with(text, needle):
    for line in text.split("\n"):
        if needle in line:
            return line
    return None


def render(text):
    """The rendering include/airlock/render.h specifies, for the characters the escapes
    corpus uses (anything else is an error here, so that a new record is looked at)."""
    out, i = [], 0
    while i < len(text):
        c, o = text[i], ord(text[i])
        if c == "\\":
            out.append("\\\\")
        elif c == "\r" and text[i + 1:i + 2] == "\n":
            out.append("\n")
            i += 1
        elif c == "\n":
            out.append("\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\x1b":
            out.append("\\e")
        elif c == "\0":
            out.append("\\0")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7f:
            out.append("\\x%02X" % o)
        elif 0x80 <= o <= 0x9f:
            out.append("\\u{%04X}" % o)
        elif 0x20 <= o < 0x7f:
            out.append(c)
        else:
            raise ValueError("no expected rendering for U+%04X" % o)
        i += 1
    return "".join(out)


def corpus(rel):
    """A file of ../shared/corpora (beside the repository), or None."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(os.path.dirname(root), "shared", "corpora", rel)
    return path if os.path.exists(path) else None


t = Checks()
if shutil.which("tmux") is None:
    t.skip("tmux is not installed (apt-get install tmux)")
need_binaries(t)
if not AIRLOCK_TUI or not os.access(AIRLOCK_TUI, os.X_OK):
    t.skip("AIRLOCK_TUI must name the airlock-tui binary")

# A web page the online side may fetch (fixture.test, pinned to it) and one it may not.
httpd, port = http_fixture(lambda path: b"opening hours: 9 to 5\n")
w = World(extra_config={"online": {"allow": ["fixture.test:%d" % port],
                                   "resolve": {"fixture.test:%d" % port: "127.0.0.1:%d" % port}}})
name = "airlock-tui-test-%d-%s" % (os.getpid(), os.path.basename(w.base))
screens = []


# The person's editor removes SGR escapes (a redaction), without a shell.
editor = w.base + "/edit.sh"
with open(editor, "w") as f:
    f.write("#!/bin/sh\nexec sed -i 's/\\x1b\\[[0-9;]*m//g' \"$@\"\n")
os.chmod(editor, 0o755)


def ui(cols=80, rows=24, key=None, socket=True, **extra):
    """An airlock-tui on w's daemon; without socket, started as a person would, with no
    --socket: it looks where $XDG_RUNTIME_DIR says."""
    env = {"HOME": w.home, "XDG_CONFIG_HOME": w.cfg, "XDG_STATE_HOME": w.state,
           "XDG_RUNTIME_DIR": w.run, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "TERM": "screen", "EDITOR": editor}
    env.update(extra)
    s = Screen(w.base, "%s-%d" % (name, len(screens)), [
        AIRLOCK_TUI] + (["--socket", w.sock] if socket else []) + [
        "--key", key or w.cfg + "/airlock/approver.key",
        "--config", w.config_path], env, cols, rows)
    screens.append(s)
    return s


def start(side, task):
    r = w.req("start", side=side, task=task)
    if not r.get("ok"):
        raise RuntimeError("start %s %r: %r\n%s" % (side, task, r, w.logtext()))
    return r["session"]["id"]


def pending_from(sid):
    return [p for p in w.plans("pending") if p["session"] == sid]


def propose(side, text):
    """A session of side that proposes text; returns (session id, plan)."""
    sid = start(side, "propose:" + text)
    w.wait_ended(sid)
    ps = pending_from(sid)
    if len(ps) != 1:
        raise RuntimeError("no plan from %s: %r\n%s" % (sid, w.plans(), w.logtext()))
    return sid, ps[0]


def focus(s, pane):
    """Tab until the overview's pane (Sessions, Plans, Egress) has the focus."""
    for _ in range(3):
        if ("> " + pane) in s.text():
            return True
        s.keys("Tab")
        if s.wait_for("> " + pane, timeout=2):
            return True
    return False


def open_plan(s, pid):
    """Selects plan pid in the overview (pending first, oldest first; then the rest, newest
    first, as the daemon lists them) and opens it; returns the review screen or None."""
    s.wait_for(pid[:8])
    ps = w.plans()
    order = [p["id"] for p in ps if p["state"] == "pending"]
    order += [p["id"] for p in reversed(ps) if p["state"] != "pending"]
    if not focus(s, "Plans"):
        return None
    s.keys("g", *(["j"] * order.index(pid)))
    s.keys("Enter")
    # The whole review, not its first line: tmux may show a screen half written.
    return s.wait_for(lambda x: "plan " + pid[:8] + " " in x and "a approve" in x)


def frame_ok(text, cols, rows):
    """Whether text is the whole overview at cols x rows: the title first, the key bar above
    the message line, each pane once, a plan row; nothing left over from another size."""
    ls = text.split("\n")
    while len(ls) > rows and ls[-1] == "":
        ls.pop()
    return (len(ls) == rows and all(len(x) <= cols for x in ls) and
            ls[0].lstrip().startswith("airlock") and "running" in ls[0] and
            "n new" in ls[rows - 2] and text.count("n new") == 1 and
            text.count("Sessions (") == 1 and text.count("Plans:") == 1 and
            re.search(r"^  [0-9a-f]{8} (pending|delivered|rejected) ", text, re.M) is not None)


def quits(x, what):
    x.keys("q")
    t.check(x.wait_for(lambda _: not x.alive(), timeout=5) is not None and
            x.exit_status() == 0, what + ": q quits (exit status 0)", (x.exit_status(), x.shown))


w2 = None
try:
    # ---- 0. started before airlockd: where it looks, how to start it, and it connects ----
    nd = ui(socket=False)
    got = nd.wait_for("airlockd is not reachable at")
    t.check(got is not None and ("\n    " + w.sock + "\n") in got and
            "airlockd --daemon" in got and "systemctl --user start airlockd" in got,
            "with no airlockd running, the overview names the socket it tries and how to "
            "start airlockd", nd.shown)
    title = got.split("\n")[0] if got else ""
    t.check(got is not None and os.path.exists(w.cfg + "/airlock/approver.key") and
            "approver" not in title and "not configured" not in title,
            "the title claims nothing about the approver key it cannot know (the key exists)",
            title)
    t.check(got is not None and "press n" not in got and "not known" in got,
            "no pane suggests pressing n to start a session", nd.shown)
    nd.keys("n")
    got = nd.wait_for("start it first")
    t.check(got is not None and "New session in which compartment?" not in got,
            "n says to start airlockd first instead of asking for a session", nd.shown)
    w.start()
    got = nd.wait_for(lambda x: "connected to airlockd" in x and "not reachable" not in x)
    title = got.split("\n")[0] if got else ""
    t.check(got is not None and re.search(r"approver [0-9A-F]{16}", title) is not None and
            "press n to start one" in got,
            "once airlockd listens it connects by itself; the title names the approver key, "
            "the notice is gone", nd.shown)
    quits(nd, "the UI started before airlockd")

    # ---- 0b. airlockd started without XDG_RUNTIME_DIR: the UI names where it listens ----
    w2 = World()
    w2.env.pop("XDG_RUNTIME_DIR")
    w2.sock = w2.home + "/.cache/airlock/airlockd.sock"
    w2.start()
    el = ui(socket=False, HOME=w2.home, XDG_CONFIG_HOME=w2.cfg, XDG_STATE_HOME=w2.state,
            XDG_RUNTIME_DIR=w2.run)
    got = el.wait_for("but one is listening at")
    t.check(got is not None and ("\n    " + w2.run + "/airlock/airlockd.sock\n") in got and
            ("\n    " + w2.sock + "\n") in got and "airlock-tui --socket" in got,
            "with airlockd on ~/.cache's socket and XDG_RUNTIME_DIR set, the UI names both "
            "sockets and how to use the one that answers", el.shown)
    time.sleep(1.5)
    got = el.text()
    t.check("airlockd unreachable" in got and "connected to" not in got,
            "and does not connect to it unasked", got)
    quits(el, "the UI that found airlockd elsewhere")
    w2.cleanup()
    w2 = None

    s = ui()

    # ---- it comes up, in 80x24 ----
    got = s.wait_for("connected to airlockd")
    t.check(got is not None and got.split("\n")[0].lstrip().startswith("airlock") and
            "n new" in got and "q quit" in got,
            "the UI comes up in 80x24: title line, key bar, 'connected to airlockd'", s.shown)

    # ---- 1. both compartments' sessions and pending plans, with direction wording ----
    on_sid, on_plan = propose("online", "Opening hours of the city library on Saturday")
    off_sid, off_plan = propose("offline", "Summary of the tax letter for my accountant")
    got = s.wait_for(lambda x: on_plan["id"][:8] in x and off_plan["id"][:8] in x)
    t.check(got is not None and on_sid in got and off_sid in got,
            "the sessions pane lists the online and the offline session", s.shown)
    rin = row_with(got or "", on_plan["id"][:8]) or ""
    rout = row_with(got or "", off_plan["id"][:8]) or ""
    t.check("pending" in rin and "IN untrusted, coming in" in rin and
            "leaving your computer" not in rin,
            "the online side's plan is shown pending as 'IN untrusted, coming in'", rin)
    t.check("pending" in rout and "OUT leaving your computer" in rout and "untrusted" not in rout,
            "the offline side's plan is shown pending as 'OUT leaving your computer'", rout)
    t.check(got is not None and "2 waiting for you" in got and
            re.search(r"2 plans waiting", got.split("\n")[0]) is not None,
            "the plans pane and the title count 2 plans waiting", s.shown)

    # ---- 2. a new session from the UI: n, the side, the task, Enter ----
    s.keys("n")
    got = s.wait_for("New session in which compartment?")
    t.check(got is not None, "n asks which compartment", s.shown)
    s.keys("n")
    got = s.wait_for("Task for the online side:")
    t.check(got is not None, "n (online) asks for the task", s.shown)
    task = "propose:Train times to Leeds typed in the UI"
    s.type(task)
    s.keys("Enter")
    got = s.wait_for(re.compile(r"started online-[0-9a-f]{8}"))
    m = re.search(r"started (online-[0-9a-f]{8})", got or "")
    t.check(m is not None, "Enter starts the session and the message line names it", s.shown)
    ui_sid = m.group(1) if m else None
    sess = w.session(ui_sid) if ui_sid else None
    t.check(sess is not None and sess["side"] == "online" and sess["task"] == task,
            "the daemon has that online session with the typed task", sess)
    got = s.wait_for(lambda x: (row_with(x, ui_sid or "?") or "").find("Train times") > 0)
    t.check(got is not None, "the new session appears in the sessions pane with its task", s.shown)
    ui_plan = None
    if ui_sid:
        w.wait_ended(ui_sid)
        ps = pending_from(ui_sid)
        ui_plan = ps[0] if ps else None
    got = ui_plan and s.wait_for(lambda x: "IN untrusted, coming in" in
                                 (row_with(x, ui_plan["id"][:8]) or ""))
    t.check(bool(got) and "3 waiting for you" in got,
            "its proposal appears in the plans pane as a pending plan coming in", s.shown)

    # ---- 6. ? shows the keys; any key closes ----
    s.keys("?")
    got = s.wait_for("Keys (any key closes this)")
    t.check(got is not None and re.search(r"\bn +new session", got) is not None and
            re.search(r"\bq +quit", got) is not None and "Sessions" not in got,
            "? shows the keys over the overview", s.shown)
    s.keys("x")
    got = s.wait_for("Keys (any key closes this)", gone=True)
    t.check(got is not None and "Sessions" in got and on_plan["id"][:8] in got,
            "any key closes the key list and the overview is back", s.shown)

    # ---- a hostile task: tokens in the panes, nothing obeyed ----
    ev_sid, ev_plan = propose("online", "\x1b]0;PWND\x07\x1b[31mRED\x1b[0m")
    shown = "propose:\\e]0;PWND\\x07\\e[31mRED\\e[0m"
    got = s.wait_for(lambda x: ev_plan["id"][:8] in x)
    srow = row_with(got or "", ev_sid) or ""
    t.check(shown in srow, "a task with escapes is shown with \\e and \\x07 tokens in the "
            "sessions pane", srow)
    eline = row_with(s.screen(), "PWND") or ""
    t.check(fg_at(eline, "RED") not in (None, "31"),
            "and the text after \\e[31m is not drawn red", repr(eline))
    t.check(s.title() != "PWND" and "PWND" not in s.title(),
            "the window title was not changed by the task", s.title())
    prow = row_with(got or "", ev_plan["id"][:8]) or ""
    t.check(re.search(r"\b[1-9][0-9]* findings?\b", prow) is not None and "no findings" not in prow,
            "its plan row counts its findings", prow)
    t.check(not foreign_escapes(s.screen()) and not raw_hostile(s.rawbytes()),
            "no escape but colour attributes on screen, nothing hostile in the UI's output",
            (foreign_escapes(s.shown), raw_hostile(s.rawbytes())))
    t.check(got is not None and got.split("\n")[0].lstrip().startswith("airlock") and
            "PWND" not in got.split("\n")[0] and "\x1b" not in got.split("\n")[-2],
            "the title and message lines are intact", got)

    # ---- 12. a session's transcript; attach, type, Ctrl-] back ----
    at_sid = start("online", "echo:ready-for-a-person")
    w.wait_for(lambda: w.session(at_sid)["transcript_bytes"] > 0, what="transcript")
    hs_sid = start("online", "echo:\x1b[2J\x1b]0;PWND2\x07\x1b[31mRED2\x1b[0m done")
    w.wait_for(lambda: w.session(hs_sid)["transcript_bytes"] > 0, what="transcript")
    focus(s, "Sessions")
    s.keys("g")
    got = s.wait_for(lambda x: hs_sid in x and at_sid in x)
    s.keys("Enter")
    got = s.wait_for("session " + hs_sid)
    t.check(got is not None and "a attach" in got,
            "Enter on a session opens it (title, key bar)", s.shown)
    got = s.wait_for("RED2")
    t.check(got is not None and "\\e[2J\\e]0;PWND2\\x07\\e[31mRED2\\e[0m done" in got,
            "a transcript with escapes is shown with \\e and \\x07 tokens", s.shown)
    trow = row_with(got or "", "task ") or ""
    t.check("echo:\\e[2J\\e]0;PWND2\\x07" in trow,
            "the session's header shows its task with tokens", trow)
    tline = row_with(s.screen(), "RED2") or ""
    t.check(fg_at(tline, "RED2") not in (None, "31") and "PWND2" not in s.title(),
            "nothing in it was obeyed: not red, not the window title", (repr(tline), s.title()))
    s.keys("q")
    got = s.wait_for(lambda x: frame_ok(x, 80, 24))
    t.check(got is not None, "q goes back to the overview", s.shown)
    raw_before_attach = s.rawbytes()
    t.check(not raw_hostile(raw_before_attach) and not foreign_escapes(s.screen()),
            "nothing hostile reached the terminal before any attach",
            raw_hostile(raw_before_attach))

    s.keys("j")
    got = s.wait_for(lambda x: at_sid in x)
    s.keys("Enter")
    got = s.wait_for("ready-for-a-person")
    t.check(got is not None and ("session " + at_sid) in got,
            "the other session's view shows its output", s.shown)
    s.keys("a")
    got = s.wait_for("attached to " + at_sid)
    t.check(got is not None and "Ctrl-] returns" in got,
            "a attaches: the UI steps aside and says Ctrl-] returns", s.shown)
    s.type("typed-by-a-person")
    s.keys("Enter")
    got = s.wait_for("typed-by-a-person")
    t.check(got is not None, "what the person types reaches the session's terminal (echoed)",
            s.shown)
    s.keys("C-]")
    got = s.wait_for("detached from " + at_sid)
    t.check(got is not None and "it goes on" in got and ("session " + at_sid) in got and
            "a attach" in got and got.split("\n")[0].lstrip().startswith("airlock"),
            "Ctrl-] returns to the UI, intact (title, key bar, 'detached ... it goes on')",
            s.shown)
    got = s.wait_for(lambda x: "typed-by-a-person" in x and "attached to" not in x)
    t.check(got is not None and w.session(at_sid)["state"] == "running",
            "the view follows what was typed; the session still runs", s.shown)
    # Moving the conversation across: the transcript becomes a plan for the other side.
    s.keys("h")
    got = s.wait_for("Propose the whole transcript")
    s.keys("y")
    got = s.wait_for(re.compile(r"plan [0-9a-f]{8} proposed for the offline side"))
    m = re.search(r"plan ([0-9a-f]{8}) proposed", got or "")
    ho = [p for p in w.plans("pending") if m and p["id"].startswith(m.group(1))]
    t.check(len(ho) == 1 and ho[0]["session"] == at_sid and ho[0]["to"] == "offline" and
            b"typed-by-a-person" in w.artifact(ho[0]["id"]),
            "h, y in the session view proposes its transcript to the offline side", s.shown)
    if ho:
        art = w.artifact(ho[0]["id"])
        t.check(b"\r\n" not in art and b"typed-by-a-person\n" in art,
                "the handed-off transcript has the terminal's CRLF line ends as plain LF",
                art[-300:])
    got = s.wait_for(lambda x: frame_ok(x, 80, 24))
    t.check(got is not None and "> Plans" in got and
            "IN untrusted, coming in" in (row_with(got, m.group(1) if m else "?") or ""),
            "and goes back to the overview, whole, the new plan (coming in) in the plans pane",
            s.shown)
    if focus(s, "Sessions"):
        s.keys("g", "j")
        s.wait_for(lambda x: at_sid in x)
        s.keys("s")
        got = s.wait_for("Stop session " + at_sid)
        s.keys("y")
        got = s.wait_for("stopped " + at_sid)
    t.check(got is not None and w.session(at_sid)["state"] == "ended",
            "s then y stops the selected session", s.shown)
    raw = s.rawbytes()
    t.check(b"PWND2" not in raw.replace(b"]0;PWND2", b"") and b"\x1b]0;PWND" not in raw and
            b"\x1b[31mRED" not in raw,
            "no byte of the hostile transcript reached the terminal raw, ever")

    # ---- 11. every record of render/escapes.jsonl shown inside a plan ----
    esc_path = corpus("render/escapes.jsonl")
    if esc_path is None:
        t.check(os.environ.get("AIRLOCK_MUST_WORK") != "1",
                "../shared/corpora/render/escapes.jsonl is beside the repository")
        print("# ../shared/corpora/render/escapes.jsonl not found: escapes not checked")
    else:
        with open(esc_path) as f:
            recs = [json.loads(x) for x in f if x.strip()]
        # An artifact holds text without NUL (AL_ENUL), so a record with one cannot be shown
        # inside a plan; the renderer's \0 is covered by tests/unit/test_render.c.
        nul = [r for r in recs if "\0" in r["text"]]
        carried = [r for r in recs if "\0" not in r["text"]]
        for r in nul:
            rep = w.req("start", side="online", task="propose:" + r["text"])
            t.check(rep.get("error") == "ENUL", "record %s (with a NUL) cannot become a plan "
                    "(ENUL), so it is not shown in one" % r["id"], rep)
        body = "".join("[%s]\n%s\n" % (r["id"], r["text"]) for r in carried)
        es_sid, es_plan = propose("online", body)
        art = w.artifact(es_plan["id"])
        t.check(all(r["text"].encode() in art for r in carried),
                "one plan carries the %d other records byte for byte" % len(carried))
        # Wide and tall enough for every line whole, so each record's rendering is one row.
        s.resize(330, 170)
        s.wait_for(lambda x: len(x.split("\n")[0]) > 200)
        raw0 = len(s.rawbytes())
        title0 = s.title()
        got = open_plan(s, es_plan["id"])
        t.check(got is not None and "UNTRUSTED CONTENT COMING IN" in got.split("\n")[0],
                "the plan opens full-screen, its header saying it is untrusted and coming in",
                s.shown)
        got = s.wait_for("[%s]" % carried[-1]["id"]) or ""
        scr = s.screen()
        bodytext = "\n".join(got.split("\n")[5:-2])
        missing = []
        for r in carried:
            for line in render(r["text"]).split("\n"):
                if line.rstrip() and line.rstrip() not in bodytext:
                    missing.append("%s: %s" % (r["id"], line))
        t.check(not missing, "each of the %d records is shown whole with its visible tokens "
                "(\\e, \\r, \\xNN, \\u{XXXX})" % len(carried), "\n".join(missing[:20]) +
                "\n--- screen ---\n" + got)
        t.check(not foreign_escapes(scr),
                "capture-pane -e shows no escape sequence but the UI's own SGR attributes",
                foreign_escapes(scr)[:10])
        for r in (r for r in carried if r["effect"] == ["none"]):
            shown = render(r["text"])
            line = next((x for x in scr.split("\n") if shown in SGR.sub("", x)), None)
            params = set(p for m in SGR.finditer(line or "") for p in m.group(1).split(";"))
            t.check(line is not None and "43" not in params and (
                        "\\" in r["text"] or r["text"] in SGR.sub("", line)),
                    "inert look-alike %s is shown as its text, without a token" % r["id"]
                    + (" (its backslashes doubled, as render.h says)" if "\\" in r["text"] else ""),
                    repr(line))
        # The same plan paged through in 80x24: wrapped rows, tokens cut at the edge.
        s.resize(80, 24)
        s.keys("g")
        seen, pages, bad = set(), 0, []
        for pages in range(80):
            scr = s.screen()
            bad += foreign_escapes(scr)
            txt = SGR.sub("", scr)
            seen.update(re.findall(r"\[(esc-s-\d{4})\]", txt))
            if "[%s]" % carried[-1]["id"] in txt and "as the manual says" in txt:
                break
            s.keys("Space")
            time.sleep(0.05)
        t.check(seen == set(r["id"] for r in carried) and not bad,
                "paged through in 80x24 (%d pages): every record passes by, nothing but SGR "
                "on screen" % (pages + 1), (sorted(set(r["id"] for r in carried) - seen), bad))
        seg = s.rawbytes()[raw0:]
        t.check(not raw_hostile(seg) and b"\x07" not in seg,
                "what the UI wrote while showing them has no OSC, DCS, APC, PM, SOS, no "
                "window, mode or report request, no C1 control, no BEL", raw_hostile(seg)[:10])
        t.check(s.title() == title0 and not s.buffers(),
                "the window title and the clipboard are untouched", (s.title(), s.buffers()))
        s.keys("q")
        t.check(s.wait_for(lambda x: frame_ok(x, 80, 24)) is not None,
                "q goes back to the overview", s.shown)

    # ---- 7-10. review: the key delay, approve (and minisign -V), reject, high, block ----
    def runs():
        try:
            with open(w.ws + "/runs.txt") as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def review(pid):
        """Opens plan pid and waits out the view's first second (keys then are dropped)."""
        got = open_plan(s, pid)
        time.sleep(1.2)
        return got

    def state(pid):
        return w.req("plan", id=pid)["plan"]

    _, p1 = propose("online", "The library opens at 9 on Saturday; book a table for two")
    # 10. Keys sent with the one that opens the view are dropped.
    s.wait_for(p1["id"][:8])
    focus(s, "Plans")
    ps = w.plans()
    order = [p["id"] for p in ps if p["state"] == "pending"]
    s.keys("g", *(["j"] * order.index(p1["id"])))
    s.keys("Enter", "G", "a", "y")
    got = s.wait_for("plan " + p1["id"][:8] + " ")
    t0 = time.time()
    # ... and so are keys typed separately in its first second.
    s.keys("G")
    s.keys("a")
    early = time.time() - t0
    time.sleep(1.5)
    got = s.text()
    t.check(early < 0.8 and "plan " + p1["id"][:8] in got.split("\n")[0] and
            "Approve and sign" not in got and state(p1["id"])["state"] == "pending",
            "keys sent along with the one that opened the review, and keys typed in its first "
            "second (%.2f s), are ignored: nothing approved, no question asked" % early, got)
    t.check("UNTRUSTED CONTENT COMING IN: online -> offline" in got.split("\n")[0] and
            "book a table for two" in got.split("\n")[1] and "no findings" in got.split("\n")[2],
            "the review's header: direction in words, the task, no findings", got)
    # ... and keys typed before the confirmation question are dropped too.
    s.keys("G")
    s.wait_for("You have read to the end")
    s.keys("a", "y")
    got = s.wait_for("Approve and sign plan " + p1["id"][:8])
    time.sleep(0.5)
    t.check(got is not None and "Approve and sign plan" in s.text() and
            state(p1["id"])["state"] == "pending",
            "a y typed together: the question appears and the y typed before it is dropped",
            s.shown)
    # 7. Approve: signed by the UI, delivered to a new offline session.
    s.keys("y")
    got = s.wait_for(re.compile(r"approved plan %s: delivered into session offline-[0-9a-f]{8}"
                                % p1["id"][:8]), timeout=15)
    m = re.search(r"delivered into session (offline-[0-9a-f]{8})", got or "")
    st = state(p1["id"])
    t.check(m is not None and st["state"] == "delivered" and
            st["delivered_to"] == m.group(1),
            "y approves: the plan is delivered into the new offline session the UI names",
            (s.shown, st))
    if m:
        w.wait_ended(m.group(1))
    t.check(runs() == [p1["id"]] and (w.session(m.group(1)) if m else {}).get("status") == 0,
            "the offline agent verified the plan (airlock verify) and acted on it once", runs())
    t.check(got is not None and frame_ok(got, 80, 24),
            "after approving, the overview is back", s.shown)
    rep = w.req("plan", id=p1["id"])
    art, sig = w.base + "/p1.airlock", w.base + "/p1.airlock.minisig"
    with open(art, "wb") as f:
        f.write(base64.b64decode(rep["artifact"]))
    with open(sig, "w") as f:
        f.write(rep.get("signature", ""))
    if shutil.which("minisign"):
        mv = subprocess.run(["minisign", "-Vm", art, "-x", sig, "-p",
                             w.cfg + "/airlock/approver.pub"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=30)
        t.check(mv.returncode == 0 and "Signature and comment signature verified" in mv.stdout
                and ("id=" + p1["id"]) in mv.stdout and "from=online to=offline" in mv.stdout,
                "the signature the UI made verifies with stock minisign -V (trusted comment: "
                "id and direction)", mv.stdout)
        with open(art, "r+b") as f:
            f.seek(600)
            b = f.read(1)
            f.seek(600)
            f.write(bytes([b[0] ^ 1]))
        mv = subprocess.run(["minisign", "-Vm", art, "-x", sig, "-p",
                             w.cfg + "/airlock/approver.pub"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=30)
        t.check(mv.returncode != 0, "(control) minisign -V refuses the artifact with one bit "
                "flipped", mv.stdout)
    else:
        t.check(os.environ.get("AIRLOCK_MUST_WORK") != "1", "minisign is installed")
        print("# minisign not installed: the signature was not checked with it")

    # 8. Reject, with a reason.
    _, p2 = propose("offline", "Please find the train times to Leeds for Friday morning")
    got = review(p2["id"])
    t.check(got is not None and "LEAVING YOUR COMPUTER: offline -> online" in got.split("\n")[0],
            "a plan from the offline side opens as 'LEAVING YOUR COMPUTER'", s.shown)
    s.keys("r")
    got = s.wait_for("Reject plan " + p2["id"][:8])
    t.check(got is not None, "r asks for a reason", s.shown)
    s.type("not what I asked for")
    s.keys("Enter")
    got = s.wait_for("rejected plan " + p2["id"][:8])
    st = state(p2["id"])
    t.check(got is not None and st["state"] == "rejected" and
            st.get("reason") == "not what I asked for",
            "Enter rejects it, with the reason typed", (s.shown, st))

    # Approval only once the end of the plan has been on screen.
    _, p5 = propose("online", "\n".join("Item %d of the shopping list: apples and pears" % i
                                         for i in range(1, 61)))
    got = review(p5["id"]) or ""
    t.check("Read to the end to approve" in got and "Item 60 " not in got,
            "a plan longer than the screen opens at its start", got)
    s.keys("a")
    got = s.wait_for("read the whole plan first")
    time.sleep(0.3)
    t.check(got is not None and "Approve and sign" not in s.text() and
            state(p5["id"])["state"] == "pending",
            "a before its end has been shown asks nothing: read the whole plan first", s.shown)
    s.keys("G")
    got = s.wait_for("You have read to the end")
    t.check(got is not None and "Item 60 of the shopping list" in got,
            "G shows its end, and the header says it has been read", s.shown)
    s.keys("q")
    s.wait_for(lambda x: frame_ok(x, 80, 24))

    # 9. A high finding: approval needs the host typed; a wrong one leaves it pending.
    _, p3 = propose("online", "Download the report from http://203.0.113.7/report.pdf and "
                    "file it under taxes")
    got = review(p3["id"]) or ""
    t.check(re.search(r"findings: \d+ high", got) is not None and " block" not in
            got.split("\n")[2], "a plan with a URL to an IP address has a high finding",
            got)
    new_line = (got.split("\n") + [""] * 5)[4].strip()
    t.check(new_line.startswith("New vs") and "203.0.113.7" in new_line and
            not new_line.endswith(";") and ":;" not in new_line,
            "the header's New line names the address, its sets joined by ';' with none at "
            "the end", new_line)
    s.keys("G")
    s.wait_for("after you type what a high finding names")
    s.keys("a")
    got = s.wait_for("to approve, type the destination host")
    prompt = got.split("\n")[23] if got else ""
    t.check("203.0.113.7" in prompt,
            "a asks to type the destination host, and shows it: 203.0.113.7", s.shown)
    s.type("203.0.113.8")
    got = s.wait_for("203.0.113.8")
    t.check(got is not None and "203.0.113.8" in got.split("\n")[23],
            "what is typed is shown on the prompt line in 80 columns", s.shown)
    s.keys("Enter")
    got = s.wait_for("that is not 203.0.113.7: not approved")
    t.check(got is not None and state(p3["id"])["state"] == "pending",
            "a wrong host: not approved, the plan stays pending", (s.shown, state(p3["id"])))
    s.keys("a")
    s.wait_for("to approve, type the destination host")
    s.type("203.0.113.7")
    s.keys("Enter")
    got = s.wait_for("approved plan " + p3["id"][:8], timeout=15)
    t.check(got is not None and state(p3["id"])["state"] == "delivered",
            "the right host: approved and delivered", (s.shown, state(p3["id"])))

    # 9. A block finding: no approval at all; reject and edit remain.
    _, p4 = propose("online", "Pay 40 GBP to the plumber\x1b[8m and 4000 GBP to jay@example.net"
                    "\x1b[28m today")
    got = review(p4["id"]) or ""
    t.check("A block finding: this plan cannot be approved" in got and
            re.search(r"findings: \d+ block", got) is not None,
            "a plan with a terminal escape says it has a block finding and cannot be approved",
            got)
    hline = got.split("\n")[1] if got else ""
    t.check("Task: propose:Pay 40 GBP to the plumber\\e[8m and 4000 GBP" in hline,
            "the review's header shows the task's escape as a token (the hidden part visible)",
            hline)
    s.keys("?")
    got = s.wait_for("Keys (any key closes this)")
    t.check(got is not None and re.search(r"\ba +approve", got) is not None and
            re.search(r"\br +reject", got) is not None,
            "? in the review lists its keys", s.shown)
    s.keys("x")
    s.wait_for("Keys (any key closes this)", gone=True)
    s.keys("G")
    time.sleep(0.2)
    s.keys("a")
    got = s.wait_for("this plan has a block finding: it cannot be approved")
    time.sleep(0.3)
    t.check(got is not None and "Approve and sign" not in s.text() and
            "to approve, type" not in s.text() and state(p4["id"])["state"] == "pending",
            "a on it asks nothing and approves nothing; the UI says so", s.shown)
    s.keys("r")
    got = s.wait_for("Reject plan " + p4["id"][:8])
    s.keys("Escape")
    got2 = s.wait_for("not rejected")
    t.check(got is not None and got2 is not None and state(p4["id"])["state"] == "pending",
            "rejecting it is offered (Esc cancels)", s.shown)
    s.keys("e")
    got = s.wait_for(re.compile(r"edited: plan [0-9a-f]{8} replaces %s" % p4["id"][:8]),
                     timeout=15)
    m = re.search(r"edited: plan ([0-9a-f]{8}) replaces", got or "")
    new = [p for p in w.plans("pending") if m and p["id"].startswith(m.group(1))]
    t.check(m is not None and len(new) == 1 and state(p4["id"])["state"] == "rejected" and
            b"\x1b" not in w.artifact(new[0]["id"]) and
            b"4000 GBP to jay@example.net today" in w.artifact(new[0]["id"]),
            "e edits it in $EDITOR: the edit is a new pending plan (scanned again, opened for "
            "review), the original rejected", (s.shown, [state(p4["id"])]))
    t.check(got is not None and "A block finding" not in got and
            ("plan " + (m.group(1) if m else "?")) in got.split("\n")[0],
            "the edited plan is under review now, without the block", got)
    time.sleep(1.2)  # the new review's first second
    s.keys("q")
    t.check(s.wait_for(lambda x: frame_ok(x, 80, 24)) is not None,
            "q goes back to the overview", s.shown)

    # ---- 3. resize: 80x24 -> 120x40 -> 80x24 (and too small) ----
    s.resize(120, 40)
    got = s.wait_for(lambda x: frame_ok(x, 120, 40))
    t.check(s.size() == (120, 40) and got is not None,
            "resized to 120x40: the UI redraws (title first, key bar above the message line, "
            "each pane once)", s.shown)
    s.resize(30, 8)
    got = s.wait_for("window too small")
    t.check(got is not None and "n new" not in got, "at 30x8 it says the window is too small",
            s.shown)
    s.resize(80, 24)
    got = s.wait_for(lambda x: frame_ok(x, 80, 24))
    t.check(got is not None, "back at 80x24 it redraws whole again", s.shown)
    before = re.findall(r"^> (Sessions|Plans|Egress)", s.text(), re.M)
    s.keys("Tab")
    got = s.wait_for(lambda x: re.findall(r"^> (Sessions|Plans|Egress)", x, re.M) not in
                     ([], before))
    t.check(got is not None and s.alive(), "and keys still work there (Tab moves the focus)",
            s.shown)

    # ---- the full crossing both ways, from the UI alone ----
    s.keys("n")
    s.wait_for("New session in which compartment?")
    s.keys("o")
    s.wait_for("Task for the offline side:")
    s.type("propose:Opening hours of the city library?")
    s.keys("Enter")
    got = s.wait_for(re.compile(r"started offline-[0-9a-f]{8}"))
    m = re.search(r"started (offline-[0-9a-f]{8})", got or "")
    out_plan = None
    if m:
        w.wait_ended(m.group(1))
        out_plan = (pending_from(m.group(1)) or [None])[0]
    t.check(out_plan is not None and out_plan["to"] == "online",
            "n, o, a task, Enter: an offline session proposes a plan for the online side",
            s.shown)
    answer = None
    if out_plan:
        got = review(out_plan["id"]) or ""
        s.keys("G")
        s.wait_for("You have read to the end")
        s.keys("a")
        s.wait_for("Approve and sign plan " + out_plan["id"][:8])
        s.keys("y")
        got = s.wait_for(re.compile(r"delivered into session online-[0-9a-f]{8}"), timeout=15)
        m = re.search(r"delivered into session (online-[0-9a-f]{8})", got or "")
        if m:
            w.wait_ended(m.group(1))
            answer = (pending_from(m.group(1)) or [None])[0]
    t.check(answer is not None and answer["to"] == "offline" and
            b"researched: Opening hours" in w.artifact(answer["id"]),
            "approved from the UI, it went online, and the online session's answer is a plan "
            "coming back", s.shown)
    if answer:
        got = review(answer["id"]) or ""
        t.check("UNTRUSTED CONTENT COMING IN" in got.split("\n")[0] and
                "researched: Opening hours" in got,
                "the answer opens as untrusted content coming in, its text on screen", got)
        s.keys("G")
        s.wait_for("You have read to the end")
        s.keys("a")
        s.wait_for("Approve and sign plan " + answer["id"][:8])
        s.keys("y")
        got = s.wait_for(re.compile(r"delivered into session offline-[0-9a-f]{8}"), timeout=15)
        m = re.search(r"delivered into session (offline-[0-9a-f]{8})", got or "")
        if m:
            w.wait_ended(m.group(1))
    t.check(answer is not None and answer["id"] in runs(),
            "approved from the UI too, it reached a new offline session, which acted on it",
            (runs(), s.shown))

    # ---- egress in the overview: allowed and denied requests, denials standing out ----
    for url in ("http://fixture.test:%d/hours" % port, "http://elsewhere.test:%d/" % port):
        w.wait_ended(start("online", "fetch:" + url))
    recs = [(r.get("phase"), r.get("verdict"), r.get("host")) for r in
            w.req("egress").get("records", [])]
    got = s.wait_for(lambda x: re.search(r"DENIED +elsewhere\.test:%d" % port, x) and
                     re.search(r"allowed fixture\.test:%d" % port, x)) or s.text()
    erows = [x for x in got.split("\n")
             if re.match(r" +(\d\d:\d\d:\d\d )?(allowed|DENIED|ERROR)", x)]
    allowed = next((x for x in erows if "fixture.test:%d" % port in x), "")
    denied = next((x for x in erows if "elsewhere.test:%d" % port in x), "")
    t.check(allowed.split()[1:2] == ["allowed"] and denied.split()[1:2] == ["DENIED"] and
            len(erows) == 2,
            "the egress pane shows the allowed request and the denied one, as they happen "
            "[UI BUG if this fails: ui-tui/app.c on_event reads the event's record from "
            "\"record\"; control.md and airlockd put it under \"egress\"]",
            "airlockd's egress op: %r\n%s" % (recs, got))
    dline = next((x for x in s.screen().split("\n") if "DENIED" in x and "elsewhere.test" in x),
                 "")
    t.check(fg_at(dline, "DENIED") == "31",
            "the denial stands out (red)", repr(dline))

    # ---- 4. the daemon goes away and comes back ----
    def plan_rows(x):
        return re.findall(r"^  ([0-9a-f]{8}) (?:pending|delivered|rejected) ", x, re.M)

    rows_before = plan_rows(s.text())
    w.stop()
    got = s.wait_for("airlockd unreachable", timeout=15)
    t.check(got is not None and s.alive(), "with airlockd stopped the UI says 'airlockd "
            "unreachable' and stays up", s.shown)
    time.sleep(1.5)
    t.check(s.alive() and "airlockd unreachable" in s.text(), "it keeps running while it retries",
            s.shown)
    w.start()
    got = s.wait_for("reconnected to airlockd", timeout=15)
    t.check(got is not None and "airlockd unreachable" not in got,
            "airlockd started again: the UI says 'reconnected'", s.shown)
    npending = len(w.plans("pending"))
    got = s.wait_for(lambda x: plan_rows(x) == rows_before and
                     "%d waiting for you" % npending in x)
    t.check(got is not None and len(rows_before) >= 5, "and lists the plans again, as before",
            (rows_before, s.shown))
    propose("offline", "A plan made after the restart")
    got = s.wait_for("%d plans waiting" % (npending + 1))
    t.check(got is not None, "and follows the new daemon's events (a new plan is counted)",
            s.shown)

    # ---- 5. NO_COLOR ----
    t.check(colour_params(s.screen()) != [],
            "(control) with colours on, the screen has colour attributes", s.shown)
    nc = ui(NO_COLOR="1")
    got = nc.wait_for(lambda x: "connected to airlockd" in x and on_plan["id"][:8] in x)
    t.check(got is not None and "IN untrusted, coming in" in got and
            "OUT leaving your computer" in got, "with NO_COLOR=1 the overview works", nc.shown)
    nc.keys("Tab")
    got = nc.wait_for("> Plans")
    scr = nc.screen()
    t.check(got is not None and colour_params(scr) == [],
            "with NO_COLOR=1 the screen has no colour attributes at all",
            sorted(set(colour_params(scr))))
    attrs = set(p for m in SGR.finditer(scr) for p in m.group(1).split(";"))
    t.check("7" in attrs and "1" in attrs,
            "without colour the selection is reverse video and titles bold", sorted(attrs))
    if esc_path is not None:
        got = open_plan(nc, es_plan["id"])
        scr = nc.screen()
        attrs = set(p for m in SGR.finditer(scr) for p in m.group(1).split(";"))
        t.check(got is not None and "\\e[8m" in got and colour_params(scr) == [] and
                "4" in attrs,
                "with NO_COLOR=1 a review has no colour either; its tokens are underlined",
                (sorted(set(colour_params(scr))), sorted(attrs), nc.shown))
        time.sleep(1.2)
        nc.keys("q")
        nc.wait_for("> Plans")
    nc.keys("q")
    t.check(nc.wait_for(lambda x: not nc.alive(), timeout=5) is not None and
            nc.exit_status() == 0, "q quits (exit status 0)", (nc.exit_status(), nc.shown))

    # ---- a locale whose codeset is not UTF-8: the UI's own title in ASCII ----
    title = s.text().split("\n")[0]
    t.check(" running · " in title and " waiting · approver" in title,
            "(control) under C.UTF-8 the title's fields are separated by ·", title)
    lc = ui(LANG="C", LC_ALL="C")
    got = lc.wait_for(lambda x: "connected to airlockd" in x and "waiting" in x.split("\n")[0])
    title = got.split("\n")[0] if got else ""
    t.check(re.search(r" running - \d+ plans? waiting - approver ", title) is not None and
            "\\u{" not in title,
            "under LANG=C the title's separators are ' - ', not \\u{00B7} tokens", lc.shown)
    lc.keys("q")
    t.check(lc.wait_for(lambda x: not lc.alive(), timeout=5) is not None and
            lc.exit_status() == 0, "q quits the LANG=C UI (exit status 0)", lc.shown)

    # ---- an approver key with a passphrase: the UI says so before the seconds of scrypt ----
    enc = w.base + "/enc.key"
    subprocess.run([w.bin + "/airlock", "keygen", "-p", w.base + "/enc.pub", "-s", enc],
                   input="a passphrase\n", text=True, env=w.env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, pe = propose("online", "The bakery on the corner opens at seven")
    ek = ui(key=enc)
    ek.wait_for("connected to airlockd")
    open_plan(ek, pe["id"])
    time.sleep(1.2)
    ek.keys("G")
    ek.wait_for("You have read to the end")
    ek.keys("a")
    ek.wait_for("Approve and sign plan " + pe["id"][:8])
    ek.keys("y")
    got = ek.wait_for("Passphrase of the approver key")
    t.check(got is not None, "an encrypted key: the UI asks for its passphrase", ek.shown)
    ek.type("a passphrase")
    ek.keys("Enter")
    got = ek.wait_for("deriving the key from the passphrase...", timeout=10)
    t.check(got is not None and "approve:" not in got,
            "the message line says the key is being derived from the passphrase, before any "
            "answer", ek.shown)
    # Not the key airlockd was configured with: the signature is refused, nothing approved.
    got = ek.wait_for("deriving the key from the passphrase...", timeout=60, gone=True)
    t.check(got is not None and state(pe["id"])["state"] == "pending",
            "then the signing goes on; a key airlockd does not know approves nothing",
            (ek.shown, state(pe["id"])))

    t.check(s.alive() and not s.buffers(), "the UI never set the clipboard (no tmux buffer)",
            s.buffers())
    # The first UI went through everything above: it quits cleanly too (in a sanitizer
    # build a leak or an error report would make the status non-zero and stay on screen).
    if focus(s, "Plans"):
        s.keys("q")
    t.check(s.wait_for(lambda x: not s.alive(), timeout=10) is not None and
            s.exit_status() == 0, "after all of that, q quits the first UI (exit status 0)",
            (s.exit_status(), s.shown))
except Exception:  # a broken step is a failure, with what the screen showed
    import traceback
    t.check(False, "the test ran to the end", traceback.format_exc() + "\nlast screen:\n" +
            (screens[-1].shown if screens else "") + "\n" + w.logtext())
finally:
    for x in screens:
        x.kill()
    w.cleanup()
    if w2 is not None:
        w2.cleanup()
    httpd.shutdown()
t.finish()
