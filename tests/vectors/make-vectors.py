#!/usr/bin/env python3
"""make-vectors.py: regenerates airlock's golden and hostile plan vectors.

The files this writes under tests/vectors/golden/ and tests/vectors/hostile/ are committed.
The tests only read them; they never run this script. Run it to add or change a vector:

    cmake -S . -B build && make -C build
    python3 tests/vectors/make-vectors.py --airlock build/airlockd/airlock
    git diff --stat tests/vectors          # review what changed, then
    cd build && cmake .. && make && ctest -R vectors

Needs python3 (standard library only), the built `airlock` and `minisign` (0.8 or later).

- Keys are made once and then kept. --new-keys replaces them, and so every signature.
- Golden plans are packed by `airlock pack` from golden/src/ with the values in
  golden/plans.tsv; their signatures are made by `airlock sign` and kept while they still
  verify, so a re-run with unchanged inputs changes no file.
- Hostile vectors are deterministic (Ed25519 signatures are too) and rewritten every run.

Hostile archives are built here byte by byte rather than with tarfile, whose ustar header
differs from the canonical one (tarfile writes mode as "0000644\\0", libarchive as
"000644 \\0"). Before writing anything the script checks that its own canonical packing
reproduces every golden plan that `airlock pack` made, byte for byte, so each hostile
vector differs from a valid plan only in the one way it means to.
"""

import argparse
import base64
import calendar
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
HOSTILE = os.path.join(HERE, "hostile")
SRC = os.path.join(GOLDEN, "src")

BLOCK = 512
END = b"\0" * (2 * BLOCK)
PASSPHRASE = "airlock-test"
APPROVED = "2026-02-01T09:00:00Z"
FORMAT = "airlock-plan/1"
MB = 1024 * 1024


def epoch(t):
    return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))


def b2(data):
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def utf8(s):
    return s.encode("utf-8") if isinstance(s, str) else s


# ---------------------------------------------------------------------------------------
# Golden inputs. Each plan is packed with -C golden/src/<plan> from these files, with the
# task in golden/src/<plan>.task. The order of files here is the order given to pack
# (pack sorts them); the tests re-pack from plans.tsv and compare bytes.
# ---------------------------------------------------------------------------------------

def lines_to(total, fmt):
    """Text of exactly `total` bytes made of numbered lines."""
    out, i = b"", 1
    while len(out) < total:
        out += (fmt % i).encode()
        i += 1
    out = out[: total - 1] + b"\n"
    assert len(out) == total
    return out


GOLDEN_PLANS = [
    dict(
        plan="offline-online",
        frm="offline", to="online",
        id="3f6c2a9e1b7d4e8f0a5c6b2d9e1f7a01",
        created="2026-01-31T12:00:00Z",
        session="offline-1f2e",
        task="Find out which of the venues in data.json are open on Saturday mornings.",
        what="offline -> online research request: a Markdown and a JSON file and a task",
        files=[
            ("notes.md",
             "# Research request\n\n"
             "Please find, for each venue listed in `data.json`:\n\n"
             "1. the opening hours on Saturday mornings;\n"
             "2. whether booking ahead is required;\n"
             "3. the official web page you took this from.\n\n"
             "Only use the venues' own pages. Do not include my name or address in any "
             "search.\n"),
            ("data.json",
             '{\n  "venues": [\n'
             '    {"name": "City Library", "district": "Centre"},\n'
             '    {"name": "Harbour Museum", "district": "Docks"},\n'
             '    {"name": "Botanical Garden", "district": "North"}\n'
             "  ]\n}\n"),
        ],
    ),
    dict(
        plan="online-offline",
        frm="online", to="offline",
        id="8d1e5b7c3a9f402e6b1d8c5a7e3f9b02",
        created="2026-01-31T15:30:00Z",
        session="online-7c1d",
        task="Put the Saturday opening hours of the three venues into my calendar notes.",
        what="online -> offline research result: Markdown report and a CSV table",
        files=[
            ("report.md",
             "# Findings\n\n"
             "| venue | Saturday | booking |\n|---|---|---|\n"
             "| City Library | 09:00-13:00 | no |\n"
             "| Harbour Museum | 10:00-18:00 | yes, online |\n"
             "| Botanical Garden | 08:00-20:00 | no |\n\n"
             "Sources: the venues' own pages, visited on 2026-01-31.\n"),
            ("hours.csv",
             "venue,day,open,close\n"
             "City Library,Sat,09:00,13:00\n"
             "Harbour Museum,Sat,10:00,18:00\n"
             "Botanical Garden,Sat,08:00,20:00\n"),
        ],
    ),
    dict(
        plan="empty-task",
        frm="offline", to="online",
        id="00000000000000000000000000000003",
        created="2026-01-01T00:00:00Z",
        session="s",
        task="",
        what="empty task, a zero-byte file, a file of exactly one 512-byte block "
             "(no padding) and one without a final newline",
        files=[
            ("empty.txt", ""),
            ("block.txt", lines_to(512, "block line %03d\n")),
            ("no-newline.txt", "this file does not end with a newline"),
        ],
    ),
    dict(
        plan="no-files",
        frm="offline", to="online",
        id="ffffffffffffffffffffffffffffff04",
        created="2026-01-31T23:59:59Z",
        session="offline.A-Z:0-9_x",
        task="Which public holidays fall on a Monday in 2026?",
        what='a plan with a task and no files ("entries": [])',
        files=[],
    ),
    dict(
        plan="unicode",
        frm="online", to="offline",
        id="5e1a9c0b7d3f48e2a6c4b8d0f2e4a605",
        created="2028-02-29T06:07:08Z",
        session="online-u",
        task="Μετάφρασε τις σημειώσεις · 翻訳してください · 🚀 · naïve café",
        what="non-ASCII UTF-8 names and text (Greek, Japanese, emoji, combining marks) "
             "in subdirectories; created on a leap day",
        files=[
            ("docs/ελληνικά.md",
             "# Σημειώσεις\n\nΚαλημέρα κόσμε. Η βιβλιοθήκη ανοίγει στις 09:00.\n"),
            ("docs/日本語/メモ.txt", "図書館は土曜日の午前九時に開きます。\n予約は不要です。\n"),
            ("emoji-🚀.md",
             "Launch checklist 🚀✅\n- coffee ☕\n- family: 👩\u200d👩\u200d👧\n- flag: 🇬🇷\n"),
            ("résumé.txt", "Re\u0301sume\u0301 (combining accents) and résumé (precomposed).\n"),
        ],
    ),
    dict(
        plan="controls",
        frm="offline", to="online",
        id="e5c0a1b2c3d4e5f60718293a4b5c6d06",
        created="2026-01-31T12:00:00Z",
        session="offline-ctl",
        task="Summarise the log in escapes.txt.\x1b[8m hidden \x1b[0m\ttab\nnewline",
        what="terminal escapes, C0/C1 controls, bidi and invisible characters in the text "
             "and the task: valid for the reader, flagged by the scanner",
        files=[
            ("escapes.txt",
             "Plain line.\n"
             "\x1b[31mred text\x1b[0m after an ANSI colour code.\n"
             "\x1b]0;pwned\x07 sets the window title (OSC).\n"
             "\x1b[2J\x1b[H clears the screen.\n"
             "Carriage\rreturn overwrites.\n"
             "Back\x08space, bell\x07, form\x0cfeed, vertical\x0btab, DEL\x7f.\n"
             "Bidi: \u202eexe.txt\u202c, zero width:\u200b, BOM:\ufeff, C1 CSI:\u009b31m.\n"
             "Tag characters: \U000e0041\U000e0042.\r\n"
             "CRLF line end above.\n"),
        ],
    ),
    dict(
        plan="paths",
        frm="online", to="offline",
        id="0a0b0c0d0e0f10111213141516171807",
        created="1970-01-01T00:00:00Z",
        session="p",
        task='Names that need care: "quotes", back\\slash, -dash, spaces.',
        what="path edge cases: 8 components (the maximum), exactly 100 bytes (fills the ustar "
             "name field), a space, a leading dash, quote and backslash, upper-case and "
             "missing extensions; created at the epoch",
        files=[
            ("a/b/c/d/e/f/g/deep.md", "eight components deep\n"),
            ("long/" + "x" * 92 + ".md", "a path of exactly 100 bytes\n"),
            ("with space.md", "space\n"),
            ("-dash.md", "leading dash\n"),
            ('quote"and\\backslash.txt', "quote and backslash\n"),
            ("UPPER.MD", "upper-case extension\n"),
            ("noext", "no extension\n"),
            ("data.markdown", "long extension\n"),
        ],
    ),
    dict(
        plan="max-member",
        frm="offline", to="online",
        id="7f00000000000000000000000000ff08",
        created="2200-12-31T23:59:59Z",
        session="limits",
        task="One member of exactly the default 64 KiB limit.",
        what="one member of exactly 65536 bytes: at the default member and total limits, "
             "created late (2200-12-31T23:59:59Z, within the ustar mtime range)",
        files=[("big.txt", lines_to(65536, "line %05d of the largest member a plan may hold\n"))],
    ),
    dict(
        plan="max-count",
        frm="online", to="offline",
        id="7f00000000000000000000000000ff09",
        created="2026-01-31T12:00:00Z",
        session="limits-" + "x" * 57,
        task=lines_to(16385, "task line %04d: a task of exactly the 16384-byte limit\n")[:-1]
        .decode(),
        what="64 members of 1024 bytes each: at the default entry-count and total limits, "
             "with a task of exactly 16384 bytes and a session name of 64 characters "
             "(both limits)",
        files=[("f%02d.txt" % i, lines_to(1024, "file %02d line %%03d\n" % i)) for i in
               range(64, 0, -1)],
    ),
]


