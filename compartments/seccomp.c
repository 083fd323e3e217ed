/*
 * seccomp.c: the compartments' system-call policy, as a table.
 *
 * Default deny: a system call not in the allow table fails with ENOSYS, which programs
 * treat as "not on this kernel" and work around (clone3 falls back to clone, for one).
 * The deny table names the calls that are dangerous rather than merely unneeded, and they
 * fail with EPERM so that a probe can tell a refusal from an absence. Non-native
 * architectures are killed before any table is consulted.
 *
 * The filter is built and exported to BPF in the parent; the child only loads the bytes.
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
    "clone3",
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

int
al__seccomp_build(enum al_side side, struct sock_fprog *prog)
{
    scmp_filter_ctx ctx;
    struct scmp_arg_cmp a[2];
    char *buf = NULL;
    off_t len;
    size_t i;
    int r = 0, fd = -1;

    /* ENOSYS by default; non-native architectures are killed (the context's arch check). */
    if ((ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS))) == NULL)
        return AL_ENOMEM;
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0)
        r = -1;
    for (i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
        r = add(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
    for (i = 0; r == 0 && i < sizeof(denied) / sizeof(denied[0]); i++)
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0, NULL);
    /* clone: threads and processes yes, new namespaces no. */
    a[0] = SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ALLOW, "clone", 1, a);
    for (i = 0; r == 0 && i < 8; i++) {
        static const uint64_t flags[] = {CLONE_NEWUSER,   CLONE_NEWNS,  CLONE_NEWPID,
                                         CLONE_NEWNET,    CLONE_NEWIPC, CLONE_NEWUTS,
                                         CLONE_NEWCGROUP, CLONE_NEWTIME};

        a[0] = SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]);
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, a);
    }
    /* ioctl: terminal input injection refused. The kernel compares only the low 32 bits
     * of the request, so the filter must too, or TIOCSTI | (1 << 32) would slip past. */
    a[0] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, a);
    a[0] = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, a);
    /* Every other ioctl is allowed. libseccomp evaluates the rules with argument
     * comparisons before a rule without, so the two refusals above still hold (the
     * escape tests check both, with high bits set too). */
    if (r == 0)
        r = add(ctx, SCMP_ACT_ALLOW, "ioctl", 0, NULL);
    /* socket: offline AF_UNIX only; online also AF_INET and AF_INET6, never raw. */
    a[0] = SCMP_A0(SCMP_CMP_EQ, AF_UNIX);
    if (r == 0)
        r = add(ctx, SCMP_ACT_ALLOW, "socket", 1, a);
    if (side == AL_SIDE_ONLINE) {
        int fam[] = {AF_INET, AF_INET6};

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
    if (r != 0) {
        r = al__fail(AL_ESANDBOX, "building the seccomp filter: %s", strerror(-r));
        goto out;
    }
    /* Export the BPF to memory, so the child has nothing to compute or allocate. */
    if ((fd = memfd_create("airlock-seccomp", MFD_CLOEXEC)) < 0 ||
        seccomp_export_bpf(ctx, fd) != 0 || (len = lseek(fd, 0, SEEK_END)) <= 0 ||
        len % sizeof(struct sock_filter) != 0 || (buf = malloc((size_t)len)) == NULL ||
        pread(fd, buf, (size_t)len, 0) != len) {
        r = al__fail(AL_ESANDBOX, "exporting the seccomp filter");
        free(buf);
        goto out;
    }
    prog->filter = (struct sock_filter *)(void *)buf;
    prog->len = (unsigned short)((size_t)len / sizeof(struct sock_filter));
out:
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return r;
}
