#!/usr/bin/env python3
"""config_doc.py (CTest docs.config): the configuration reference against the parser.

The fields the parser accepts come from the parser itself: `config_fields` prints
al_config_fields(), the list lib/config.c checks every object of the file against, so a
field is accepted exactly when it is in that list. The documented fields are read from
docs/config.md (the first cell of every row of a table whose header starts with
"| Field |") and from airlock.json(5) (the tag of every .TP under FIELDS); "<side>." and
"side." stand for both "offline." and "online.".

Both directions, each able to fail:
- every field the parser accepts is documented in docs/config.md and in airlock.json(5);
- every documented field is accepted: each is fed to the real parser through
  `airlockd --check-config` with a value of the wrong type (true: no field is a boolean),
  which must fail with EJSONTYPE naming that very field. A field the parser does not
  know fails with EJSONUNKNOWN instead (the positive control below shows it does), and a
  field it lists but never reads would be accepted: both are caught.
And every example configuration in docs/config.md and airlock.json(5) is valid.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import roff  # noqa: E402
from ctl import Checks  # noqa: E402

SOURCE = os.environ.get(
    "AIRLOCK_SOURCE", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CONFIG_MD = os.path.join(SOURCE, "docs", "config.md")
CONFIG_5 = os.path.join(SOURCE, "docs", "man", "airlock.json.5")
AIRLOCKD = os.environ.get("AIRLOCKD")
FIELDS = os.environ.get("AIRLOCK_CONFIG_FIELDS")
PATH_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")

t = Checks()


def sides(name):
    """The field names a documented name stands for."""
    for prefix in ("<side>.", "side."):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            return ["offline." + rest, "online." + rest]
    return [name]


def from_markdown(path):
    """[(field, line number)] from the field tables of docs/config.md, and the malformed rows."""
    out, bad, in_table = [], [], False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.startswith("|"):
                in_table = False
                continue
            if re.match(r"^\|\s*Field\s*\|", line):
                in_table = True
                continue
            if not in_table or re.match(r"^\|[\s:|-]+\|$", line):
                continue
            m = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
            if m is None:
                bad.append("%d: %s" % (n, line[:60]))
                continue
            out.extend((name, n) for name in sides(m.group(1)))
    return out, bad


def from_man(path):
    """[(field, line number)] from the tags under FIELDS in airlock.json(5)."""
    lines = roff.read(path)
    start = next((i for i, x in enumerate(lines) if x.startswith(".SH FIELDS")), None)
    if start is None:
        return [], ["no FIELDS section"]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(".SH")),
               len(lines))
    out, bad = [], []
    for tag, _ in roff.tagged(lines[start + 1:end]):
        name = roff.text(tag).strip()
        n = lines.index(tag) + 1
        if not tag.startswith((".B ", ".IB side ")) or " " in name:
            bad.append("%d: %s" % (n, tag))
            continue
        out.extend((x, n) for x in sides(name))
    return out, bad


def json_examples():
    """(where, text) of every JSON configuration the two documents show."""
    out = []
    with open(CONFIG_MD, encoding="utf-8") as f:
        md = f.read()
    for i, block in enumerate(re.findall(r"```json\n(.*?)```", md, re.S)):
        out.append(("docs/config.md example %d" % (i + 1), block))
    lines = roff.read(CONFIG_5)
    sec = roff.sections(lines).get("EXAMPLES", [])
    block, inside = [], False
    for line in sec:
        if line.startswith(".EX"):
            block, inside = [], True
        elif line.startswith(".EE"):
            inside = False
            if block and block[0].lstrip().startswith("{"):
                out.append(("airlock.json(5) EXAMPLES", "\n".join(block)))
        elif inside:
            block.append(roff.unescape(line))
    return out


class World:
    """A home and XDG directories for airlockd --check-config, all in one temporary
    directory; --check-config creates nothing in them."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="airlock-config-doc-")
        root = self.tmp.name
        self.home = os.path.join(root, "home", "ann")
        os.makedirs(self.home)
        self.env = {
            "PATH": "/usr/bin:/bin",
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
            "XDG_STATE_HOME": os.path.join(root, "state"),
            "XDG_RUNTIME_DIR": os.path.join(root, "run"),
        }
        self.n = 0

    def check_config(self, text):
        self.n += 1
        path = os.path.join(self.tmp.name, "config-%d.json" % self.n)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run([AIRLOCKD, "--check-config", "--config", path], env=self.env,
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr


def nest(path, value):
    """{"a": {"b": {"c": value}}} for "a.b.c"."""
    for part in reversed(path.split(".")):
        value = {part: value}
    return value


def probe(world, field):
    """Feeds field a value of the wrong type. Returns the verdict: "known" when the parser
    read the field (EJSONTYPE naming it), "unknown" (EJSONUNKNOWN naming it), "ignored"
    (accepted: listed but never read), or "other" with the output."""
    rc, out = world.check_config(json.dumps(nest(field, True)))
    if rc == 0:
        return "ignored", out
    if "[EJSONTYPE]" in out and (": %s: must be" % field) in out:
        return "known", out
    if "[EJSONUNKNOWN]" in out and re.search(r": %s: unknown field" % re.escape(field), out):
        return "unknown", out
    return "other", out


def main():
    for what, path in (("AIRLOCKD", AIRLOCKD), ("AIRLOCK_CONFIG_FIELDS", FIELDS)):
        if not path or not os.access(path, os.X_OK):
            t.check(False, "%s is set to a program (%r)" % (what, path))
            t.finish()
    r = subprocess.run([FIELDS], capture_output=True, text=True, timeout=30)
    accepted = r.stdout.split()
    t.check(r.returncode == 0 and len(accepted) >= 20 and all(PATH_RE.match(f) for f in accepted)
            and len(set(accepted)) == len(accepted),
            "the parser lists the fields it accepts (%d)" % len(accepted), r.stdout + r.stderr)

    md, md_bad = from_markdown(CONFIG_MD)
    man, man_bad = from_man(CONFIG_5)
    for where, found, bad in (("docs/config.md", md, md_bad),
                              ("airlock.json(5)", man, man_bad)):
        names = [f for f, _ in found]
        t.check(not bad, where + ": every field entry names one field", "\n".join(bad))
        twice = sorted({f for f in names if names.count(f) > 1})
        t.check(not twice, where + ": no field is documented twice", " ".join(twice))
        missing = [f for f in accepted if f not in names]
        t.check(not missing, "%s documents every field the parser accepts (%d)"
                % (where, len(accepted)), "not documented: " + " ".join(missing))
        extra = sorted({"%s (line %d)" % (f, n) for f, n in found if f not in accepted})
        t.check(not extra, where + ": every field it documents is in the parser's list",
                "not accepted: " + " ".join(extra))

    world = World()
    # The positive control: the probe tells a field the parser reads from one it does not.
    verdict, out = probe(world, "offline.limits.not_a_field")
    t.check(verdict == "unknown", "a made-up field is refused as unknown (EJSONUNKNOWN)", out)
    verdict, out = probe(world, "plans.max_bytes")
    t.check(verdict == "known", "a real field given the wrong type is read (EJSONTYPE)", out)

    documented = []
    for f, _ in md + man:
        if f not in documented:
            documented.append(f)
    for f in documented + [f for f in accepted if f not in documented]:
        verdict, out = probe(world, f)
        t.check(verdict == "known", "the parser reads %s (wrong type: EJSONTYPE at %s)" % (f, f),
                "%s: %s" % (verdict, out))

    examples = json_examples()
    t.check(len(examples) >= 3, "the documents show example configurations (%d)" % len(examples))
    for where, text in examples:
        rc, out = world.check_config(text)
        t.check(rc == 0 and "is valid" in out, where + " is a valid configuration", out)
    world.tmp.cleanup()
    t.finish()


if __name__ == "__main__":
    main()