# ---------------------------------------------------------------------------------------
# The canonical byte form: cJSON_Print's layout for the manifest, libarchive's ustar header.
# ---------------------------------------------------------------------------------------

MEDIA = [(b".md", "text/markdown"), (b".markdown", "text/markdown"),
         (b".json", "application/json"), (b".csv", "text/csv"), (b".txt", "text/plain")]


def media_type(path):
    p = utf8(path)
    for ext, t in MEDIA:
        if len(p) > len(ext) and p[-len(ext):].lower() == ext:
            return t
    return "text/plain"


class Obj(list):
    """A JSON object as an ordered list of (key, value) pairs (duplicates allowed)."""


class Raw(bytes):
    """JSON text inserted as is."""


def jstring(s):
    out = bytearray(b'"')
    for c in utf8(s):
        if c == 0x22:
            out += b'\\"'
        elif c == 0x5C:
            out += b"\\\\"
        elif c in (8, 9, 10, 12, 13):
            out += {8: b"\\b", 9: b"\\t", 10: b"\\n", 12: b"\\f", 13: b"\\r"}[c]
        elif c < 0x20:
            out += b"\\u%04x" % c
        else:
            out.append(c)
    return bytes(out + b'"')


def jvalue(v, depth):
    """cJSON_Print layout: objects one member a line indented by tabs, ", " in arrays."""
    if isinstance(v, Raw):
        return bytes(v)
    if isinstance(v, Obj):
        out = b"{\n"
        for i, (k, val) in enumerate(v):
            out += b"\t" * (depth + 1) + jstring(k) + b":\t" + jvalue(val, depth + 1)
            out += (b",\n" if i + 1 < len(v) else b"\n")
        return out + b"\t" * depth + b"}"
    if isinstance(v, list):
        return b"[" + b", ".join(jvalue(x, depth + 1) for x in v) + b"]"
    if isinstance(v, bool):
        return b"true" if v else b"false"
    if isinstance(v, int):
        return b"%d" % v
    if v is None:
        return b"null"
    return jstring(v)


def emit(obj):
    return jvalue(obj, 0) + b"\n"


def entry(path, data, size=None, digest=None):
    return Obj([("path", path), ("size", len(data) if size is None else size),
                ("blake2b", b2(data) if digest is None else digest),
                ("media_type", media_type(path))])


def manifest(files, /, id, frm, to, session, created, task, **_):
    files = sorted(files, key=lambda f: utf8(f[0]))
    return Obj([("format", FORMAT), ("id", id), ("from", frm), ("to", to),
                ("session", session), ("created", created), ("task", task),
                ("entries", [entry(p, utf8(d)) for p, d in files])])


def num(value, digits, term):
    return (b"%0*o" % (digits, value)) + term


def header(name, size, mtime, typeflag=b"0", mode=0o644, uid=0, gid=0, linkname=b"",
           magic=b"ustar\0", version=b"00", uname=b"", gname=b"", devmajor=0, devminor=0,
           prefix=b"", raw=None, checksum=None):
    """One ustar header exactly as libarchive writes it; raw = {offset: bytes} patches."""
    h = bytearray(BLOCK)

    def put(off, width, b):
        assert len(b) <= width, (off, b)
        h[off:off + len(b)] = b

    put(0, 100, utf8(name))
    put(100, 8, num(mode, 6, b" \0"))
    put(108, 8, num(uid, 6, b" \0"))
    put(116, 8, num(gid, 6, b" \0"))
    put(124, 12, size if isinstance(size, bytes) else num(size, 11, b" "))
    put(136, 12, num(mtime, 11, b" "))
    put(156, 1, typeflag)
    put(157, 100, utf8(linkname))
    put(257, 6, magic)
    put(263, 2, version)
    put(265, 32, uname)
    put(297, 32, gname)
    put(329, 8, num(devmajor, 6, b" \0"))
    put(337, 8, num(devminor, 6, b" \0"))
    put(345, 155, utf8(prefix))
    for off, b in (raw or {}).items():
        h[off:off + len(b)] = b
    h[148:156] = b" " * 8
    h[148:156] = (b"%06o\0 " % sum(h)) if checksum is None else checksum
    return bytes(h)


def pad(data, fill=b"\0"):
    return (fill * ((-len(data)) % BLOCK))[: (-len(data)) % BLOCK]


def member(name, data, mtime, size=None, padding=None, **kw):
    data = utf8(data)
    h = header(name, len(data) if size is None else size, mtime, **kw)
    return h + data + (pad(data) if padding is None else padding)


def archive(*members, end=END):
    return b"".join(members) + end


def canonical(files, /, **meta):
    """The bytes `airlock pack` makes for files and meta (the reference packer)."""
    mtime = epoch(meta["created"])
    m = emit(manifest(files, **meta))
    files = sorted(files, key=lambda f: utf8(f[0]))
    return archive(member("manifest.json", m, mtime),
                   *[member(p, d, mtime) for p, d in files])


# ---------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------

class Tools:
    def __init__(self, airlock, minisign):
        self.airlock = airlock
        self.minisign = minisign

    def run(self, argv, stdin=b"", ok=True):
        p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if ok and p.returncode != 0:
            sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(map(str, argv)),
                                             p.stderr.decode(errors="replace")))
        return p

    def minisign_sign(self, key, plan_bytes, comment, legacy=False, passphrase=None):
        """A minisign signature of plan_bytes with the given trusted comment."""
        with tempfile.TemporaryDirectory() as d:
            plan, sig = os.path.join(d, "p"), os.path.join(d, "p.minisig")
            write(plan, plan_bytes, quiet=True)
            argv = [self.minisign, "-S", "-s", key, "-m", plan, "-x", sig, "-t", comment]
            if legacy:
                argv.append("-l")
            stdin = (passphrase + "\n").encode() if passphrase else b""
            self.run(argv, stdin=stdin)
            return read(sig)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data, quiet=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    old = read(path) if os.path.exists(path) else None
    if old == data:
        return
    with open(path, "wb") as f:
        f.write(data)
    if not quiet:
        print("wrote", os.path.relpath(path, HERE))


