#!/usr/bin/env python3
"""config_doc.py (CTest docs.config): the configuration reference against the parser.

What the parser accepts comes from the parser itself: `config_fields` prints
al_config_fields(), the table lib/config.c checks every object of the file against and
takes every range and length from, one JSON object a field (name, type, min, max, len_min,
len_max, default). The documented fields are read from docs/config.md (every row of a
table whose header starts with "| Field |", by its column names) and from airlock.json(5)
(every .TP under FIELDS, with the text beneath it); "<side>." and "side." stand for both
"offline." and "online.".

The names, both ways, each able to fail:
- every field the parser accepts is documented in docs/config.md and in airlock.json(5);
- every documented field is accepted: each is fed to the real parser through
  `airlockd --check-config` with a value of the wrong type (true: no field is a boolean),
  which must fail with EJSONTYPE naming that very field. A field the parser does not
  know fails with EJSONUNKNOWN instead (the positive control below shows it does), and a
  field it lists but never reads would be accepted: both are caught.

What each document states of a field, against the table:
- the type (docs/config.md's Type column; the first words of the man page's entry);
- the default (the Default column, or the man page's "default ..."): "4096 offline, 2048
  online" gives each side its own; "none" is a field without a default;
- the range: "MIN to MAX" of a whole number, the number of items of an array or members of
  an object ("at most N", "A to B items"), and the bytes of each string ("at most N bytes",
  "A to B bytes") where the table bounds them. A path's length is stated once, for the
  path type (Value types; VALUES), and checked against every path field. online.resolve's
  byte bound on a value is not required in the documents: no address with a port comes
  near it.

What the parser does, against the table, through `airlockd --check-config`:
- `{}` with `--print` (the effective configuration as JSON) shows every field at the
  table's default, online.home left out as it has none, and no field the table lacks;
- each whole number at its min and max is accepted, and --print shows the value with every
  other field as it shows them for {}; min-1 and max+1 are refused with ECONFIG naming the
  field;
- each array or object with its fewest and most items is accepted (likewise printed); one
  fewer (where the fewest is above 0) and one more are refused naming the field;
- each string with a byte bound: an item of len_min and of len_max bytes accepted (where a
  valid one of that length exists: no path is one byte long but "/", which is refused for
  what it is, and no pin's value comes near its bound), and len_min-1 and len_max+1 bytes
  refused naming the item, the latter as "longer than len_max bytes".
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
TYPES = ["path", "whole number", "array of strings", "array of paths",
         "array of variable names", "array of rule strings", "object"]
MISSING = object()

t = Checks()


def sides(name):
    """The field names a documented name stands for."""
    for prefix in ("<side>.", "side."):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            return ["offline." + rest, "online." + rest]
    return [name]


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def from_markdown(path):
    """[(field, line number, {column: cell})] from the field tables of docs/config.md, the
    malformed rows, and the Value types table as {type: meaning}."""
    out, bad, header, types = [], [], None, {}
    in_types = False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.startswith("|"):
                header, in_types = None, False
                continue
            if re.match(r"^\|\s*Field\s*\|", line):
                header = cells(line)
                continue
            if re.match(r"^\|\s*Type\s*\|\s*Meaning\s*\|", line):
                in_types = True
                continue
            if re.match(r"^\|[\s:|-]+\|$", line):
                continue
            if in_types:
                row = cells(line)
                types[row[0]] = row[1]
                continue
            if header is None:
                continue
            m = re.match(r"^\|\s*`([^`]+)`\s*\|", line)
            row = cells(line)
            if m is None or len(row) != len(header):
                bad.append("%d: %s" % (n, line[:60]))
                continue
            out.extend((name, n, dict(zip(header, row))) for name in sides(m.group(1)))
    return out, bad, types


def man_text(lines):
    return " ".join(x for x in (roff.text(line) for line in lines) if x)


def from_man(path):
    """[(field, line number, text of its entry)] from the tags under FIELDS in
    airlock.json(5), the malformed tags, and VALUES as {type: text}."""
    lines = roff.read(path)
    start = next((i for i, x in enumerate(lines) if x.startswith(".SH FIELDS")), None)
    if start is None:
        return [], ["no FIELDS section"], {}
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(".SH")),
               len(lines))
    out, bad = [], []
    for tag, body in roff.tagged(lines[start + 1:end]):
        name = roff.text(tag).strip()
        n = lines.index(tag) + 1
        if not tag.startswith((".B ", ".IB side ")) or " " in name:
            bad.append("%d: %s" % (n, tag))
            continue
        out.extend((x, n, man_text(body)) for x in sides(name))
    values = {roff.text(tag).strip(): man_text(body)
              for tag, body in roff.tagged(roff.sections(lines).get("VALUES", []))}
    return out, bad, values


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


# ---- what a document states ----------------------------------------------------------

def stated_default(text, field):
    """The default a statement gives field: text as the table writes it, None for "none",
    or an "(unreadable ...)" string."""
    text = text.strip()
    if re.match(r"none\b", text):
        return None
    m = re.match(r"(\S+) offline, (\S+) online\b", text)
    if m:
        return m.group(1 if field.startswith("offline.") else 2)
    m = re.match(r"`([^`]*)`", text)
    if m:
        return m.group(1)
    m = re.match(r"(\S+)", text)
    if m:
        return m.group(1).rstrip(".,;:")
    return "(unreadable: %r)" % text[:40]


def stated_range(f, text):
    """{"min", "max", "len_min", "len_max"} as far as text states them for field f."""
    out = {}
    if f["type"] == "whole number":
        m = re.search(r"\b(\d+) to (\d+)\b", text)
        if m:
            out["min"], out["max"] = int(m.group(1)), int(m.group(2))
        return out
    if f["type"] == "path":
        return out
    m = (re.search(r"\bat most (\d+)\b(?! bytes)", text)
         or re.search(r"\b(\d+) to (\d+) (?:items|strings|paths|members)\b", text))
    if m and m.lastindex == 1:
        out["min"], out["max"] = 0, int(m.group(1))
    elif m:
        out["min"], out["max"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"(?:\b(\d+) to )?\b(\d+) bytes\b", text)
    if m:
        out["len_max"] = int(m.group(2))
        if m.group(1):
            out["len_min"] = int(m.group(1))
    return out


def same_default(f, stated):
    """Whether the stated default is the table's: JSON values compared as values."""
    if stated is None or f["default"] is None:
        return stated == f["default"]
    if f["type"] == "path":
        return stated == f["default"]
    try:
        return json.loads(stated) == json.loads(f["default"])
    except ValueError:
        return False


