#!/usr/bin/env python3
"""man_pages.py (CTest docs.man): the manual pages in docs/man/ against the programs.

- The five pages are there and nothing else: airlock(1), airlock-tui(1), airlock.json(5),
  airlock-plan(5), airlockd(8).
- Each renders without a single warning: groff -ww (every warning category), and
  mandoc -Tlint at level "warning"; rendered at 80 columns no line is wider, and no roff
  escape or request shows through as text.
- .TH names the page as its file name does, and the version is `airlock --version`'s.
- Every command `airlock --help` lists has an entry under COMMANDS in airlock(1), every
  entry there is a command, and each entry names every option its `airlock COMMAND
  --help` names.
- Every option `airlockd --help` and `airlock-tui --help` name is described under OPTIONS
  in their pages, and every long option described there is one the program has.
- Every airlock page that a page refers to (SEE ALSO and elsewhere) exists.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import roff  # noqa: E402
from ctl import Checks  # noqa: E402

SOURCE = os.environ.get(
    "AIRLOCK_SOURCE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAN = os.path.join(SOURCE, "docs", "man")
AIRLOCK = os.environ.get("AIRLOCK")
AIRLOCKD = os.environ.get("AIRLOCKD")
AIRLOCK_TUI = os.environ.get("AIRLOCK_TUI")
PAGES = ["airlock.1", "airlock-tui.1", "airlock.json.5", "airlock-plan.5", "airlockd.8"]
WIDTH = 80

t = Checks()


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


def help_of(argv):
    r = run(argv)
    if r.returncode != 0:
        t.check(False, " ".join(os.path.basename(a) for a in argv) + " exits 0",
                r.stdout + r.stderr)
    return r.stdout


def render(page):
    """The page as a terminal of WIDTH columns shows it, without bold or underline.
    groff's man macros default to 78n: the line length man-db uses for 80 columns."""
    env = dict(os.environ, LC_ALL="C.UTF-8")
    return run(["groff", "-man", "-Tutf8", "-P-cbou", "-rLL=%dn" % (WIDTH - 2),
                "-rLT=%dn" % (WIDTH - 2), page], env=env)


def check_rendering(name, path):
    r = run(["groff", "-man", "-Tutf8", "-ww", "-z", path],
            env=dict(os.environ, LC_ALL="C.UTF-8"))
    t.check(r.returncode == 0 and r.stderr == "", name + ": groff -ww gives no warning",
            r.stderr)
    if shutil.which("mandoc") is None:
        t.check(False, name + ": mandoc -Tlint (mandoc is not installed: make deps)")
    else:
        r = run(["mandoc", "-Tlint", "-W", "warning", path])
        out = (r.stdout + r.stderr).strip()
        t.check(r.returncode == 0 and out == "", name + ": mandoc -Tlint -W warning is silent",
                out)
    r = render(path)
    lines = r.stdout.split("\n")
    wide = ["%d: %s" % (len(x), x) for x in lines if len(x) > WIDTH]
    t.check(r.returncode == 0 and len(lines) > 20 and not wide,
            "%s: renders, no line wider than %d columns" % (name, WIDTH), "\n".join(wide))
    leaked = [x for x in lines if re.search(r"\\f[BIRP(\[]|\\\(|^\s*\.[A-Z]{1,2}\b", x)]
    t.check(not leaked, name + ": no roff escape or request shows as text", "\n".join(leaked))
    return r.stdout


def check_th(name, lines, version):
    stem, section = name.rsplit(".", 1)
    args = roff.th(lines)
    t.check(len(args) >= 4 and roff.unescape(args[0]) == stem.upper() and args[1] == section,
            name + ": .TH names it %s(%s)" % (stem.upper(), section), repr(args))
    t.check(len(args) >= 4 and args[3] == "airlock " + version,
            name + ": .TH gives the version of the programs (airlock %s)" % version, repr(args))
    sec = roff.sections(lines)
    names = " ".join(roff.text(x) for x in sec.get("NAME", []))
    t.check(names.startswith(stem + " - "), name + ": NAME is '%s - ...'" % stem, names)