# ---------------------------------------------------------------------------------------
# Golden
# ---------------------------------------------------------------------------------------

def comment_for(id, frm, to, approved=APPROVED):
    return "airlock id=%s from=%s to=%s approved=%s" % (id, frm, to, approved)


def make_keys(t, new):
    g = lambda n: os.path.join(GOLDEN, n)
    for name in ("test", "other"):
        if new or not os.path.exists(g(name + ".key")):
            t.run([t.airlock, "keygen", "-W", "-f", "-p", g(name + ".pub"), "-s",
                   g(name + ".key")])
    if new or not os.path.exists(g("minisign.key")):
        t.run([t.minisign, "-G", "-f", "-p", g("minisign.pub"), "-s", g("minisign.key")],
              stdin=("%s\n%s\n" % (PASSPHRASE, PASSPHRASE)).encode())


def make_golden(t):
    rows = ["# plan\tfrom\tto\tid\tcreated\tsession\tfiles... (task: src/<plan>.task)"]
    for g in GOLDEN_PLANS:
        srcdir = os.path.join(SRC, g["plan"])
        for p, d in g["files"]:
            write(os.path.join(srcdir, p), utf8(d))
        write(os.path.join(SRC, g["plan"] + ".task"), utf8(g["task"]))
        for root, _, names in os.walk(srcdir):
            for n in names:
                rel = os.path.relpath(os.path.join(root, n), srcdir)
                if rel not in [p for p, _ in g["files"]]:
                    sys.exit("stale source file %s: remove it" % os.path.join(root, n))
        out = os.path.join(GOLDEN, g["plan"] + ".airlock")
        with tempfile.TemporaryDirectory() as d:
            tmp = os.path.join(d, "plan.airlock")
            t.run([t.airlock, "pack", "--from", g["frm"], "--to", g["to"], "--id", g["id"],
                   "--created", g["created"], "--session", g["session"], "--task",
                   utf8(g["task"]), "-C", srcdir, "-o", tmp, "--"] +
                  [p for p, _ in g["files"]])
            packed = read(tmp)
        ref = canonical(g["files"], **g)
        if packed != ref:
            sys.exit("the generator's canonical form differs from `airlock pack` for %s: "
                     "fix canonical() before making hostile vectors" % g["plan"])
        g["bytes"] = packed
        write(out, packed)
        sig = out + ".minisig"
        if not os.path.exists(sig) or t.run(
                [t.airlock, "verify", "--pubkey", os.path.join(GOLDEN, "test.pub"),
                 "--signature", sig, out], ok=False).returncode != 0:
            t.run([t.airlock, "sign", "--key", os.path.join(GOLDEN, "test.key"), "-o", sig, out])
            print("signed", os.path.relpath(sig, HERE))
        rows.append("\t".join([g["plan"], g["frm"], g["to"], g["id"], g["created"],
                               g["session"]] + [p for p, _ in g["files"]]))
    write(os.path.join(GOLDEN, "plans.tsv"), ("\n".join(rows) + "\n").encode())

    # Interoperability the other way: stock minisign, with its own passphrase-encrypted
    # key, approves a plan; airlock must accept that signature (with minisign.pub).
    g = GOLDEN_PLANS[0]
    out = os.path.join(GOLDEN, g["plan"] + ".airlock.by-minisign.minisig")
    if not os.path.exists(out) or t.run(
            [t.airlock, "verify", "--pubkey", os.path.join(GOLDEN, "minisign.pub"),
             "--signature", out, os.path.join(GOLDEN, g["plan"] + ".airlock")],
            ok=False).returncode != 0:
        write(out, t.minisign_sign(os.path.join(GOLDEN, "minisign.key"), g["bytes"],
                                   comment_for(g["id"], g["frm"], g["to"]),
                                   passphrase=PASSPHRASE))


GOLDEN_README_HEAD = """\
# Golden plan vectors

Valid plans that every airlock reader must accept, with their approvals. Generated by
`../make-vectors.py` (see its header for how to regenerate); do not edit by hand.
The tests (`ctest -R vectors.golden`) read every plan, verify its signature with
`test.pub`, check it with stock `minisign -V`, and re-pack `src/<plan>/` with the values
in `plans.tsv` to check that packing is deterministic and the format has not drifted.

## Keys

| file | what |
|---|---|
| `test.key`, `test.pub` | the test approver, made by `airlock keygen -W` (unencrypted); signs every plan here and the hostile signature vectors |
| `other.key`, `other.pub` | a second unencrypted key pair, for wrong-key vectors |
| `minisign.key`, `minisign.pub` | made by stock `minisign -G`, secret key encrypted with the passphrase `airlock-test` |

## Plans

Every plan `P` is `P.airlock` (made by `airlock pack -C src/P` with `--id`, `--created`,
`--session`, `--from`, `--to` from `plans.tsv` and `--task` from `src/P.task`) and
`P.airlock.minisig` (made by `airlock sign --key test.key`).

| plan | what |
|---|---|
"""

GOLDEN_README_TAIL = """
## Other files

| file | what |
|---|---|
| `plans.tsv` | one row per plan: plan, from, to, id, created, session, then each file path (relative to `src/<plan>/`); tab-separated |
| `src/<plan>/` | the files packed into `<plan>.airlock` |
| `src/<plan>.task` | the task, byte for byte (no added newline) |
| `offline-online.airlock.by-minisign.minisig` | an approval of `offline-online.airlock` made by stock `minisign -S` with `minisign.key` and a trusted comment in airlock's form; verifies with `minisign.pub` |
"""


def golden_readme():
    rows = "".join("| `%s` | %s |\n" % (g["plan"], g["what"]) for g in GOLDEN_PLANS)
    src = "\n## Source files\n\n| file | bytes | media type |\n|---|---|---|\n"
    for g in GOLDEN_PLANS:
        src += "| `src/%s.task` | %d | (the task) |\n" % (g["plan"], len(utf8(g["task"])))
        for p, d in sorted(g["files"], key=lambda f: utf8(f[0])):
            src += "| `src/%s/%s` | %d | %s |\n" % (
                g["plan"], p.replace("|", "\\|"), len(utf8(d)),
                media_type(p))
    write(os.path.join(GOLDEN, "README.md"),
          (GOLDEN_README_HEAD + rows + GOLDEN_README_TAIL + src).encode())


# ---------------------------------------------------------------------------------------
# Hostile
# ---------------------------------------------------------------------------------------

H = dict(id="deadbeef" * 4, frm="offline", to="online", session="offline-h1",
         created="2026-02-01T08:00:00Z", task="Look up the opening hours.")
T = epoch(H["created"])
A = ("a.md", b"# Plan\n\nLook up the opening hours of the library.\n")
B = ("b.md", b"- step one\n- step two\n")
C = ("c.md", b"third file\n")

VECTORS = []  # (file, errname, check, sigfile or "-", description, bytes, sig bytes)


def vec(name, err, what, data):
    VECTORS.append((name + ".airlock", err, "read", "-", what, data, None))


def sigvec(name, err, what, plan, sig):
    VECTORS.append((name + ".airlock", err, "verify", name + ".airlock.minisig", what, plan,
                    sig))


def mem(path, data, **kw):
    return member(path, data, T, **kw)


def man(files, edit=None, **over):
    m = manifest(files, **dict(H, **over))
    if edit:
        edit(m)
    return m


def mfst(files=None, edit=None, **over):
    """The manifest member for files (default a.md, b.md)."""
    return mem("manifest.json", emit(man([A, B] if files is None else files, edit, **over)))


def base(**over):
    return canonical([A, B], **dict(H, **over))


def setkey(obj, key, value):
    for i, (k, _) in enumerate(obj):
        if k == key:
            obj[i] = (k, value)
            return
    raise KeyError(key)


def delkey(obj, key):
    obj[:] = [(k, v) for k, v in obj if k != key]


def first_entry(m):
    return dict(m)["entries"][0]