def check_statement(where, f, n, type_stated, default_text, range_text):
    name = f["name"]
    t.check(type_stated == f["type"], "%s states the type of %s: %s (line %d)"
            % (where, name, f["type"], n), "the document says %r" % type_stated)
    d = stated_default(default_text, name)
    t.check(same_default(f, d), "%s states the default of %s: %s (line %d)"
            % (where, name, f["default"], n),
            "the document says %r, the parser's table %r" % (d, f["default"]))
    r = stated_range(f, range_text)
    want = ["min", "max"] if f["type"] != "path" else []
    if f["len_max"] and f["type"] in ("array of strings", "array of variable names",
                                      "array of rule strings"):
        want.append("len_max")
    for k in want:
        t.check(r.get(k) == f[k], "%s states the %s of %s: %s (line %d)"
                % (where, k, name, f[k], n),
                "the document says %r in %r" % (r.get(k), range_text[:120]))
    # A stated shortest length must be the table's; unstated, the table's is 0 or 1 (an
    # empty string is refused with its own message, which the documents explain).
    if "len_min" in r or f["len_min"] > 1:
        t.check(r.get("len_min") == f["len_min"], "%s states the len_min of %s: %s (line %d)"
                % (where, name, f["len_min"], n), "the document says %r" % r.get("len_min"))


def md_type(cell):
    cell = re.sub(r"`[^`]*`", "", cell).strip()
    return next((x for x in sorted(TYPES, key=len, reverse=True) if cell.startswith(x)), cell)


def man_type(text):
    if text.startswith("Path"):
        return "path"
    if re.match(r"(Whole number, )?\d+ to \d+", text):
        return "whole number"
    if text.startswith("Object"):
        return "object"
    m = re.match(r"Array of [^;(]*?\b(strings|paths|variable names|rules)\b", text)
    if m:
        return {"rules": "array of rule strings"}.get(m.group(1), "array of " + m.group(1))
    return text[:30]


