#!/usr/bin/env python3
"""make-vectors.py: writes tests/vectors/control/hostile/*.in and hostile/expected.tsv.

The files are committed; the tests read them and never run this script. Each .in is the
bytes a client sends on a fresh connection; its row says what the codec (al_ctl_feed and
al_ctl_next, one verdict per line) and the daemon (the error name of each reply) make of
it, and whether the connection stays open. After changing a row here, run this script,
then record what the daemon says into hostile/*.out and check the diff against the rows:

    python3 tests/vectors/control/make-vectors.py
    AIRLOCK=build/airlockd/airlock AIRLOCKD=build/airlockd/airlockd \\
        python3 tests/vectors/control/replay.py --record
    git diff tests/vectors/control
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hostile")
REQUEST_MAX = 256 * 1024  # AL_CTL_REQUEST_MAX

ROWS = []


def row(stem, data, codec, daemon, end, why):
    if isinstance(data, str):
        data = data.encode()
    ROWS.append((stem, data, codec, daemon, end, why))


def line(text):
    return (text.encode() if isinstance(text, str) else text) + b"\n"


def padded(length):
    """A hello request of exactly length bytes (newline excluded), padded with spaces."""
    head, tail = b'{"op":"hello","tag":"limit"', b"}"
    return head + b" " * (length - len(head) - len(tail)) + tail


def nested(depth):
    """A request whose "x" argument nests arrays so that the deepest is at depth."""
    return '{"op":"hello","x":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


PLAN_ID = "0123456789abcdef0123456789abcdef"


def edit(members):
    return json.dumps({"op": "edit", "id": PLAN_ID, "members": members},
                      separators=(",", ":"))


# Framing: the line's length, and what follows a line too long to frame.
row("at-limit", line(padded(REQUEST_MAX)), "ok", "ok", "open",
    "a request of exactly AL_CTL_REQUEST_MAX bytes")
row("over-limit", line(padded(REQUEST_MAX + 1)), "ETOOBIG", "ETOOBIG", "closed",
    "one byte over AL_CTL_REQUEST_MAX: ETOOBIG, then the connection is closed")
row("endless", b"a" * (REQUEST_MAX + 4096), "ETOOBIG", "ETOOBIG", "closed",
    "a line that never ends")
row("good-then-endless", line('{"op":"hello","tag":1}') + b'{"op":"' + b"a" * REQUEST_MAX,
    "ok,ETOOBIG", "ok,ETOOBIG", "closed",
    "a request, then an endless line: the request is answered first")
row("pipelined", line("{") + line('{"op":"hello","tag":2}') + line('{"op":"x","tag":3}'),
    "EJSON,ok,ok", "EJSON,ok,EPROTO", "open",
    "three lines in one write: each answered, in order; a bad line closes nothing")
row("empty-line", line(""), "EJSON", "EJSON", "open", "an empty line")
row("blank-line", line(" \t "), "EJSON", "EJSON", "open", "a line of white space")
row("crlf", b'{"op":"hello","tag":"crlf"}\r\n', "ok", "ok", "open",
    "CR before the newline is JSON white space")
row("bom", b"\xef\xbb\xbf" + line('{"op":"hello","tag":"bom"}'), "ok", "ok", "open",
    "a UTF-8 byte-order mark before the object is skipped (as RFC 8259 allows)")

# Bytes the strict parser refuses.
row("nul-raw", line(b'{"op":"hel\x00lo"}'), "ENUL", "ENUL", "open", "a raw NUL byte")
row("nul-escape", line('{"op":"hello","tag":"a\\u0000b"}'), "ENUL", "ENUL", "open",
    "a \\u0000 escape")
row("control-raw", line(b'{"op":"hello","tag":"a\x01b"}'), "EJSON", "EJSON", "open",
    "a raw control character (0x01) in a string")
row("tab-raw", line(b'{"op":"hello","tag":"a\tb"}'), "EJSON", "EJSON", "open",
    "a raw tab in a string")
row("escape-raw", line(b'{"op":"hello","tag":"\x1b[2J"}'), "EJSON", "EJSON", "open",
    "a raw ESC in a string")
row("utf8-ff", line(b'{"op":"hello","tag":"\xff"}'), "EUTF8", "EUTF8", "open",
    "the byte 0xff")
row("utf8-overlong", line(b'{"op":"hello","tag":"\xc0\xaf"}'), "EUTF8", "EUTF8", "open",
    "an overlong encoding of '/'")
row("utf8-surrogate", line(b'{"op":"hello","tag":"\xed\xa0\x80"}'), "EUTF8", "EUTF8", "open",
    "a UTF-16 surrogate encoded as UTF-8")
row("utf8-truncated", line(b'{"op":"hello","tag":"\xe2\x82"}'), "EUTF8", "EUTF8", "open",
    "a sequence cut short by the closing quote")
row("utf8-above-max", line(b'{"op":"hello","tag":"\xf4\x90\x80\x80"}'), "EUTF8", "EUTF8",
    "open", "a code point above U+10FFFF")

# Structure.
row("depth-16", line(nested(16)), "ok", "EJSONUNKNOWN", "open",
    "nesting of exactly 16: framed; the op then refuses the argument")
row("depth-17", line(nested(17)), "EJSONDEPTH", "EJSONDEPTH", "open", "nesting of 17")
row("depth-huge", line('{"x":' + "[" * 100000 + "]" * 100000 + "}"), "EJSONDEPTH",
    "EJSONDEPTH", "open", "nesting of 100,000 (no recursion that deep)")
row("trailing-object", line('{"op":"hello"} {}'), "EJSON", "EJSON", "open",
    "a second object on the line")
row("trailing-byte", line('{"op":"hello"}x'), "EJSON", "EJSON", "open",
    "a byte after the object")
row("trailing-space", line('{"op":"hello","tag":"sp"}  \t '), "ok", "ok", "open",
    "white space after the object is allowed")
row("unterminated", line('{"op":"hello"'), "EJSON", "EJSON", "open", "an unclosed object")
row("duplicate-op", line('{"op":"hello","op":"status"}'), "EJSONDUPKEY", "EJSONDUPKEY",
    "open", "op twice")
row("duplicate-nested", line(
    '{"op":"edit","id":"%s","members":[{"name":"a","name":"b","data":""}]}' % PLAN_ID),
    "EJSONDUPKEY", "EJSONDUPKEY", "open", "a key twice inside an argument")
row("not-object-array", line('[{"op":"hello"}]'), "EJSONTYPE", "EJSONTYPE", "open",
    "an array")
row("not-object-string", line('"hello"'), "EJSONTYPE", "EJSONTYPE", "open", "a string")
row("not-object-number", line("1"), "EJSONTYPE", "EJSONTYPE", "open", "a number")
row("not-object-null", line("null"), "EJSONTYPE", "EJSONTYPE", "open", "null")

# The op.
row("op-unknown", line('{"op":"launch","tag":1}'), "ok", "EPROTO", "open", "an unknown op")
row("op-case", line('{"op":"Hello"}'), "ok", "EPROTO", "open", "ops are case-sensitive")
row("op-missing", line('{"tag":1}'), "ok", "EJSONMISSING", "open", "no op")
row("op-number", line('{"op":1}'), "ok", "EJSONTYPE", "open", "op is a number")
row("op-too-long", line('{"op":"%s"}' % ("h" * 33)), "ok", "EFIELD", "open",
    "op longer than 32 bytes")
row("op-escapes", line('{"op":"\\u001b[31mred\\u00e9"}'), "ok", "EPROTO", "open",
    "an unknown op quoted in the detail as printable ASCII")

# The tag.
row("tag-64", line('{"op":"hello","tag":"%s"}' % ("t" * 64)), "ok", "ok", "open",
    "a tag of 64 bytes is echoed")
row("tag-65", line('{"op":"hello","tag":"%s"}' % ("t" * 65)), "ok", "EJSONTYPE", "open",
    "a tag of 65 bytes: refused, and not echoed")
row("tag-true", line('{"op":"hello","tag":true}'), "ok", "EJSONTYPE", "open", "a boolean tag")
row("tag-null", line('{"op":"hello","tag":null}'), "ok", "EJSONTYPE", "open", "a null tag")
row("tag-object", line('{"op":"hello","tag":{"n":1}}'), "ok", "EJSONTYPE", "open",
    "an object tag")
row("tag-numbers", line('{"op":"hello","tag":-1.5}') + line('{"op":"hello","tag":1e3}'),
    "ok,ok", "ok,ok", "open", "number tags are echoed in the daemon's spelling")
row("tag-on-error", line('{"op":"nope","tag":"t1"}'), "ok", "EPROTO", "open",
    "an error reply echoes the tag")

# Arguments: each kind of argument with the wrong type (no session needed).
row("arg-unknown", line('{"op":"hello","x":1}'), "ok", "EJSONUNKNOWN", "open",
    "an argument the op does not define")
row("arg-unknown-other-op", line('{"op":"plans","session":"offline-00000000"}'), "ok",
    "EJSONUNKNOWN", "open", "another op's argument")
row("arg-missing", line('{"op":"stop"}'), "ok", "EJSONMISSING", "open",
    "a required argument left out")
row("string-number", line('{"op":"start","side":1,"task":"t"}'), "ok", "EJSONTYPE", "open",
    "a string argument given a number")
row("string-array", line('{"op":"stop","session":["offline-00000000"]}'), "ok", "EJSONTYPE",
    "open", "a string argument given an array")
row("string-null", line('{"op":"plan","id":null}'), "ok", "EJSONTYPE", "open",
    "a string argument given null")
row("string-too-long", line('{"op":"stop","session":"offline-000000000"}'), "ok", "EFIELD",
    "open", "a session id one byte too long")
row("side-unknown", line('{"op":"start","side":"sideways","task":"t"}'), "ok", "EFIELD",
    "open", "a side that is neither offline nor online")
row("plan-id-upper", line('{"op":"plan","id":"%s"}' % PLAN_ID.upper()), "ok", "EFIELD",
    "open", "a plan id in upper case")
row("plan-id-short", line('{"op":"plan","id":"%s"}' % PLAN_ID[:31]), "ok", "EFIELD", "open",
    "a plan id of 31 digits")
row("signature-number", line('{"op":"approve","id":"%s","signature":7}' % PLAN_ID), "ok",
    "EJSONTYPE", "open", "the signature as a number")
row("reason-number", line('{"op":"reject","id":"%s","reason":7}' % PLAN_ID), "ok",
    "EJSONTYPE", "open", "an optional string argument given a number")
row("members-object", line('{"op":"edit","id":"%s","members":{}}' % PLAN_ID), "ok",
    "EJSONTYPE", "open", "the array argument given an object")
row("members-empty", line(edit([])), "ok", "EFIELD", "open", "an edit that keeps no file")
row("member-number", line(edit([1])), "ok", "EJSONTYPE", "open",
    "a member that is not an object")
row("member-unknown", line(edit([{"name": "a.md", "data": "", "mode": 420}])), "ok",
    "EJSONUNKNOWN", "open", "a member with a field it does not define")
row("member-name-number", line(edit([{"name": 1, "data": ""}])), "ok", "EJSONTYPE", "open",
    "a member's name as a number")
row("member-not-base64", line(edit([{"name": "a.md", "data": "aGk"}])), "ok", "EFIELD",
    "open", "a member's data without its padding")
row("member-base64-space", line(edit([{"name": "a.md", "data": "aGk= "}])), "ok", "EFIELD",
    "open", "a member's data with white space after it")
row("edit-unknown-plan", line(edit([{"name": "a.md", "data": "aGkK"}])), "ok", "ENOTFOUND",
    "open", "a well-formed edit of a plan that does not exist")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".in"):
            os.unlink(os.path.join(OUT, name))
    with open(os.path.join(OUT, "expected.tsv"), "w", encoding="utf-8") as f:
        f.write("# file\tcodec (al_ctl_next, per line)\tdaemon (reply errors, per line)"
                "\tconnection after\twhat is wrong\n")
        for stem, data, codec, daemon, end, why in ROWS:
            with open(os.path.join(OUT, stem + ".in"), "wb") as g:
                g.write(data)
            f.write("\t".join((stem, codec, daemon, end, why)) + "\n")
    print("%d hostile vectors" % len(ROWS))


if __name__ == "__main__":
    main()
