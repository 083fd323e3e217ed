/*
 * seccomp.c: the compartments' system-call policy, as a table.
 *
 * Default deny: a system call not in the allow table fails with ENOSYS, which programs
 * treat as "not on this kernel" and work around (clone3 falls back to clone, for one).
 * The deny table names the calls that are dangerous rather than merely unneeded, and they
 * fail with EPERM so that a probe can tell a refusal from an absence. Non-native
 * architectures are killed before any table is consulted.
 *
 * Two filters are stacked. libseccomp cannot say "allow ioctl except these requests" in
 * one default-deny filter (an unconditional allow for a call replaces that call's
 * conditional rules), so the second filter, default-allow, refuses what the first lets
 * through too broadly: TIOCSTI and TIOCLINUX, and the socket families a compartment may
 * not use. The kernel runs both and the strictest answer wins (for two errno answers, the
 * later filter's), so EPERM and EAFNOSUPPORT reach the caller.
 *
 * The filters are built and exported to BPF in the parent; the child only loads bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#include "internal.h"

/* Calls an agent (shells, Python, Node, curl, compilers) needs. */
static const char *const allowed[] = {
    "accept",
    "accept4",
    "access",
    "alarm",
    "arch_prctl",
    "bind",
    "brk",
    "capget",
    "chdir",
    "chmod",
    "chown",
    "clock_getres",
    "clock_gettime",
    "clock_nanosleep",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fallocate",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchownat",
    "fcntl",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fstat",
    "fstatfs",
    "fsync",
    "ftruncate",
    "futex",
    "futex_waitv",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "geteuid",
    "getgid",
    "getgroups",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresuid",
    "getrlimit",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "gettid",
    "gettimeofday",
    "getuid",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "kill",
    "lchown",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "lseek",
    "lstat",
    "madvise",
    "membarrier",
    "memfd_create",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mmap",
    "mprotect",
    "mremap",
    "msync",
    "munlock",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pause",
    "pipe",
    "pipe2",
    "poll",
    "ppoll",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "pselect6",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recvfrom",
    "recvmmsg",
    "recvmsg",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_tgsigqueueinfo",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getparam",
    "sched_getscheduler",
    "sched_setaffinity",
    "sched_yield",
    "select",
    "ioctl",
    "sendfile",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "set_robust_list",
    "set_tid_address",
    "setitimer",
    "setpgid",
    "setpriority",
    "setrlimit",
    "setsid",
    "setsockopt",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "socketpair",
    "splice",
    "stat",
    "statfs",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_settime",
    "times",
    "tkill",
    "truncate",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimes",
    "vfork",
    "wait4",
    "waitid",
    "write",
    "writev",
    "get_robust_list",
    "getxattrat",
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
};

/* Calls refused with EPERM: each would reach past the compartment's walls. */
static const char *const denied[] = {
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    "open_by_handle_at",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "quotactl",
    "nfsservctl",
    "lookup_dcookie",
    "vhangup",
    "personality",
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setgroups",
    "setfsuid",
    "setfsgid",
    "capset",

    "mbind",
    "set_mempolicy",
    "migrate_pages",
    "move_pages",
    "kcmp",
    "uselib",
    "ustat",
    "_sysctl",
    "fanotify_init",
    "pidfd_open",
    "pidfd_send_signal",
    "seccomp",
};

#define NS_FLAGS                                                                                   \
    (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |     \
     CLONE_NEWCGROUP | CLONE_NEWTIME)

static int
add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
    const struct scmp_arg_cmp *args)
{
    int nr = seccomp_syscall_resolve_name(name);

    if (nr == __NR_SCMP_ERROR)
        return 0; /* not a call on this architecture */
    return seccomp_rule_add_array(ctx, action, nr, n, args);
}

/* Exports ctx as BPF into prog (prog->filter is malloc'd). */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
    char *buf = NULL;
    off_t len;
    int fd, r = 0;

    if ((fd = memfd_create("airlock-seccomp", MFD_CLOEXEC)) < 0 ||
        seccomp_export_bpf(ctx, fd) != 0 || (len = lseek(fd, 0, SEEK_END)) <= 0 ||
        len % sizeof(struct sock_filter) != 0 || (buf = malloc((size_t)len)) == NULL ||
        pread(fd, buf, (size_t)len, 0) != len) {
        r = al__fail(AL_ESANDBOX, "exporting the seccomp filter");
        free(buf);
    } else {
        prog->filter = (struct sock_filter *)(void *)buf;
        prog->len = (unsigned short)((size_t)len / sizeof(struct sock_filter));
    }
    if (fd >= 0)
        close(fd);
    return r;
}