def hostile_archives():
    # -- format and member order ----------------------------------------------------
    vec("format-version", "EFORMAT", 'manifest "format" is "airlock-plan/2"',
        archive(mfst(edit=lambda m: setkey(m, "format", "airlock-plan/2")),
                mem(*A), mem(*B)))
    vec("manifest-not-first", "ENOTFIRST", "a.md comes before manifest.json",
        archive(mem(*A), mfst(), mem(*B)))
    vec("manifest-missing", "ENOTFIRST", "no manifest.json at all, only the listed files",
        archive(mem(*A), mem(*B)))
    vec("member-unlisted", "EUNLISTED", "c.md stored after the listed files, not in the manifest",
        archive(mfst(), mem(*A), mem(*B), mem(*C)))
    vec("member-unlisted-between", "EUNLISTED",
        "b.md stored between the listed a.md and c.md",
        archive(mfst([A, C]), mem(*A), mem(*B), mem(*C)))
    vec("manifest-entry-twice", "EDUPLICATE", "the manifest lists a.md twice (stored twice)",
        archive(mfst([A, A]), mem(*A), mem(*A)))
    vec("member-stored-twice", "EDUPLICATE", "a.md stored twice, listed once (a, a, b)",
        archive(mfst(), mem(*A), mem(*A), mem(*B)))
    vec("member-stored-twice-last", "EDUPLICATE",
        "b.md, the last listed file, stored twice (a, b, b)",
        archive(mfst(), mem(*A), mem(*B), mem(*B)))
    vec("manifest-stored-twice", "EDUPLICATE", "a second manifest.json between the files",
        archive(mfst(), mem(*A), mfst(), mem(*B)))
    vec("manifest-stored-twice-last", "EDUPLICATE",
        "a second manifest.json after the last file (a tool that keeps the last copy sees it)",
        archive(mfst(), mem(*A), mem(*B), mfst(task="A different task.")))
    vec("member-missing", "EMISSING", "b.md listed but not stored",
        archive(mfst(), mem(*A)))
    vec("member-missing-middle", "EMISSING",
        "a.md, b.md, c.md listed, b.md not stored (a.md, c.md)",
        archive(mfst([A, B, C]), mem(*A), mem(*C)))
    vec("members-out-of-order", "EORDER", "b.md stored before a.md",
        archive(mfst(), mem(*B), mem(*A)))

    def unsorted(m):
        e = dict(m)["entries"]
        e.reverse()
    vec("manifest-entries-unsorted", "EORDER", "the manifest lists b.md before a.md",
        archive(mfst(edit=unsorted), mem(*B), mem(*A)))

    # -- size and hash --------------------------------------------------------------
    vec("member-size-mismatch", "ESIZE", "manifest says a.md is 10 bytes, it holds %d"
        % len(A[1]),
        archive(mfst(edit=lambda m: setkey(first_entry(m), "size", 10)), mem(*A), mem(*B)))
    changed = A[1].replace(b"library", b"LIBRARY")
    vec("member-hash-mismatch", "EHASH", "a.md changed after the manifest was made (same size)",
        archive(mfst(), mem(A[0], changed), mem(*B)))

    # -- paths in the tar headers (the manifest itself is valid) ---------------------
    for name, path, what in [
            ("path-absolute", "/a.md", "absolute path"),
            ("path-dotdot", "../a.md", "a '..' component"),
            ("path-dotdot-inner", "docs/../../a.md", "a '..' component inside the path"),
            ("path-dot", "./a.md", "a '.' component"),
            ("path-empty-component", "docs//a.md", "an empty component (a//b)"),
            ("path-control-char", "a\x1b[31m.md", "an ESC control character"),
            ("path-newline", "a\nb.md", "a newline"),
            ("path-bidi", "a\u202egnp.md", "a bidi override (U+202E)"),
            ("path-invalid-utf8", b"a\xff.md", "a byte that is not UTF-8")]:
        vec(name, "EPATH", "member name with %s, stored before the listed files" % what,
            archive(mfst(), mem(path, b"x\n"), mem(*A), mem(*B)))

    # -- paths in the manifest (stored under the same name) ---------------------------
    for name, path, what in [
            ("manifest-path-dotdot", "../a.md", "a '..' component"),
            ("manifest-path-absolute", "/etc/cron.d/x", "an absolute path"),
            ("manifest-path-reserved", "manifest.json", 'the reserved name "manifest.json"'),
            ("manifest-path-empty", "", "an empty path"),
            ("manifest-path-too-deep", "a/b/c/d/e/f/g/h/i.md", "9 components (limit 8)"),
            ("manifest-path-too-long", "long/" + "x" * 93 + ".md",
             "101 bytes (limit 100, stored with a ustar prefix)")]:
        data = b"x\n"
        p = utf8(path)
        if len(p) > 100:
            cut = p.rindex(b"/", 0, 155)
            m = mem(p[cut + 1:], data, prefix=p[:cut])
        else:
            m = mem(p, data)
        vec(name, "EPATH", "the manifest lists a path with %s" % what,
            archive(mfst([(path, data)]), m))

    # -- member types ----------------------------------------------------------------
    empty = ("a.md", b"")
    for name, err, kw, what in [
            ("symlink", "ESYMLINK", dict(typeflag=b"2", linkname="/etc/passwd"),
             "a.md is a symbolic link to /etc/passwd"),
            ("hardlink", "EHARDLINK", dict(typeflag=b"1", linkname="manifest.json"),
             "a.md is a hard link to manifest.json"),
            ("device-char", "EDEVICE", dict(typeflag=b"3", devmajor=1, devminor=3),
             "a.md is a character device (1,3: /dev/null)"),
            ("device-block", "EDEVICE", dict(typeflag=b"4", devmajor=8, devminor=0),
             "a.md is a block device (8,0: /dev/sda)"),
            ("fifo", "EFIFO", dict(typeflag=b"6"), "a.md is a FIFO"),
            ("directory", "EDIRECTORY", dict(typeflag=b"5"), "a.md is a directory")]:
        vec(name, err, what + " (the manifest lists it with size 0)",
            archive(mfst([empty, B]), mem(*empty, **kw), mem(*B)))
    vec("directory-slash", "EDIRECTORY", 'a directory member "docs/" before the files',
        archive(mfst(), mem("docs/", b"", typeflag=b"5", mode=0o755), mem(*A), mem(*B)))
    vec("symlink-after-last", "ESYMLINK",
        "a symbolic link evil.md -> /etc/passwd stored after the last listed file",
        archive(mfst(), mem(*A), mem(*B), mem("evil.md", b"", typeflag=b"2",
                                               linkname="/etc/passwd")))
    vec("manifest-symlink", "ESYMLINK", "manifest.json is a symbolic link",
        archive(mem("manifest.json", b"", typeflag=b"2", linkname="/etc/passwd"),
                mem(*A), mem(*B)))
    vec("typeflag-unknown", "ENONCANON",
        "a.md has type flag 'Z' (tar readers treat it as a regular file)",
        archive(mfst(), mem(*A, typeflag=b"Z"), mem(*B)))
    vec("typeflag-contiguous", "ENONCANON",
        "a.md has type flag '7' (contiguous file: a regular file to tar readers)",
        archive(mfst(), mem(*A, typeflag=b"7"), mem(*B)))
    vec("typeflag-v7-regular", "ENONCANON", "a.md has the old type flag NUL for a regular file",
        archive(mfst(), mem(*A, typeflag=b"\0"), mem(*B)))

    # -- limits ----------------------------------------------------------------------
    over = ("big.txt", lines_to(65537, "line %05d\n"))
    vec("member-over-cap", "EMEMBERSIZE", "one member of 65537 bytes (default limit 65536)",
        archive(mfst([over]), mem(*over)))
    halves = [("h1.txt", lines_to(40000, "one %05d\n")), ("h2.txt", lines_to(40000, "two %05d\n"))]
    vec("total-over-cap", "ETOTALSIZE",
        "two members of 40000 bytes: each under the limit, together over 65536",
        archive(mfst(halves), *[mem(*f) for f in halves]))
    many = [("f%03d.txt" % i, b"") for i in range(65)]
    vec("count-over-cap", "ECOUNT", "65 zero-byte members, all listed (default limit 64)",
        archive(mfst(many), *[mem(*f) for f in many]))
    bomb = [("f%05d.txt" % i, b"") for i in range(10000)]
    vec("count-bomb", "ETOTALSIZE",
        "tar bomb by count: 10000 zero-byte members, all listed (6.5 MB, over the byte "
        "limit of any plan within the default limits, so it is refused before parsing)",
        archive(mfst(bomb), *[mem(*f) for f in bomb]))
    small = ("big.txt", b"tiny\n")
    vec("size-bomb", "ESIZE",
        "tar bomb by size: big.txt's header claims 8 GiB - 1 in a 2.5 KB file, the manifest "
        "says 5 bytes",
        archive(mfst([small]), mem(*small, size=(8 << 30) - 1)))
    vec("size-bomb-base256", "ESIZE",
        "big.txt's header claims 2^62 bytes in GNU base-256 form, the manifest says 5",
        archive(mfst([small]), mem(*small, size=b"\x80" + (1 << 62).to_bytes(11, "big"))))
    vec("size-bomb-manifest", "ETOOBIG",
        "manifest.json's header claims 8 GiB - 1 (the manifest limit is 256 KiB)",
        archive(mem("manifest.json", emit(man([small])), size=(8 << 30) - 1), mem(*small)))
    vec("size-manifest-over-cap", "ETOOBIG",
        "a 300000-byte manifest.json (valid JSON padded with spaces, limit 256 KiB)",
        archive(mem("manifest.json", emit(man([A, B]))[:-1] + b" " * (300000 - len(
            emit(man([A, B])))) + b"\n"), mem(*A), mem(*B)))

    # -- trailing and truncated data --------------------------------------------------
    good = base()
    vec("trailing-garbage", "ETRAILING", "text after the end-of-archive marker",
        good + b"hello\n")
    vec("trailing-zero-block", "ETRAILING",
        "one more zero block after the end marker (what record padding adds)",
        good + b"\0" * BLOCK)
    vec("trailing-record-padding", "ETRAILING",
        "padded with zeros to a 10240-byte record, as GNU tar writes by default",
        good + b"\0" * ((-len(good)) % 10240))
    vec("trailing-hidden-member", "ETRAILING",
        "a whole extra member (evil.md) after the end marker, which `tar -i` would extract",
        good + mem("evil.md", b"hidden\n") + END)
    body = len(good) - len(END)
    vec("truncated-mid-member", "ETRUNCATED", "cut in the middle of b.md's data",
        good[: body - BLOCK + 10])
    vec("truncated-mid-manifest", "ETRUNCATED", "cut in the middle of manifest.json's data",
        good[: BLOCK + 100])
    vec("truncated-mid-header", "ETRUNCATED", "cut in the middle of b.md's header",
        good[: body - 2 * BLOCK + 200])
    vec("truncated-mid-padding", "ETRUNCATED",
        "cut after b.md's data, inside the zero padding of its block", good[: body - BLOCK + 100])
    vec("truncated-no-end-marker", "ETRUNCATED",
        "ends after the last member, without the two zero blocks", good[:body])
    vec("truncated-half-end-marker", "ETRUNCATED", "only one of the two end-marker blocks",
        good[: body + BLOCK])
    vec("truncated-end-marker-short", "ETRUNCATED",
        "the second end-marker block is cut short by 1 byte", good[:-1])
    vec("empty-file", "ETAR", "a zero-byte file", b"")
    vec("empty-archive", "ETAR", "only the end-of-archive marker: no manifest, not a plan", END)
    vec("not-a-tar", "ETAR", "a text file, not a tar archive", b"# just some notes\n" * 40)
    vec("gzip", "ETAR", "the valid plan compressed with gzip (plans are never compressed)",
        gzip.compress(good, mtime=0))
    vec("header-checksum", "ETAR", "a.md's header checksum is wrong",
        archive(mfst(), mem(*A, checksum=b"000000\0 "), mem(*B)))

    # -- text -------------------------------------------------------------------------
    for name, err, data, what in [
            ("text-invalid-utf8", "EUTF8", b"caf\xe9 in Latin-1\n", "a Latin-1 byte (0xE9)"),
            ("text-utf8-lone-continuation", "EUTF8", b"a \x80 b\n", "a lone continuation byte"),
            ("text-utf8-overlong", "EUTF8", b"overlong slash \xc0\xaf\n",
             "an overlong encoding of '/' (C0 AF)"),
            ("text-utf8-surrogate", "EUTF8", b"surrogate \xed\xa0\x80\n",
             "an encoded UTF-16 surrogate (ED A0 80)"),
            ("text-utf8-too-large", "EUTF8", b"beyond \xf4\x90\x80\x80\n",
             "a code point above U+10FFFF (F4 90 80 80)"),
            ("text-utf8-truncated", "EUTF8", b"cut \xe6\x97", "a sequence cut by the end of file"),
            ("text-nul", "ENUL", b"before\0after\n", "a NUL byte")]:
        f = ("a.md", data)
        vec(name, err, "a.md holds %s (hash and size match)" % what,
            archive(mfst([f, B]), mem(*f), mem(*B)))

    # -- non-canonical encodings of an otherwise valid plan ----------------------------
    def pax(records):
        out = b""
        for k, v in records:
            rec = b" " + k + b"=" + v + b"\n"
            n = len(rec) + 1
            while n != len(rec) + len(b"%d" % n):
                n = len(rec) + len(b"%d" % n)
            out += b"%d" % n + rec
        return out

    nc = [
        ("pax-header", "a pax extended header (a comment record) before a.md",
         [mfst(), mem("PaxHeader/a.md", pax([(b"comment", b"hi")]), typeflag=b"x"),
          mem(*A), mem(*B)]),
        ("pax-global-header", "a pax global header before manifest.json",
         [mem("pax_global_header", pax([(b"comment", b"hi")]), typeflag=b"g"), mfst(),
          mem(*A), mem(*B)]),
        ("pax-mtime", "a pax header that restates a.md's mtime with a fraction",
         [mfst(), mem("PaxHeader/a.md", pax([(b"mtime", b"%d.5" % T)]), typeflag=b"x"),
          mem(*A), mem(*B)]),
        ("gnu-longname", "a GNU long-name ('L') entry naming a.md",
         [mfst(), mem("././@LongLink", b"a.md\0", typeflag=b"L"), mem(*A), mem(*B)]),
        ("noncanon-mode", "a.md has mode 0755",
         [mfst(), mem(*A, mode=0o755), mem(*B)]),
        ("noncanon-mode-setuid", "a.md has mode 04644 (setuid)",
         [mfst(), mem(*A, mode=0o4644), mem(*B)]),
        ("noncanon-mtime", "a.md's mtime is one second after created",
         [mfst(), member(*A, T + 1), mem(*B)]),
        ("noncanon-owner", "a.md is owned by uid/gid 1000, uname/gname 'user'",
         [mfst(), mem(*A, uid=1000, gid=1000, uname=b"user", gname=b"user"), mem(*B)]),
        ("noncanon-uname-root", "a.md names uname/gname 'root' (uid 0 as packed)",
         [mfst(), mem(*A, uname=b"root", gname=b"root"), mem(*B)]),
        ("noncanon-prefix", 'docs/a.md stored as ustar prefix "docs" + name "a.md"',
         [mfst([B, ("docs/a.md", A[1])]), mem(*B), mem("a.md", A[1], prefix="docs")]),
        ("noncanon-octal-fields", 'mode/uid/gid written "0000644\\0" (as Python tarfile does)',
         [mfst(), mem(*A, raw={100: b"0000644\0", 108: b"0000000\0", 116: b"0000000\0"}),
          mem(*B)]),
        ("noncanon-gnu-magic", 'a.md\'s header has the GNU magic "ustar  \\0"',
         [mfst(), mem(*A, magic=b"ustar ", version=b" \0"), mem(*B)]),
        ("noncanon-padding", "non-zero bytes hidden in the padding after a.md's data",
         [mfst(), mem(*A, padding=pad(A[1], b"X")), mem(*B)]),
        ("noncanon-header-tail", "non-zero bytes in the unused last 12 bytes of a.md's header",
         [mfst(), mem(*A, raw={500: b"hidden bytes"}), mem(*B)]),
        ("noncanon-linkname", "a regular file a.md with a linkname set",
         [mfst(), mem(*A, linkname="/etc/passwd"), mem(*B)]),
        ("noncanon-manifest-compact", "manifest.json as compact JSON (same values)",
         [mem("manifest.json", compact(man([A, B]))), mem(*A), mem(*B)]),
        ("noncanon-manifest-reordered", "manifest.json with its fields in another order",
         [mem("manifest.json", emit(Obj(sorted(man([A, B]))))), mem(*A), mem(*B)]),
        ("noncanon-manifest-escapes", 'the task written with \\u escapes ("\\u004cook up...")',
         [mem("manifest.json", emit(man([A, B])).replace(b'"Look up', b'"\\u004cook up')),
          mem(*A), mem(*B)]),
        ("noncanon-manifest-no-newline", "manifest.json without its final newline",
         [mem("manifest.json", emit(man([A, B]))[:-1]), mem(*A), mem(*B)]),
    ]
    for name, what, members in nc:
        vec(name, "ENONCANON", what, archive(*members))
    vec("pax-path-override", "EPATH",
        "a pax header renames a.md to ../../etc/cron.d/x (what tar readers extract)",
        archive(mfst(), mem("PaxHeader/a.md", pax([(b"path", b"../../etc/cron.d/x")]),
                            typeflag=b"x"), mem(*A), mem(*B)))
    vec("gnu-longname-dotdot", "EPATH", "a GNU long-name entry renames a.md to ../a.md",
        archive(mfst(), mem("././@LongLink", b"../a.md\0", typeflag=b"L"), mem(*A), mem(*B)))

    # -- the manifest's JSON ---------------------------------------------------------
    text = emit(man([A, B]))

    def mj(name, err, what, data):
        vec(name, err, what, archive(mem("manifest.json", data), mem(*A), mem(*B)))

    mj("manifest-malformed-json", "EJSON", "manifest.json cut off in the middle of an object",
       text[:200])
    mj("manifest-trailing-json", "EJSON", "a second JSON value after the manifest object",
       text + b"{}\n")
    mj("manifest-bom", "ENONCANON",
       "manifest.json starts with a UTF-8 byte order mark (the JSON parser skips it, the "
       "canonical check refuses it)",
       b"\xef\xbb\xbf" + text)
    mj("manifest-comment", "EJSON", "a /* comment */ inside the manifest",
       text.replace(b"{\n", b"{ /* hi */\n", 1))
    mj("manifest-raw-control", "EJSON", "a raw (unescaped) tab inside the task string",
       text.replace(b"Look up", b"Look\tup"))
    mj("manifest-not-object", "EJSONTYPE", "manifest.json is a JSON array",
       b"[" + text.rstrip(b"\n") + b"]\n")
    mj("manifest-too-deep", "EJSONDEPTH", "an extra field nested 64 arrays deep",
       text.replace(b'{\n\t"format"', b'{\n\t"x":\t' + b"[" * 64 + b"]" * 64 +
                    b',\n\t"format"', 1))
    mj("manifest-invalid-utf8", "EUTF8", "a raw 0xFF byte in the task",
       text.replace(b"Look up", b"Look\xffup"))
    mj("manifest-nul-escape", "ENUL", 'a "\\u0000" escape in the task',
       text.replace(b"Look up", b"Look\\u0000up"))
    mj("manifest-nul-byte", "ENUL", "a raw NUL byte in manifest.json",
       text.replace(b"Look up", b"Look\0up"))
    mj("manifest-lone-surrogate", "EJSON", 'a lone surrogate escape "\\ud800" in the task',
       text.replace(b"Look up", b"Look\\ud800up"))

    def m(name, err, what, edit, files=None):
        fl = [A, B] if files is None else files
        vec(name, err, what, archive(mfst(fl, edit=edit), *[mem(*f) for f in fl]))

    def dup(key):
        def f(o):
            o.insert(2, (key, dict(o)[key]))
        return f

    m("manifest-duplicate-key", "EJSONDUPKEY", 'the manifest has "id" twice (same value)',
      dup("id"))
    m("manifest-duplicate-key-differs", "EJSONDUPKEY",
      'the manifest has "to" twice: "online", then "offline"',
      lambda o: o.insert(4, ("to", "offline")))
    m("manifest-entry-duplicate-key", "EJSONDUPKEY", 'the first entry has "size" twice',
      lambda o: first_entry(o).insert(1, ("size", 3)))
    m("manifest-unknown-field", "EJSONUNKNOWN", 'an unknown top-level field "exec"',
      lambda o: o.append(("exec", "rm -rf ~")))
    m("manifest-entry-unknown-field", "EJSONUNKNOWN", 'an unknown field "mode" in the first entry',
      lambda o: first_entry(o).append(("mode", 493)))
    for key in ("format", "id", "from", "to", "session", "created", "task", "entries"):
        m("manifest-missing-" + key, "EJSONMISSING", 'the manifest has no "%s"' % key,
          lambda o, key=key: delkey(o, key))
    for key in ("path", "size", "blake2b", "media_type"):
        m("manifest-entry-missing-" + key.replace("_", "-"), "EJSONMISSING",
          'the first entry has no "%s"' % key, lambda o, key=key: delkey(first_entry(o), key))
    m("manifest-wrong-type-size", "EJSONTYPE", 'the first entry "size" is the string "%d"'
      % len(A[1]), lambda o: setkey(first_entry(o), "size", str(len(A[1]))))
    m("manifest-wrong-type-task", "EJSONTYPE", '"task" is null',
      lambda o: setkey(o, "task", None))
    m("manifest-wrong-type-entries", "EJSONTYPE", '"entries" is an object',
      lambda o: setkey(o, "entries", Obj()), files=[])
    m("manifest-from-equals-to", "EFIELD", '"from" and "to" are both "offline"',
      lambda o: setkey(o, "to", "offline"))
    m("manifest-bad-side", "EFIELD", '"to" is "internet"', lambda o: setkey(o, "to", "internet"))
    m("manifest-bad-id", "EFIELD", '"id" is "../../../tmp/x" (ids become file names)',
      lambda o: setkey(o, "id", "../../../tmp/x"))
    m("manifest-bad-id-uppercase", "EFIELD", '"id" in upper-case hex',
      lambda o: setkey(o, "id", H["id"].upper()))
    m("manifest-bad-id-short", "EFIELD", '"id" of 31 hex digits',
      lambda o: setkey(o, "id", H["id"][:31]))
    m("manifest-bad-session", "EFIELD", '"session" is "$(reboot)"',
      lambda o: setkey(o, "session", "$(reboot)"))
    m("manifest-task-too-long", "EFIELD", '"task" of 16385 bytes (limit 16384)',
      lambda o: setkey(o, "task", "t" * 16385))
    m("manifest-session-too-long", "EFIELD", '"session" of 65 characters (limit 64)',
      lambda o: setkey(o, "session", "s" * 65))
    vec("manifest-created-before-epoch", "EFIELD",
        '"created" is 1969-12-31T23:59:59Z (before the epoch, tar mtime 0)',
        archive(member("manifest.json", emit(man([A, B], created="1969-12-31T23:59:59Z")), 0),
                member(*A, 0), member(*B, 0)))
    late, late_t = "2242-03-16T12:56:32Z", 8 ** 11 - 1
    vec("manifest-created-unpackable", "EFIELD",
        '"created" is %s, one second past the last time a ustar mtime can hold '
        "(members carry that last time)" % late,
        archive(member("manifest.json", emit(man([A, B], created=late)), late_t),
                member(*A, late_t), member(*B, late_t)))
    m("manifest-bad-created", "EFIELD", '"created" is 2026-02-30T08:00:00Z (no such day)',
      lambda o: setkey(o, "created", "2026-02-30T08:00:00Z"))
    m("manifest-bad-created-offset", "EFIELD", '"created" has a +01:00 offset instead of Z',
      lambda o: setkey(o, "created", "2026-02-01T09:00:00+01:00"))
    m("manifest-bad-hash", "EFIELD", "the first entry \"blake2b\" in upper-case hex",
      lambda o: setkey(first_entry(o), "blake2b", b2(A[1]).upper()))
    m("manifest-bad-hash-short", "EFIELD", "the first entry \"blake2b\" of 62 hex digits",
      lambda o: setkey(first_entry(o), "blake2b", b2(A[1])[:62]))
    m("manifest-media-type-mismatch", "EFIELD",
      'the first entry a.md has "media_type" "application/json" (the packer writes '
      "text/markdown for .md: bytes the packer never produces)",
      lambda o: setkey(first_entry(o), "media_type", "application/json"))
    m("manifest-bad-media-type", "EFIELD", 'the first entry "media_type" is "application/x-sh"',
      lambda o: setkey(first_entry(o), "media_type", "application/x-sh"))
    m("manifest-negative-size", "EFIELD", 'the first entry "size" is -1',
      lambda o: setkey(first_entry(o), "size", -1))
    m("manifest-fractional-size", "EFIELD", 'the first entry "size" is %d.5' % len(A[1]),
      lambda o: setkey(first_entry(o), "size", Raw(b"%d.5" % len(A[1]))))
    m("manifest-huge-size", "EFIELD", 'the first entry "size" is 1e300',
      lambda o: setkey(first_entry(o), "size", Raw(b"1e300")))