def man_default(text):
    m = re.search(r"\bdefault (.*)", text)
    return m.group(1) if m else "(no default stated)"


# ---- airlockd --check-config -----------------------------------------------------------

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

    def run(self, text, *extra):
        """(exit status, stdout, stderr) of airlockd --check-config on text."""
        self.n += 1
        path = os.path.join(self.tmp.name, "config-%d.json" % self.n)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run([AIRLOCKD, "--check-config", "--config", path] + list(extra),
                           env=self.env, capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr

    def check_config(self, text):
        rc, out, err = self.run(text)
        return rc, out + err

    def expand(self, path):
        """A path default as the parser stores it."""
        path = path.replace("$XDG_CONFIG_HOME", self.env["XDG_CONFIG_HOME"])
        if path == "~" or path.startswith("~/"):
            path = self.home + path[1:]
        return path


def nest(path, value):
    """{"a": {"b": {"c": value}}} for "a.b.c"."""
    for part in reversed(path.split(".")):
        value = {part: value}
    return value


def lookup(tree, path):
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return MISSING
        tree = tree[part]
    return tree


def leaves(tree, names, prefix=""):
    """The field paths of a printed configuration: a member whose path is a field is a
    leaf, whatever its value (online.resolve is an object)."""
    out = []
    for k, v in tree.items():
        p = prefix + k
        if p in names or not isinstance(v, dict):
            out.append(p)
        else:
            out.extend(leaves(v, names, p + "."))
    return out


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


class Bounds:
    """Probes each field at the edges of its range, comparing --print with the table."""

    def __init__(self, world, table):
        self.world = world
        self.table = table
        self.names = {f["name"] for f in table}
        self.default = {f["name"]: self.default_value(f) for f in table}
        self.baseline = {}  # what --print shows of {}: the defaults the parser applies

    def default_value(self, f):
        if f["default"] is None:
            return MISSING
        if f["type"] == "path":
            return self.world.expand(f["default"])
        return json.loads(f["default"])

    def accepted(self, what, field, value, shown=MISSING):
        """value for field must be accepted, and --print must show it as shown (value
        itself by default) with every other field as in {} (whether those are the
        table's defaults is checked once, in defaults())."""
        rc, out, err = self.world.run(json.dumps(nest(field, value)), "--print")
        try:
            printed = json.loads(out) if rc == 0 else None
        except ValueError:
            printed = None
        if not t.check(printed is not None, "%s: %s is accepted" % (field, what), out + err):
            return
        want = value if shown is MISSING else shown
        got = lookup(printed, field)
        others = [f for f in self.names if f != field
                  and lookup(printed, f) != self.baseline.get(f, MISSING)]
        t.check(got == want and not others,
                "%s: %s is what --print shows, every other field at its default"
                % (field, what),
                "shown: %s\nnot at their defaults: %s"
                % (json.dumps(got)[:200] if got is not MISSING else "(absent)",
                   " ".join(sorted(others))))

    def refused(self, what, field, value, where=None, why=None):
        """value for field must be refused with ECONFIG naming where (field by default),
        and the detail saying why if given."""
        where = where or field
        rc, out, err = self.world.run(json.dumps(nest(field, value)))
        named = "[ECONFIG]" in err and (": %s: " % where) in err
        t.check(rc == 1 and named and (why is None or why in err),
                "%s: %s is refused naming %s%s" % (field, what, where,
                                                    " (%s)" % why if why else ""),
                "exit %d: %s" % (rc, (out + err).strip()))

    def defaults(self):
        rc, out, err = self.world.run("{}", "--print")
        try:
            printed = json.loads(out) if rc == 0 else {}
        except ValueError:
            printed = {}
        t.check(bool(printed), "airlockd --check-config --print prints {} as JSON", out + err)
        self.baseline = {f: lookup(printed, f) for f in self.names}
        for f in self.table:
            got = lookup(printed, f["name"])
            t.check(got == self.default[f["name"]],
                    "%s is %s when absent (--print of {})" % (
                        f["name"], "left out" if f["default"] is None else f["default"]),
                    "shown: %s" % ("(absent)" if got is MISSING else json.dumps(got)))
        extra = [p for p in leaves(printed, self.names) if p not in self.names]
        t.check(not extra, "--print shows no field beyond the parser's table", " ".join(extra))

    @staticmethod
    def items(f, n):
        """n valid, distinct items (or members) for the array or object f."""
        if f["type"] == "object":
            return {"h%d.example:80" % i: "192.0.2.1:80" for i in range(n)}
        make = {
            "array of strings": lambda i: "item-%03d" % i,
            "array of paths": lambda i: "/opt/airlock-doc/%d" % i,
            "array of variable names": lambda i: "VAR_%d" % i,
            "array of rule strings": lambda i: "h%d.example" % i,
        }[f["type"]]
        first = ["/bin/sh"] if f["type"] == "array of strings" else []
        return (first + [make(i) for i in range(n)])[:n]

    @staticmethod
    def string_of(f, k):
        """A valid string of k bytes for an item of f (or a path field), or None."""
        kind = f["type"]
        if kind in ("path", "array of paths"):
            return "/opt/" + "p" * (k - 5) if k > 5 else None
        if kind == "array of strings":
            return "x" * k
        if kind == "array of variable names":
            return "V" * k
        if kind == "array of rule strings":
            # "*.", then labels of 63 bytes, then ":65535"; "a" is the shortest rule.
            if k == 1:
                return "a"
            if k < 2 + 1 + 6:
                return None
            name, left = [], k - 8
            while left > 0:
                size = min(63, left)
                name.append("a" * size)
                left -= size + 1
            text = ".".join(name)
            return "*." + text + ":65535" if len(text) == k - 8 else None
        return None

    def number(self, f):
        name, lo, hi = f["name"], f["min"], f["max"]
        self.accepted("its min %d" % lo, name, lo)
        self.accepted("its max %d" % hi, name, hi)
        self.refused("min-1 (%d)" % (lo - 1), name, lo - 1)
        self.refused("max+1 (%d)" % (hi + 1), name, hi + 1)

    def count(self, f):
        name, lo, hi = f["name"], f["min"], f["max"]
        unit = "members" if f["type"] == "object" else "items"
        self.accepted("%d %s (its fewest)" % (lo, unit), name, self.items(f, lo))
        self.accepted("%d %s (its most)" % (hi, unit), name, self.items(f, hi))
        if lo > 0:
            self.refused("%d %s" % (lo - 1, unit), name, self.items(f, lo - 1))
        self.refused("%d %s" % (hi + 1, unit), name, self.items(f, hi + 1))

    def length(self, f):
        """The bytes of one string: the value of a path field, an item of an array, the
        value of a pin."""
        name, kind = f["name"], f["type"]
        if kind == "object":
            key = "h0.example:80"
            where = '%s["%s"]' % (name, key)
            if f["len_min"] > 0:
                self.refused("a value of %d bytes" % (f["len_min"] - 1), name,
                             {key: "1" * (f["len_min"] - 1)}, where)
            self.refused("a value of %d bytes" % (f["len_max"] + 1), name,
                         {key: "1" * (f["len_max"] + 1)}, where,
                         "longer than %d bytes" % f["len_max"])
            return
        first = ["/bin/sh"] if kind == "array of strings" else []

        def value(s):
            return s if kind == "path" else first + [s]

        where = name if kind == "path" else "%s[%d]" % (name, len(first))
        for k in (f["len_min"], f["len_max"]):
            s = self.string_of(f, k)
            if s is not None:
                self.accepted("%s of %d bytes" % ("a value" if kind == "path" else "an item", k),
                              name, value(s))
        if f["len_min"] > 0:
            s = self.string_of(f, f["len_min"] - 1) or ""
            self.refused("%d bytes" % (f["len_min"] - 1), name, value(s), where)
        s = "/" + "p" * f["len_max"] if kind in ("path", "array of paths") else "x" * (
            f["len_max"] + 1)
        self.refused("%d bytes" % (f["len_max"] + 1), name, value(s), where,
                     "longer than %d bytes" % f["len_max"])

    def run(self):
        self.defaults()
        for f in self.table:
            if f["type"] == "whole number":
                self.number(f)
                continue
            if f["type"] != "path":
                self.count(f)
            if f["len_max"]:
                self.length(f)


def main():
    for what, path in (("AIRLOCKD", AIRLOCKD), ("AIRLOCK_CONFIG_FIELDS", FIELDS)):
        if not path or not os.access(path, os.X_OK):
            t.check(False, "%s is set to a program (%r)" % (what, path))
            t.finish()
    r = subprocess.run([FIELDS], capture_output=True, text=True, timeout=30)
    try:
        table = [json.loads(line) for line in r.stdout.splitlines()]
    except ValueError:
        table = []
    accepted = [f["name"] for f in table]
    t.check(r.returncode == 0 and len(accepted) >= 20 and all(PATH_RE.match(f) for f in accepted)
            and len(set(accepted)) == len(accepted)
            and all(f["type"] in TYPES for f in table),
            "the parser lists the fields it accepts (%d), each with a known type"
            % len(accepted), r.stdout + r.stderr)
    spec = {f["name"]: f for f in table}

    md, md_bad, md_types = from_markdown(CONFIG_MD)
    man, man_bad, man_values = from_man(CONFIG_5)
    for where, found, bad in (("docs/config.md", md, md_bad),
                              ("airlock.json(5)", man, man_bad)):
        names = [x[0] for x in found]
        t.check(not bad, where + ": every field entry names one field", "\n".join(bad))
        twice = sorted({f for f in names if names.count(f) > 1})
        t.check(not twice, where + ": no field is documented twice", " ".join(twice))
        missing = [f for f in accepted if f not in names]
        t.check(not missing, "%s documents every field the parser accepts (%d)"
                % (where, len(accepted)), "not documented: " + " ".join(missing))
        extra = sorted({"%s (line %d)" % (x[0], x[1]) for x in found if x[0] not in accepted})
        t.check(not extra, where + ": every field it documents is in the parser's list",
                "not accepted: " + " ".join(extra))

    # What each document states of each field.
    for name, n, row in md:
        if name in spec:
            check_statement("docs/config.md", spec[name], n, md_type(row.get("Type", "")),
                            row.get("Default", ""), row.get("Range and limits", ""))
    for name, n, text in man:
        if name in spec:
            check_statement("airlock.json(5)", spec[name], n, man_type(text),
                            man_default(text), text)
    path_max = {f["len_max"] for f in table if f["type"] in ("path", "array of paths")}
    for where, text in (("docs/config.md Value types", md_types.get("path", "")),
                        ("airlock.json(5) VALUES", man_values.get("path", ""))):
        m = re.search(r"at most (\d+) bytes", text, re.I)
        t.check(m is not None and {int(m.group(1))} == path_max,
                "%s states the length of a path: %s bytes" % (where, " ".join(map(str, path_max))),
                "the document says %r" % (m.group(0) if m else text[:80]))

    world = World()
    # The positive control: the probe tells a field the parser reads from one it does not.
    verdict, out = probe(world, "offline.limits.not_a_field")
    t.check(verdict == "unknown", "a made-up field is refused as unknown (EJSONUNKNOWN)", out)
    verdict, out = probe(world, "plans.max_bytes")
    t.check(verdict == "known", "a real field given the wrong type is read (EJSONTYPE)", out)

    documented = []
    for f in [x[0] for x in md + man]:
        if f not in documented:
            documented.append(f)
    for f in documented + [f for f in accepted if f not in documented]:
        verdict, out = probe(world, f)
        t.check(verdict == "known", "the parser reads %s (wrong type: EJSONTYPE at %s)" % (f, f),
                "%s: %s" % (verdict, out))

    # The parser at the edges of the table's ranges, and its defaults.
    Bounds(world, table).run()

    examples = json_examples()
    t.check(len(examples) >= 3, "the documents show example configurations (%d)" % len(examples))
    for where, text in examples:
        rc, out = world.check_config(text)
        t.check(rc == 0 and "is valid" in out, where + " is a valid configuration", out)
    world.tmp.cleanup()
    t.finish()


if __name__ == "__main__":
    main()
