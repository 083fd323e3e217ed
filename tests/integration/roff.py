"""roff.py: just enough of man(7) for the documentation tests (Python 3, standard library).

The pages in docs/man/ use a small set of macros. This module reads them at the source
level: it splits a page into sections, turns a line into the text it shows (fonts
dropped, escapes resolved, the arguments of the alternating-font macros joined as groff
joins them), and finds the tags of top-level .TP paragraphs with the text beneath each.
"""

import re
import shlex

# Escapes the pages use, and what each shows.
_ESCAPES = [
    (r"\-", "-"),
    (r"\(aq", "'"),
    (r"\(dq", '"'),
    (r"\(bu", ""),
    (r"\(em", "--"),
    (r"\&", ""),
    (r"\ ", " "),
    (r"\e", "\\"),
]
_FONT = re.compile(r"\\f(\[[^\]]*\]|\(..|.)")
# Macros whose arguments are shown in alternating fonts, joined without spaces.
_ALTERNATING = {"BI", "IB", "BR", "RB", "IR", "RI"}
# Macros whose arguments are shown in one font, separated by spaces.
_ONE_FONT = {"B", "I", "SM", "SB"}
OPTION = re.compile(r"(?<![\w\-])(--?[A-Za-z][A-Za-z0-9\-]*)")


def unescape(s):
    s = _FONT.sub("", s)
    for esc, text in _ESCAPES:
        s = s.replace(esc, text)
    return s


def _args(rest):
    # shlex reads a roff backslash as its own escape: protect them first.
    try:
        return shlex.split(rest.replace("\\", "\x00"), posix=True)
    except ValueError:
        return rest.split()


def text(line):
    """The text a source line shows, or "" for a request that shows nothing."""
    if line.startswith(".\\\"") or line.startswith("'\\\""):
        return ""
    if not line.startswith("."):
        return unescape(line)
    name, _, rest = line[1:].partition(" ")
    if name in _ALTERNATING:
        return unescape("".join(a.replace("\x00", "\\") for a in _args(rest)))
    if name in _ONE_FONT:
        return unescape(" ".join(a.replace("\x00", "\\") for a in _args(rest)))
    if name in ("SH", "SS"):
        return unescape(" ".join(a.replace("\x00", "\\") for a in _args(rest)))
    return ""


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


def sections(lines):
    """{section title: [source lines]} for every .SH of the page."""
    out, cur = {}, None
    for line in lines:
        if line.startswith(".SH"):
            cur = text(line)
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def th(lines):
    """The arguments of .TH: [title, section, date, source, manual]."""
    for line in lines:
        if line.startswith(".TH "):
            return [a.replace("\x00", "\\") for a in _args(line[4:])]
    return []


def tagged(lines):
    """[(tag source line, [body source lines])] for each .TP at the outer level of lines
    (not inside .RS/.RE); a .SS ends the body of the tag before it."""
    out, depth, i = [], 0, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".RS"):
            depth += 1
        elif line.startswith(".RE"):
            depth -= 1
        elif line.startswith(".SS"):
            out.append((None, []))
        elif line.startswith(".TP") and depth == 0 and i + 1 < len(lines):
            out.append((lines[i + 1], []))
            i += 2
            continue
        if out and out[-1][0] is not None:
            out[-1][1].append(line)
        i += 1
    return [(tag, body) for tag, body in out if tag is not None]


def options(s):
    """The options (-x, --long-name) named in a text."""
    return set(OPTION.findall(s))