def compact(obj):
    def c(v):
        if isinstance(v, Obj):
            return b"{" + b",".join(jstring(k) + b":" + c(x) for k, x in v) + b"}"
        if isinstance(v, list):
            return b"[" + b",".join(c(x) for x in v) + b"]"
        return jvalue(v, 0)
    return c(obj) + b"\n"


def hostile_signatures(t):
    g = next(p for p in GOLDEN_PLANS if p["plan"] == "offline-online")
    g2 = next(p for p in GOLDEN_PLANS if p["plan"] == "online-offline")
    plan = g["bytes"]
    key = os.path.join(GOLDEN, "test.key")
    other = os.path.join(GOLDEN, "other.key")
    sig = read(os.path.join(GOLDEN, "offline-online.airlock.minisig"))
    sig2 = read(os.path.join(GOLDEN, "online-offline.airlock.minisig"))
    good = comment_for(g["id"], g["frm"], g["to"])
    lines = sig.split(b"\n")

    def b64line(n, edit):
        raw = bytearray(base64.b64decode(lines[n]))
        edit(raw)
        out = list(lines)
        out[n] = base64.b64encode(bytes(raw))
        return b"\n".join(out)

    def flip(off):
        def f(raw):
            raw[off] ^= 0x01
        return f

    sigvec("sig-bitflip", "ESIGNATURE", "one bit flipped in the Ed25519 signature", plan,
           b64line(1, flip(10 + 20)))
    modified = canonical(g["files"], **dict(g, task=g["task"] + " And my home address."))
    sigvec("sig-plan-modified", "ESIGNATURE",
           "a valid plan with the same id whose task was changed after approval", modified, sig)
    sigvec("sig-plan-appended", "ESIGNATURE",
           "the approved plan with one byte appended (signature checked before the reader)",
           plan + b"\0", sig)
    sigvec("sig-other-key", "EKEYID", "approved with other.key, not the trusted test.key", plan,
           t.minisign_sign(other, plan, good))
    test_keyid = base64.b64decode(read(os.path.join(GOLDEN, "test.pub")).split(b"\n")[1])[2:10]
    forged = t.minisign_sign(other, plan, good).split(b"\n")
    raw = bytearray(base64.b64decode(forged[1]))
    raw[2:10] = test_keyid
    forged[1] = base64.b64encode(bytes(raw))
    sigvec("sig-keyid-forged", "ESIGNATURE",
           "signed by other.key with its key id replaced by test.key's", plan,
           b"\n".join(forged))
    edited = list(lines)
    edited[2] = lines[2].replace(b"from=offline to=online", b"from=online to=offline")
    assert edited[2] != lines[2]
    sigvec("sig-comment-edited", "EGLOBALSIG",
           "the trusted comment's direction reversed after signing", plan, b"\n".join(edited))
    sigvec("sig-global-bitflip", "EGLOBALSIG", "one bit flipped in the global signature", plan,
           b64line(3, flip(5)))
    swapped = sig2.split(b"\n")
    sigvec("sig-comment-swapped", "EGLOBALSIG",
           "trusted comment and global signature taken from online-offline's approval", plan,
           b"\n".join(lines[:2] + swapped[2:]))
    sigvec("sig-comment-other-id", "ECOMMENT",
           "validly signed by test.key, but the comment names online-offline's id", plan,
           t.minisign_sign(key, plan, comment_for(g2["id"], g["frm"], g["to"])))
    sigvec("sig-comment-reversed", "ECOMMENT",
           "validly signed by test.key, but the comment says from=online to=offline", plan,
           t.minisign_sign(key, plan, comment_for(g["id"], g["to"], g["frm"])))
    sigvec("sig-comment-not-airlock", "ECOMMENT",
           "validly signed with minisign's usual comment (timestamp and file name)", plan,
           t.minisign_sign(key, plan, "timestamp:1769936400\tfile:offline-online.airlock"))
    sigvec("sig-comment-extra-field", "ECOMMENT",
           "validly signed, but the comment has an extra field after approved=", plan,
           t.minisign_sign(key, plan, good + " by=mallory"))
    sigvec("sig-comment-trailing-space", "ECOMMENT",
           "validly signed, but the comment ends with a space after approved=", plan,
           t.minisign_sign(key, plan, good + " "))
    sigvec("sig-comment-invalid-utf8", "ESIGFORMAT",
           "validly signed, but the trusted comment holds a byte that is not UTF-8", plan,
           t.minisign_sign(key, plan, good.replace("airlock id", "airlock\udcff id")))
    sigvec("sig-comment-bad-time", "ECOMMENT",
           "validly signed, but the comment's approval time is not a valid time", plan,
           t.minisign_sign(key, plan, good.replace(APPROVED, "2026-13-01T09:00:00Z")))
    sigvec("sig-legacy", "EKEYALG",
           "legacy non-prehashed signature (minisign -S -l) with a valid airlock comment", plan,
           t.minisign_sign(key, plan, good, legacy=True))

    def alg(raw):
        raw[0:2] = b"XY"
    sigvec("sig-unknown-alg", "EKEYALG", 'signature algorithm "XY"', plan, b64line(1, alg))
    sigvec("sig-truncated", "ESIGFORMAT", "only the first three lines of the signature file",
           plan, b"\n".join(lines[:3]) + b"\n")
    sigvec("sig-extra-line", "ESIGFORMAT", "a fifth line after the global signature", plan,
           sig + b"untrusted comment: more\n")
    sigvec("sig-bad-base64", "ESIGFORMAT", "a '*' inside the signature line's base64", plan,
           b"\n".join([lines[0], lines[1][:20] + b"*" + lines[1][21:]] + lines[2:]))
    sigvec("sig-short", "ESIGFORMAT", "the signature line decodes to 73 bytes, not 74", plan,
           b"\n".join([lines[0], base64.b64encode(base64.b64decode(lines[1])[:-1])] +
                      lines[2:]))
    sigvec("sig-empty", "ESIGFORMAT", "a zero-byte signature file", plan, b"")
    sigvec("sig-no-trusted-comment", "ESIGFORMAT",
           'the third line lacks the "trusted comment: " prefix', plan,
           b"\n".join(lines[:2] + [lines[2].replace(b"trusted comment: ", b"comment: ")] +
                      lines[3:]))
    sigvec("sig-comment-nul", "ESIGFORMAT", "a NUL byte inside the trusted comment", plan,
           b"\n".join(lines[:2] + [lines[2] + b"\0x"] + lines[3:]))
    sigvec("sig-oversize", "ESIGFORMAT",
           "a 20000-byte signature file (the limit is 16384): a long untrusted comment", plan,
           lines[0] + b"x" * 20000 + b"\n" + b"\n".join(lines[1:]))
    hostile = archive(mfst([("a.md", b""), B]), mem("a.md", b"", typeflag=b"2",
                                                    linkname="/etc/passwd"), mem(*B))
    sigvec("sig-hostile-plan", "ESYMLINK",
           "a plan holding a symlink, validly approved by test.key: the reader still refuses it",
           hostile, t.minisign_sign(key, hostile, comment_for(H["id"], H["frm"], H["to"])))