def check_commands(lines):
    """airlock(1)'s COMMANDS against `airlock --help` and each `airlock COMMAND --help`."""
    listed = []
    for line in help_of([AIRLOCK, "--help"]).split("\n"):
        m = re.match(r"^  ([a-z][a-z-]*) ", line)
        if m:
            listed.append(m.group(1))
    t.check(len(listed) >= 20, "airlock --help lists the commands (%d)" % len(listed))
    entries = {}
    for tag, body in roff.tagged(roff.sections(lines).get("COMMANDS", [])):
        words = roff.text(tag).split()
        if not words:
            continue
        entries.setdefault(words[0], []).append(roff.text(tag))
        entries[words[0]].extend(roff.text(b) for b in body)
    missing = [c for c in listed if c not in entries]
    extra = [c for c in entries if c not in listed]
    t.check(not missing, "airlock(1) has an entry for every command of airlock --help",
            "missing: " + " ".join(missing))
    t.check(not extra, "every command airlock(1) describes is one airlock --help lists",
            "not a command: " + " ".join(extra))
    for c in listed:
        if c not in entries:
            continue
        want = roff.options(help_of([AIRLOCK, c, "--help"]))
        have = roff.options(" ".join(entries[c]))
        gone = sorted(want - have)
        t.check(not gone, "airlock(1) %s: every option of 'airlock %s --help' (%s)"
                % (c, c, " ".join(sorted(want)) or "none"), "not described: " + " ".join(gone))


def check_options(name, lines, prog):
    """The OPTIONS section of a page against the program's --help."""
    want = roff.options(help_of([prog, "--help"]))
    sec = roff.sections(lines).get("OPTIONS", [])
    described, tags = set(), set()
    for tag, body in roff.tagged(sec):
        tags |= {o for o in roff.options(roff.text(tag)) if o.startswith("--")}
        described |= roff.options(roff.text(tag))
    gone = sorted(want - described)
    t.check(len(want) >= 3 and not gone, "%s: OPTIONS describes every option of %s --help (%s)"
            % (name, os.path.basename(prog), " ".join(sorted(want))),
            "not described: " + " ".join(gone))
    extra = sorted(tags - want)
    t.check(not extra, "%s: every long option it describes is in %s --help"
            % (name, os.path.basename(prog)), "not an option: " + " ".join(extra))


def check_references(name, lines):
    refs = set()
    for line in lines:
        for m in re.finditer(r"(airlock[a-z.\-]*)\s*\((\d)\)", roff.text(line)):
            refs.add("%s.%s" % (m.group(1), m.group(2)))
    gone = sorted(r for r in refs if r not in PAGES)
    t.check(not gone, name + ": every airlock page it refers to exists (%s)"
            % " ".join(sorted(refs)), "no such page: " + " ".join(gone))


def main():
    for what, path in (("AIRLOCK", AIRLOCK), ("AIRLOCKD", AIRLOCKD), ("AIRLOCK_TUI", AIRLOCK_TUI)):
        if not path or not os.access(path, os.X_OK):
            t.check(False, "%s is set to a program (%r)" % (what, path))
            t.finish()
    if shutil.which("groff") is None:
        t.check(False, "groff is installed (groff-base: make deps)")
        t.finish()
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(MAN, "*"))
                   if re.search(r"\.[1-8]$", p))
    t.check(found == sorted(PAGES), "docs/man holds exactly the five pages", " ".join(found))
    version = run([AIRLOCK, "--version"]).stdout.split()[-1]
    for name in PAGES:
        path = os.path.join(MAN, name)
        if not os.path.exists(path):
            continue
        lines = roff.read(path)
        check_rendering(name, path)
        check_th(name, lines, version)
        check_references(name, lines)
        if name == "airlock.1":
            check_commands(lines)
        elif name == "airlockd.8":
            check_options(name, lines, AIRLOCKD)
        elif name == "airlock-tui.1":
            check_options(name, lines, AIRLOCK_TUI)
    t.finish()


if __name__ == "__main__":
    main()