/* The table: default ENOSYS, the allow list, the deny list, clone and socket by argument. */
static int
main_filter(enum al_side side, scmp_filter_ctx ctx)
{
    static const uint64_t ns[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
                                  CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
    struct scmp_arg_cmp a[2];
    size_t i;
    int r = 0;

    for (i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
        r = add(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
    for (i = 0; r == 0 && i < sizeof(denied) / sizeof(denied[0]); i++)
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0, NULL);
    /* clone: threads and processes yes, new namespaces no. (clone3 passes its flags in
     * memory a filter cannot read; it gets ENOSYS and glibc falls back to clone.) */
    a[0] = SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ALLOW, "clone", 1, a);
    for (i = 0; r == 0 && i < sizeof(ns) / sizeof(ns[0]); i++) {
        a[0] = SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]);
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, a);
    }
    /* socket: offline AF_UNIX only; online also TCP and UDP over IPv4 and IPv6, never raw. */
    a[0] = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ALLOW, "socket", 1, a);
    if (side == AL_SIDE_ONLINE) {
        static const int fam[] = {AF_INET, AF_INET6};

        for (i = 0; r == 0 && i < 2; i++) {
            a[0] = SCMP_A0(SCMP_CMP_EQ, (uint64_t)fam[i]);
            a[1] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW);
            r = add(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 2, a);
            a[1] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM);
            if (r == 0)
                r = add(ctx, SCMP_ACT_ALLOW, "socket", 2, a);
            a[1] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM);
            if (r == 0)
                r = add(ctx, SCMP_ACT_ALLOW, "socket", 2, a);
        }
    }
    return r;
}

/* Default allow; refuses what the main filter allows too broadly or answers ENOSYS to. */
static int
refine_filter(enum al_side side, scmp_filter_ctx ctx)
{
    struct scmp_arg_cmp a[1];
    uint64_t f;
    int r;

    /* The kernel reads only the low 32 bits of an ioctl request, so the filter compares
     * only those: TIOCSTI | (1 << 32) must not slip past. */
    a[0] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI);
    r = add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, a);
    a[0] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, a);
    /* Every family but the compartment's own: EAFNOSUPPORT, as from a kernel without it.
     * Values with high bits set compare greater and are refused as well. */
    for (f = 0; r == 0 && f <= 10; f++) {
        int allowed_family =
            f == AF_UNIX || (side == AL_SIDE_ONLINE && (f == AF_INET || f == AF_INET6));

        if (allowed_family)
            continue;
        a[0] = SCMP_A0(SCMP_CMP_EQ, f);
        r = add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, a);
    }
    a[0] = SCMP_A0(SCMP_CMP_GT, 10);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, a);
    return r;
}

int
al__seccomp_build(enum al_side side, struct sock_fprog prog[2])
{
    scmp_filter_ctx ctx[2] = {NULL, NULL};
    int r = AL_ENOMEM, i;

    memset(prog, 0, 2 * sizeof(*prog));
    if ((ctx[0] = seccomp_init(SCMP_ACT_ERRNO(ENOSYS))) == NULL ||
        (ctx[1] = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
        goto out;
    /* Non-native architectures are killed before any rule is consulted. */
    for (i = 0; i < 2; i++) {
        if (seccomp_attr_set(ctx[i], SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0) {
            r = al__fail(AL_ESANDBOX, "setting the seccomp architecture action");
            goto out;
        }
    }
    if ((r = main_filter(side, ctx[0])) != 0 || (r = refine_filter(side, ctx[1])) != 0) {
        r = al__fail(AL_ESANDBOX, "building the seccomp filter: %s", strerror(-r));
        goto out;
    }
    if ((r = export(ctx[0], &prog[0])) != 0 || (r = export(ctx[1], &prog[1])) != 0)
        goto out;
    /* success */ r = 0;
out:
    if (r != 0) {
        free(prog[0].filter);
        free(prog[1].filter);
        memset(prog, 0, 2 * sizeof(*prog));
    }
    for (i = 0; i < 2; i++)
        if (ctx[i] != NULL)
            seccomp_release(ctx[i]);
    return r;
}