HOSTILE_README = """\
# Hostile plan vectors

Plans and approvals that every airlock reader must refuse, one file per rejection rule
(some rules have a few variants). `expected.tsv` names the error each must give:

    file <TAB> ERRNAME <TAB> check <TAB> signature-file-or-dash <TAB> description

- `check` is `read`: `al_artifact_read` (and `airlock show`) on `file` with the default
  limits (`al_plan_limits_default`) must fail with `ERRNAME` (the `al_errname` of the code).
- `check` is `verify`: `al_plan_verify` (and `airlock verify`) on `file` with the
  signature file and `../golden/test.pub` must fail with `ERRNAME`.

Every file here is generated by `../make-vectors.py` and committed; to add or change a
vector, edit that script and run it (see its header), never edit a file by hand. Archives
are built byte for byte from the canonical form that `airlock pack` writes (the script
first checks that it reproduces every golden plan exactly), so each one differs from a
valid plan only in the way its description says; where a rule needs the manifest's sizes
and hashes to match, they do. Signatures are made with stock `minisign` and the keys in
`../golden/`.

CTest registers each row as its own test, `vectors.hostile.<file without .airlock>`, and
`vectors.hostile.cli` runs every row through the `airlock` command (exit status 1 and
`[ERRNAME]` on standard error, no crash, no hang).

The name in each row is the correct one. Rows for which libairlock 0.1.0 gave another
name are listed, with what it gave, in the comments at the top of `expected.tsv`; their
tests fail until the library is fixed.

## Decisions

Where more than one name could fit, these vectors pin one:

- A cut-short plan is `ETRUNCATED` wherever the cut falls: in a member's data, in its
  padding, in a header, or in the end-of-archive marker. `ETAR` is for input that is not
  a well-formed tar archive at all (`not-a-tar`, `gzip`, `empty-file`, `header-checksum`,
  `empty-archive`).
- `count-bomb` (10000 members, 6.5 MB) is `ETOTALSIZE`: the length check refuses it
  before any header is parsed, which is the cheap and safe answer. `count-over-cap`
  (65 members, within the byte limit) is the `ECOUNT` vector.
- `size-bomb` (a header claiming 8 GiB - 1) is `ESIZE`: the header disagrees with the
  manifest, whose own sizes are already capped (`member-over-cap` is `EMEMBERSIZE`).
- `member-missing-middle` is `EMISSING`: the entry is listed and never stored, whatever
  follows it.
- `manifest-media-type-mismatch` is `EFIELD`: the media type is a function of the path,
  so any other value is an invalid field, not only a non-canonical spelling.
- `manifest-bom` is `ENONCANON`: RFC 8259 lets a parser ignore a byte order mark, and
  the canonical check refuses the bytes anyway. `manifest-lone-surrogate` is `EJSON`.
- `sig-comment-invalid-utf8` is `ESIGFORMAT`: a trusted comment must be text before its
  airlock grammar is considered.

The `airlock` command reads a plan or signature file with a fixed maximum and names a
larger file `ETOOBIG` before the library sees it (docs/cli.md, "Reading files"). So
`count-bomb` and `sig-oversize` are `ETOOBIG` from the command and `ETOTALSIZE` and
`ESIGFORMAT` from the library; `vectors.hostile.cli` expects that.
"""

