#!/usr/bin/env python3
"""unit_exec.py: runs a command as a process of the airlockd systemd user unit would run.

    unit_exec.py UNIT [--] [COMMAND [ARG...]]

Reads UNIT (airlockd.service) and applies what its [Service] section sets that a user
manager would apply to the process: Environment=, UMask=, NoNewPrivileges=, and seccomp
filters in the manner of systemd's SystemCallArchitectures=native, LockPersonality=,
RestrictRealtime=, RestrictSUIDSGID= and RestrictAddressFamilies=; then executes COMMAND
(by default the unit's ExecStart=). No user manager runs in CI's containers, so this is how
install.sh shows that the unit's hardening leaves user namespaces, mounts, landlock and
seccomp working for airlockd and its compartments.

The filters follow systemd's (src/shared/seccomp-util.c) in what they refuse and with
which errno, not instruction for instruction. A directive this script does not know fails
it, so that a hardening line added to the unit cannot go untested.
"""

import ctypes
import ctypes.util
import errno
import os
import shlex
import stat
import sys

# Directives of [Service] this script applies, and those that need nothing here.
APPLIED = {"Environment", "UMask", "NoNewPrivileges", "SystemCallArchitectures",
           "LockPersonality", "RestrictRealtime", "RestrictSUIDSGID",
           "RestrictAddressFamilies"}
NOT_PROCESS_STATE = {"Type", "ExecStart", "ExecReload", "SyslogIdentifier", "Restart",
                     "RestartSec", "KillMode", "TimeoutStopSec"}

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_EQ, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ = 1, 4, 6, 7
PR_SET_NO_NEW_PRIVS = 38
FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16}
AF_MAX = 46  # Linux 6.x


class Cmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def act_errno(e):
    return 0x00050000 | (e & 0xFFFF)


def service_section(path):
    """The [Service] section's Key=Value lines, in order (a key may repeat)."""
    out, section = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
            elif section == "[Service]":
                key, _, value = line.partition("=")
                out.append((key.strip(), value.strip()))
    return out


class Filter:
    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2",
                               use_errno=True)
        self.lib.seccomp_init.restype = ctypes.c_void_p
        self.lib.seccomp_init.argtypes = [ctypes.c_uint32]
        self.lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32,
                                                    ctypes.c_int, ctypes.c_uint,
                                                    ctypes.POINTER(Cmp)]
        self.lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        self.lib.seccomp_load.argtypes = [ctypes.c_void_p]
        # Only the native architecture: libseccomp kills on any other (i386, x32), as
        # SystemCallArchitectures=native makes systemd's filters do.
        self.ctx = self.lib.seccomp_init(SCMP_ACT_ALLOW)
        if not self.ctx:
            raise OSError("seccomp_init failed")

    def refuse(self, name, err, *conds):
        nr = self.lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            return  # not on this architecture (open, creat, chmod on arm64)
        arr = (Cmp * max(1, len(conds)))(*[Cmp(*c) for c in conds])
        r = self.lib.seccomp_rule_add_array(self.ctx, act_errno(err), nr, len(conds), arr)
        if r != 0:
            raise OSError(-r, "seccomp_rule_add %s" % name)

    def load(self):
        r = self.lib.seccomp_load(self.ctx)
        if r != 0:
            raise OSError(-r, "seccomp_load")


def lock_personality(flt):
    # Any personality but the current one is refused (systemd refuses even the query).
    current = ctypes.CDLL(None).personality(0xFFFFFFFF)
    flt.refuse("personality", errno.EPERM, (0, SCMP_CMP_NE, current, 0))


def restrict_realtime(flt):
    for policy in (1, 2, 6):  # SCHED_FIFO, SCHED_RR, SCHED_DEADLINE, with or without
        # SCHED_RESET_ON_FORK (0x40000000)
        flt.refuse("sched_setscheduler", errno.EPERM,
                   (1, SCMP_CMP_MASKED_EQ, 0xBFFFFFFF, policy))
    flt.refuse("sched_setattr", errno.EPERM)


def restrict_suid_sgid(flt):
    for bit in (stat.S_ISUID, stat.S_ISGID):
        for name, arg in (("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("mkdir", 1),
                          ("mkdirat", 2), ("mknod", 1), ("mknodat", 2), ("creat", 1)):
            flt.refuse(name, errno.EPERM, (arg, SCMP_CMP_MASKED_EQ, bit, bit))
        for name, flags, mode in (("open", 1, 2), ("openat", 2, 3)):
            flt.refuse(name, errno.EPERM, (flags, SCMP_CMP_MASKED_EQ, os.O_CREAT, os.O_CREAT),
                       (mode, SCMP_CMP_MASKED_EQ, bit, bit))


def restrict_address_families(flt, value):
    allowed = sorted(FAMILIES[v] for v in value.split())
    # Every family between the allowed ones (and above the last, up to AF_MAX) is refused
    # with EAFNOSUPPORT; AF_UNSPEC (0) is left alone, as systemd does.
    lo = 1
    for fam in allowed + [AF_MAX]:
        for f in range(lo, fam):
            flt.refuse("socket", errno.EAFNOSUPPORT, (0, SCMP_CMP_EQ, f, 0))
        lo = fam + 1
    flt.refuse("socket", errno.EAFNOSUPPORT, (0, SCMP_CMP_GT, AF_MAX - 1, 0))


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: unit_exec.py UNIT [--] [COMMAND [ARG...]]")
    lines = service_section(argv[1])
    cmd = argv[2:]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    unknown = [k for k, _ in lines if k not in APPLIED | NOT_PROCESS_STATE]
    if unknown:
        sys.exit("unit_exec.py: %s sets %s, which this script does not apply: teach it"
                 % (argv[1], ", ".join(unknown)))
    values = dict(lines)
    for k, v in lines:
        if k == "Environment":
            for item in shlex.split(v):
                name, _, val = item.partition("=")
                os.environ[name] = val
    if "UMask" in values:
        os.umask(int(values["UMask"], 8))
    if not cmd:
        cmd = shlex.split(values["ExecStart"])
    flt = Filter()
    if values.get("LockPersonality") == "yes":
        lock_personality(flt)
    if values.get("RestrictRealtime") == "yes":
        restrict_realtime(flt)
    if values.get("RestrictSUIDSGID") == "yes":
        restrict_suid_sgid(flt)
    if values.get("RestrictAddressFamilies"):
        restrict_address_families(flt, values["RestrictAddressFamilies"])
    # A user manager implies NoNewPrivileges= with any seccomp directive; the unit sets it.
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    flt.load()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv)
