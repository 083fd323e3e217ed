#!/usr/bin/env python3
"""Writes tests/vectors/config/hostile/: one configuration per rule of include/airlock/config.h,
and expected.tsv, which names each file's error and the start of its detail.

The files are committed; the tests read them and never run this script. Run it again after
changing a row here, from any directory. Every vector is parsed with home /home/u and no
$XDG_CONFIG_HOME (so the configuration directory is /home/u/.config/airlock).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hostile")

# (file stem, JSON text or a value to serialise, error name, detail prefix, description)
ROWS = []


def row(stem, doc, err, prefix, why):
    ROWS.append((stem, doc, err, prefix, why))


def off(**fields):
    return {"offline": fields}


def on(**fields):
    return {"online": fields}


def plans(**fields):
    return {"plans": fields}


def limits(side, **fields):
    return {side: {"limits": fields}}


# The JSON layer.
row("not-object", "[]\n",
    "EJSONTYPE", "the configuration must be a JSON object",
    "top level is an array")
row("syntax", '{"offline": {"command": ["a",]}}\n', "EJSON", "syntax error", "trailing comma")
row("trailing", '{} {}\n', "EJSON", "trailing data", "a second value after the object")
row("duplicate-key", '{"plans": {"expire_h": 1, "expire_h": 2}}\n', "EJSONDUPKEY",
    'key "expire_h" appears twice', "duplicate key")
row("deep", '{"offline":' + "[" * 9 + "]" * 9 + "}\n", "EJSONDEPTH", "nesting deeper than 8",
    "nesting beyond the schema")
row("bad-utf8", b'{"approver_pubkey": "/k\xff"}\n', "EUTF8", "invalid UTF-8", "invalid UTF-8")
row("nul-escape", '{"approver_pubkey": "/k\\u0000x"}\n', "ENUL", "\\u0000 escape", "escaped NUL")

# Closed schema and types.
row("unknown-top", {"approvers": []},
    "EJSONUNKNOWN", "approvers: unknown field",
    "unknown top-level field")
row("unknown-limits", limits("offline", memory=1),
    "EJSONUNKNOWN", "offline.limits.memory: unknown field",
    "unknown limit")
row("unknown-plans", plans(max_size=1),
    "EJSONUNKNOWN", "plans.max_size: unknown field",
    "unknown plans field")
row("unknown-odd-key", {"online": {"a b": 1}}, "EJSONUNKNOWN", 'online["a b"]: unknown field',
    "unknown key that is not an identifier")
row("offline-allow", off(allow=["example.com"]), "EJSONUNKNOWN", "offline.allow: unknown field",
    "the offline side has no allowlist")
row("offline-home", off(home="~/h"),
    "EJSONUNKNOWN", "offline.home: unknown field",
    "the offline side has no home")
row("online-workspace", on(workspace="~/w"), "EJSONUNKNOWN", "online.workspace: unknown field",
    "the online side has no workspace")
row("null-field", {"approver_pubkey": None},
    "EJSONTYPE", "approver_pubkey: must be a string",
    "null is not absent")
row("side-not-object", {"offline": []},
    "EJSONTYPE", "offline: must be an object",
    "side is an array")
row("limit-string", limits("online", pids="256"),
    "EJSONTYPE", "online.limits.pids: must be a number",
    "number as a string")
row("allow-not-array", on(allow="example.com"),
    "EJSONTYPE", "online.allow: must be an array",
    "allow is a string")
row("resolve-not-object", on(resolve=["a.test:80"]),
    "EJSONTYPE", "online.resolve: must be an object",
    "resolve is an array")
row("command-not-string", off(command=["/bin/a", 1]),
    "EJSONTYPE", "offline.command[1]: must be a string",
    "command item is a number")

# command
row("command-empty", off(command=[]), "ECONFIG", "offline.command: has 0 items", "no program")
row("command-too-many", on(command=["/bin/a"] * 65),
    "ECONFIG", "online.command: has 65 items",
    "65 items")
row("command-item-too-long", on(command=["/bin/a", "x" * 4097]), "ECONFIG",
    "online.command[1]: longer than 4096 bytes", "an item over 4096 bytes")
row("command-placeholder", off(command=["/bin/a", "--x", "--in={foo}"]), "ECONFIG",
    'offline.command[2]: unknown placeholder "{foo}"', "unknown placeholder")
row("command-placeholder-nested", off(command=["/bin/a", "{{task}}"]), "ECONFIG",
    'offline.command[1]: unknown placeholder "{{task}"', "doubled braces")
row("command-placeholder-case", off(command=["/bin/a", "{TASK}"]), "ECONFIG",
    'offline.command[1]: unknown placeholder "{TASK}"', "placeholders are lowercase")
row("command-program-placeholder", off(command=["{task}"]), "ECONFIG",
    "offline.command[0]: the program must not contain a placeholder", "program from the task text")
row("command-program-empty", on(command=["", "x"]),
    "ECONFIG", "online.command[0]: the program must not be empty",
    "empty program")

# paths
row("path-empty", {"approver_pubkey": ""}, "ECONFIG", "approver_pubkey: empty path", "empty path")
row("path-relative", off(workspace="airlock/workspace"), "ECONFIG",
    'offline.workspace: "airlock/workspace": must be absolute', "relative path")
row("path-tilde-user", off(workspace="~bob/workspace"), "ECONFIG",
    'offline.workspace: "~bob/workspace": only "~/" is expanded', "~user is not expanded")
row("path-control", {"approver_pubkey": "/keys/a\nb.pub"}, "ECONFIG",
    'approver_pubkey: "/keys/a\\nb.pub": control character', "newline in a path")
row("path-too-long", off(workspace="~/" + "d" * 4094), "ECONFIG",
    'offline.workspace: "~/' + "d" * 62 + '...": longer than 4096 bytes once expanded',
    "over 4096 bytes once ~ is expanded")
row("workspace-root", off(workspace="/"),
    "ECONFIG", 'offline.workspace: "/": not a directory of its own',
    "workspace is /")
row("workspace-home", off(workspace="~"),
    "ECONFIG", 'offline.workspace: "/home/u": is or contains the home',
    "workspace is the home directory")
row("workspace-ancestor", off(workspace="/home/u/.."),
    "ECONFIG", 'offline.workspace: "/home": not a directory',
    "workspace normalises to /home")
row("workspace-etc", off(workspace="/etc/airlock"), "ECONFIG",
    'offline.workspace: "/etc/airlock": lies in the system directory /etc', "workspace under /etc")
row("workspace-proc", off(workspace="/proc/self/cwd"), "ECONFIG",
    'offline.workspace: "/proc/self/cwd": lies in /proc', "workspace under /proc")
row("workspace-config", off(workspace="~/.config"),
    "ECONFIG", 'offline.workspace: "/home/u/.config": contains /home/u/.config/airlock',
    "workspace holds the configuration")
row("home-is-workspace", on(home="~/airlock//workspace/."),
    "ECONFIG", 'online.home: "/home/u/airlock/workspace": is offline.workspace',
    "online home is the workspace")
row("home-inside-workspace", on(home="~/airlock/workspace/agent"),
    "ECONFIG", 'online.home: "/home/u/airlock/workspace/agent": lies inside offline.workspace',
    "online home in the workspace")
row("home-contains-workspace", on(home="~/airlock/"), "ECONFIG",
    'online.home: "/home/u/airlock": contains offline.workspace', "online home holds the workspace")
row("home-dotdot-workspace", on(home="~/x/../airlock/workspace/y/.."),
    "ECONFIG", 'online.home: "/home/u/airlock/workspace": is offline.workspace',
    "the same after normalising ..")
row("home-is-home", on(home="~/"),
    "ECONFIG", 'online.home: "/home/u": is or contains the home directory',
    "online home is the user's home")
row("home-tmp", on(home="/tmp"),
    "ECONFIG", 'online.home: "/tmp": not a directory of its own',
    "online home is /tmp")
row("approver-in-workspace", {"approver_pubkey": "~/airlock/workspace/approver.pub"}, "ECONFIG",
    'approver_pubkey: "/home/u/airlock/workspace/approver.pub": lies inside offline.workspace',
    "the offline agent could swap the key")
row("approver-in-home", {"approver_pubkey": "/srv/agent/k.pub", "online": {"home": "/srv/agent"}},
    "ECONFIG", 'approver_pubkey: "/srv/agent/k.pub": lies inside online.home',
    "the online agent could swap the key")

# ro_binds
row("ro-bind-dotdot", off(ro_binds=["/opt/../etc/shadow"]), "ECONFIG",
    'offline.ro_binds[0]: "/opt/../etc/shadow": ".." components are not allowed', "..")
row("ro-bind-relative", on(ro_binds=["/opt/a", "opt/b"]),
    "ECONFIG", 'online.ro_binds[1]: "opt/b": must be absolute',
    "relative bind")
row("ro-bind-root", off(ro_binds=["//"]), "ECONFIG", 'offline.ro_binds[0]: "/": not allowed', "/")
row("ro-bind-etc", off(ro_binds=["/etc/"]),
    "ECONFIG", 'offline.ro_binds[0]: "/etc": not allowed',
    "/etc")
row("ro-bind-home-dir", on(ro_binds=["/home"]),
    "ECONFIG", 'online.ro_binds[0]: "/home": not allowed',
    "/home")
row("ro-bind-root-home", on(ro_binds=["/root"]),
    "ECONFIG", 'online.ro_binds[0]: "/root": not allowed',
    "/root")
row("ro-bind-tmp", on(ro_binds=["/tmp"]),
    "ECONFIG", 'online.ro_binds[0]: "/tmp": not allowed',
    "/tmp")
row("ro-bind-x11", on(ro_binds=["/tmp/.X11-unix"]),
    "ECONFIG", 'online.ro_binds[0]: "/tmp/.X11-unix": lies in /tmp',
    "host sockets under /tmp")
row("ro-bind-proc", off(ro_binds=["/proc/1/root"]),
    "ECONFIG", 'offline.ro_binds[0]: "/proc/1/root": lies in /proc',
    "the host root through /proc")
row("ro-bind-sys", off(ro_binds=["/sys"]),
    "ECONFIG", 'offline.ro_binds[0]: "/sys": lies in /sys',
    "/sys")
row("ro-bind-dev", off(ro_binds=["/dev/sda"]),
    "ECONFIG", 'offline.ro_binds[0]: "/dev/sda": lies in /dev',
    "a disk")
row("ro-bind-run", on(ro_binds=["/run/user/1000"]),
    "ECONFIG", 'online.ro_binds[0]: "/run/user/1000": lies in /run',
    "the session bus and agents")
row("ro-bind-var-run", on(ro_binds=["/var/run/docker.sock"]), "ECONFIG",
    'online.ro_binds[0]: "/var/run/docker.sock": lies in /var/run', "the docker socket")
row("ro-bind-home", on(ro_binds=["~"]),
    "ECONFIG", 'online.ro_binds[0]: "/home/u": is or contains the home directory',
    "$HOME itself")
row("ro-bind-in-workspace", on(ro_binds=["~/airlock/workspace/secrets"]), "ECONFIG",
    'online.ro_binds[0]: "/home/u/airlock/workspace/secrets": lies inside offline.workspace',
    "user files to the online side")
row("ro-bind-contains-workspace", on(ro_binds=["~/airlock"]),
    "ECONFIG", 'online.ro_binds[0]: "/home/u/airlock": contains offline.workspace',
    "a parent of the workspace")
row("ro-bind-airlock", off(ro_binds=["/airlock/inbox"]),
    "ECONFIG", 'offline.ro_binds[0]: "/airlock/inbox": would cover the compartment\'s own /airlock',
    "covers the inbox")
row("ro-bind-too-many", off(ro_binds=["/opt/m%d" % i for i in range(33)]),
    "ECONFIG", "offline.ro_binds: has 33 items",
    "33 binds")
row("ro-bind-duplicate", off(ro_binds=["/opt/a", "/opt//a/"]),
    "ECONFIG", 'offline.ro_binds[1]: "/opt//a/" is listed twice (also offline.ro_binds[0])',
    "the same path twice")

# env
row("env-digit", off(env=["1PATH"]),
    "ECONFIG", 'offline.env[0]: "1PATH": not a variable name',
    "leading digit")
row("env-equals", on(env=["A=b"]),
    "ECONFIG", 'online.env[0]: "A=b": not a variable name',
    "a value in a name")
row("env-empty", on(env=[""]), "ECONFIG", 'online.env[0]: "": not a variable name', "empty name")
row("env-too-long", on(env=["A" * 129]),
    "ECONFIG", "online.env[0]: longer than 128 bytes",
    "129 bytes")
row("env-too-many", on(env=["V%d" % i for i in range(65)]),
    "ECONFIG", "online.env: has 65 items",
    "65 names")
row("env-duplicate", off(env=["LC_ALL", "LC_ALL"]),
    "ECONFIG", 'offline.env[1]: "LC_ALL" is listed twice',
    "twice")

# limits
for side, key, value, rng in [
    ("offline", "memory_mb", 15, "16..1048576"), ("online", "memory_mb", 1048577, "16..1048576"),
    ("offline", "pids", 7, "8..65536"), ("online", "pids", 65537, "8..65536"),
    ("offline", "wall_s", 0, "1..604800"), ("online", "wall_s", 604801, "1..604800"),
    ("offline", "cpu_s", 604801, "0..604800"), ("online", "cpu_s", -1, "0..604800"),
    ("offline", "outbox_kb", 3, "4..65536"), ("online", "outbox_kb", 65537, "4..65536"),
    ("offline", "nofile", 15, "16..1048576"), ("online", "nofile", 1048577, "16..1048576"),
]:
    row("limit-%s-%s" % (side, key.replace("_", "-")) + ("-low" if value < 100 else "-high"),
        limits(side, **{key: value}),
        "ECONFIG", "%s.limits.%s: %d is out of range %s" % (side, key, value, rng),
        "%s %s = %d" % (side, key, value))
row("limit-fraction", '{"offline": {"limits": {"pids": 100.5}}}\n', "ECONFIG",
    "offline.limits.pids: must be a whole number", "not a whole number")
row("limit-huge", '{"online": {"limits": {"wall_s": 1e400}}}\n', "ECONFIG",
    "online.limits.wall_s: must be a whole number", "infinity")

# allow
row("allow-empty-label", on(allow=["a.example", "b.example", "c.example", "*."]), "ECONFIG",
    'online.allow[3]: "*.": empty label', "the example of the brief")
row("allow-empty", on(allow=[""]), "ECONFIG", 'online.allow[0]: "": empty', "empty rule")
row("allow-trailing-dot-wildcard", on(allow=["www.bbc.co.uk", "*.wikipedia.org."]), "ECONFIG",
    'online.allow[1]: "*.wikipedia.org.": a trailing dot', "a trailing dot, named as such")
row("allow-trailing-dot-port", on(allow=["example.com.:443"]), "ECONFIG",
    'online.allow[0]: "example.com.:443": a trailing dot', "a trailing dot before a port")
row("allow-double-dot", on(allow=["example..com"]), "ECONFIG",
    'online.allow[0]: "example..com": empty label', "an empty label inside")
row("allow-star", on(allow=["*"]),
    "ECONFIG", 'online.allow[0]: "*": "*" would allow every host',
    "*")
row("allow-star-port", on(allow=["*:443"]),
    "ECONFIG", 'online.allow[0]: "*:443": "*" would allow every host',
    "*:443")
row("allow-scheme", on(allow=["https://example.com"]),
    "ECONFIG", 'online.allow[0]: "https://example.com": a scheme',
    "scheme")
row("allow-path", on(allow=["example.com/api"]),
    "ECONFIG", 'online.allow[0]: "example.com/api": a path',
    "path")
row("allow-userinfo", on(allow=["user@example.com"]),
    "ECONFIG", 'online.allow[0]: "user@example.com": "@"',
    "userinfo")
row("allow-space", on(allow=["example.com "]),
    "ECONFIG", 'online.allow[0]: "example.com ": whitespace',
    "space")
row("allow-port-zero", on(allow=["example.com:0"]),
    "ECONFIG", 'online.allow[0]: "example.com:0": the port',
    "port 0")
row("allow-port-high", on(allow=["example.com:65536"]),
    "ECONFIG", 'online.allow[0]: "example.com:65536": the port',
    "port 65536")
row("allow-port-leading-zero", on(allow=["example.com:0443"]), "ECONFIG",
    'online.allow[0]: "example.com:0443": the port', "port with a leading zero")
row("allow-port-empty", on(allow=["example.com:"]),
    "ECONFIG", 'online.allow[0]: "example.com:": empty port',
    "empty port")
row("allow-ipv6-bare", on(allow=["::1"]),
    "ECONFIG", 'online.allow[0]: "::1": an IPv6 address must be written in brackets',
    "unbracketed IPv6")
row("allow-ipv6-bad", on(allow=["[::g]"]),
    "ECONFIG", 'online.allow[0]: "[::g]": not a valid IPv6 address',
    "bad IPv6")
row("allow-ipv6-zone", on(allow=["[fe80::1%eth0]"]),
    "ECONFIG", 'online.allow[0]: "[fe80::1%eth0]": not a valid IPv6',
    "zone id")
row("allow-ipv6-unclosed", on(allow=["[::1"]),
    "ECONFIG", 'online.allow[0]: "[::1": "[" without "]"',
    "no ]")
row("allow-hyphen-start", on(allow=["-bad.example.com"]), "ECONFIG",
    'online.allow[0]: "-bad.example.com": label starts with a hyphen', "leading hyphen")
row("allow-hyphen-end", on(allow=["bad-.example.com"]), "ECONFIG",
    'online.allow[0]: "bad-.example.com": label ends with a hyphen', "trailing hyphen")
row("allow-long-label", on(allow=["a" * 64 + ".example"]),
    "ECONFIG", 'online.allow[0]: "' + "a" * 64 + '...": label longer',
    "64-byte label")
row("allow-long-name", on(allow=[".".join(["a" * 63] * 4)]), "ECONFIG",
    'online.allow[0]: "' + "a" * 63 + '....": host name longer than 253 bytes', "255-byte name")
row("allow-underscore", on(allow=["a_b.example.com"]),
    "ECONFIG", 'online.allow[0]: "a_b.example.com": a host name has only',
    "underscore")
row("allow-unicode", on(allow=["b\u00fccher.de"]),
    "ECONFIG", 'online.allow[0]: "b\u00fccher.de": a host name has only',
    "not in xn-- form")
row("allow-trailing-dot", on(allow=["example.com."]),
    "ECONFIG", 'online.allow[0]: "example.com.": a trailing dot',
    "trailing dot")
row("allow-mid-wildcard", on(allow=["a.*.example.com"]),
    "ECONFIG", 'online.allow[0]: "a.*.example.com": "*" may only appear as a leading "*."',
    "wildcard in the middle")
row("allow-partial-wildcard", on(allow=["*example.com"]),
    "ECONFIG", 'online.allow[0]: "*example.com": "*" may only appear as a leading "*."',
    "wildcard without a dot")
row("allow-numeric-hex", on(allow=["0x7f000001"]),
    "ECONFIG", 'online.allow[0]: "0x7f000001": reads as a numeric address',
    "hex address")
row("allow-numeric-short", on(allow=["127.1"]),
    "ECONFIG", 'online.allow[0]: "127.1": not a valid IPv4 address',
    "short address")
row("allow-numeric-tld", on(allow=["example.123"]),
    "ECONFIG", 'online.allow[0]: "example.123": last label is all digits',
    "numeric last label")
row("allow-bad-ipv4", on(allow=["1.2.3.256"]),
    "ECONFIG", 'online.allow[0]: "1.2.3.256": not a valid IPv4 address',
    "octet over 255")
row("allow-wildcard-ip", on(allow=["*.10.0.0.1"]),
    "ECONFIG", 'online.allow[0]: "*.10.0.0.1": a wildcard applies to names',
    "wildcard address")
row("allow-too-many", on(allow=["h%d.example" % i for i in range(257)]),
    "ECONFIG", "online.allow: has 257 items",
    "257 rules")
row("allow-duplicate", on(allow=["example.com", "EXAMPLE.com"]),
    "ECONFIG", 'online.allow[1]: "EXAMPLE.com" is listed twice (also online.allow[0])',
    "the same rule after folding")

# resolve
row("resolve-name-value", on(resolve={"a.test:80": "localhost:80"}),
    "ECONFIG", 'online.resolve["a.test:80"]: "localhost:80": must be an IP address and a port',
    "a name as the address")
row("resolve-no-port", on(resolve={"a.test": "127.0.0.1:80"}), "ECONFIG",
    'online.resolve["a.test"]: "a.test": a port is required', "key without a port")
row("resolve-value-no-port", on(resolve={"a.test:80": "127.0.0.1"}), "ECONFIG",
    'online.resolve["a.test:80"]: "127.0.0.1": a port is required', "value without a port")
row("resolve-ip-key", on(resolve={"10.0.0.1:80": "127.0.0.1:80"}),
    "ECONFIG", 'online.resolve["10.0.0.1:80"]: "10.0.0.1:80": must name a host, not an address',
    "an address as the key")
row("resolve-wildcard", on(resolve={"*.a.test:80": "127.0.0.1:80"}), "ECONFIG",
    'online.resolve["*.a.test:80"]: "*.a.test:80": a wildcard is not allowed here', "wildcard key")
row("resolve-case", on(resolve={"A.test:80": "127.0.0.1:80", "a.TEST:80": "127.0.0.2:80"}),
    "ECONFIG", 'online.resolve["a.TEST:80"]: pins the same name and port',
    "the same key after folding")
row("resolve-not-string", on(resolve={"a.test:80": 1}),
    "EJSONTYPE", 'online.resolve["a.test:80"]: must be a string',
    "value is a number")
row("resolve-too-many", on(resolve={"h%d.test:80" % i: "127.0.0.1:80" for i in range(65)}),
    "ECONFIG", "online.resolve: has 65 members",
    "65 pins")

# plans
row("plans-max-bytes-zero", plans(max_bytes=0),
    "ECONFIG", "plans.max_bytes: 0 is out of range 1..67108864",
    "0")
row("plans-max-bytes-high", plans(max_bytes=67108865),
    "ECONFIG", "plans.max_bytes: 67108865 is out of range",
    "over the hard cap")
row("plans-expire-zero", plans(expire_h=0),
    "ECONFIG", "plans.expire_h: 0 is out of range 1..8760",
    "0 hours")
row("plans-expire-high", plans(expire_h=8761),
    "ECONFIG", "plans.expire_h: 8761 is out of range",
    "over a year")
row("plans-max-pending-high", plans(max_pending=1001),
    "ECONFIG", "plans.max_pending: 1001 is out of range 1..1000",
    "1001")
row("plans-max-proposals-zero", plans(max_proposals_per_session=0), "ECONFIG",
    "plans.max_proposals_per_session: 0 is out of range 1..1000", "0")
row("plans-canary-short", plans(canaries=["abc"]),
    "ECONFIG", 'plans.canaries[0]: "abc": shorter than 4 bytes',
    "3 bytes")
row("plans-canary-long", plans(canaries=["c" * 257]),
    "ECONFIG", "plans.canaries[0]: longer than 256 bytes",
    "257 bytes")
row("plans-canary-control", plans(canaries=["ok-1", "ab\u001b[2Jcd"]), "ECONFIG",
    'plans.canaries[1]: "ab\\e[2Jcd": control character', "an escape sequence, shown as a token")
row("plans-canaries-too-many", plans(canaries=["canary-%02d" % i for i in range(65)]), "ECONFIG",
    "plans.canaries: has 65 items", "65 canaries")
row("plans-canary-duplicate", plans(canaries=["CANARY-1", "CANARY-1"]), "ECONFIG",
    'plans.canaries[1]: "CANARY-1" is listed twice', "twice")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".json"):
            os.unlink(os.path.join(OUT, name))
    lines = [
        "# file\terror\tdetail starts with\twhat is wrong (home /home/u, no XDG_CONFIG_HOME)",
    ]
    seen = set()
    for stem, doc, err, prefix, why in ROWS:
        assert stem not in seen, stem
        assert "\t" not in prefix and "\n" not in prefix, stem
        seen.add(stem)
        if isinstance(doc, bytes):
            data = doc
        elif isinstance(doc, str):
            data = doc.encode()
        else:
            data = (json.dumps(doc, ensure_ascii=False) + "\n").encode()
        with open(os.path.join(OUT, stem + ".json"), "wb") as f:
            f.write(data)
        lines.append("%s.json\t%s\t%s\t%s" % (stem, err, prefix, why))
    with open(os.path.join(OUT, "expected.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d hostile configurations" % len(ROWS))


if __name__ == "__main__":
    main()