KNOWN = """\
# Hostile plan vectors: file, expected error name, check (read|verify), signature file or -,
# description. Generated by ../make-vectors.py, see README.md.
#
# The name in each row is the correct one. libairlock 0.1.0 as committed at b4cc3cc gave
# another name for these rows (their tests fail until the library gives the one here):
#   member-stored-twice-last, manifest-stored-twice-last: EDUPLICATE (0.1.0: EUNLISTED,
#     because "more members than listed" was checked before "already stored").
#   symlink-after-last: ESYMLINK, as for a link anywhere else (0.1.0: EUNLISTED).
#   member-missing-middle: EMISSING (0.1.0: EORDER, "c.md stored before b.md").
#   manifest-path-too-long: EPATH, al_path_check's own rule (0.1.0: EFIELD from the
#     manifest string length cap).
#   truncated-mid-header, truncated-mid-padding: ETRUNCATED (0.1.0: ETAR for a cut inside a
#     header block or inside a member's padding).
#   manifest-created-unpackable: EFIELD (0.1.0: ETAR "File modification time too large" from
#     the reader's canonical re-packing).
#   manifest-media-type-mismatch: EFIELD (0.1.0 accepted it: bytes the packer never makes).
#   sig-comment-trailing-space: ECOMMENT (0.1.0 accepted the trailing space).
#   sig-comment-invalid-utf8: ESIGFORMAT (0.1.0: ECOMMENT from the comment grammar).
# And for these 0.1.0 gave the right name but lost the detail (it formatted al_errdetail()
# into the buffer al_errdetail() returns), which the tests also check:
#   path-absolute, manifest-path-empty (and, less visibly, every EPATH row).
"""


def make_hostile(t, known_header):
    hostile_archives()
    hostile_signatures(t)
    names = set()
    rows = [known_header.rstrip("\n")]
    for name, err, check, signame, what, data, sig in VECTORS:
        assert name not in names, name
        names.add(name)
        # CMake reads expected.tsv as a list: no separators or brackets in descriptions.
        assert not any(c in what for c in "\t\n;[]"), what
        write(os.path.join(HOSTILE, name), data)
        if sig is not None:
            write(os.path.join(HOSTILE, signame), sig)
            names.add(signame)
        rows.append("\t".join([name, err, check, signame, what]))
    write(os.path.join(HOSTILE, "expected.tsv"), ("\n".join(rows) + "\n").encode())
    write(os.path.join(HOSTILE, "README.md"), HOSTILE_README.encode())
    for f in sorted(os.listdir(HOSTILE)):
        if f not in names and f not in ("expected.tsv", "README.md"):
            print("warning: hostile/%s is not a vector any more; remove it" % f)
    print("%d hostile vectors" % len(VECTORS))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--airlock", default=os.path.join(HERE, "..", "..", "build", "airlockd",
                                                      "airlock"))
    ap.add_argument("--minisign", default="minisign")
    ap.add_argument("--new-keys", action="store_true", help="replace the golden key pairs")
    args = ap.parse_args()
    t = Tools(os.path.abspath(args.airlock), args.minisign)
    os.makedirs(GOLDEN, exist_ok=True)
    os.makedirs(HOSTILE, exist_ok=True)
    make_keys(t, args.new_keys)
    make_golden(t)
    golden_readme()
    make_hostile(t, KNOWN)


if __name__ == "__main__":
    main()
