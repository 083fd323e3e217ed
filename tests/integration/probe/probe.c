/*
 * airlock-probe: one sandbox escape attempt per invocation, for tests/integration/escape.sh.
 *
 *   airlock-probe NAME [ARGS...]
 *
 * Every probe prints exactly one result line on stdout, "NAME: RESULT[ DETAIL]", where RESULT
 * is "ok" (the attempt succeeded, exit 0) or the errno name of the step that failed (exit 1),
 * e.g. "read-file: ENOENT". A few probes report a finding instead of an errno ("leaked") or only
 * print values (status, host-procs, whoami; exit 0). Usage errors exit 2.
 *
 * The same binary runs unconfined (the positive control) and inside a compartment, where it
 * is started from /workspace or /airlock/inbox, so it depends on nothing but libc. Raw
 * syscall(2) is used where the point is what the kernel and a seccomp filter see, not what a
 * libc wrapper does with the arguments.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

/* The upper half a 64-bit seccomp filter sees and the kernel ignores for int arguments. */
#define HIGH_BITS 0xffffffff00000000UL

extern char **environ;

static const char *
errname(int e)
{
    static char buf[32];
    const char *n = strerrorname_np(e);

    if (n != NULL)
        return n;
    snprintf(buf, sizeof(buf), "E%d", e);
    return buf;
}

__attribute__((format(printf, 3, 4))) static void
line(const char *name, const char *result, const char *fmt, ...)
{
    va_list ap;

    printf("%s: %s", name, result);
    if (fmt != NULL) {
        putchar(' ');
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
    }
    putchar('\n');
    fflush(stdout);
}

/* The attempt succeeded. */
#define PASS(name, ...) (line((name), "ok", __VA_ARGS__), 0)
/* The attempt failed with errno e. */
#define FAIL(name, e, ...) (line((name), errname(e), __VA_ARGS__), 1)

static int
usage(const char *name, const char *args)
{
    fprintf(stderr, "usage: airlock-probe %s%s%s\n", name, args[0] ? " " : "", args);
    return 2;
}

/* Parses a non-negative decimal number; -1 when s is not one. */
static long
number(const char *s)
{
    char *end;
    long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    return v;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- files ------------------------------------------------------------------------------ */

static int
p_read_file(int argc, char **argv)
{
    char b[1];
    int fd, e;

    /* O_NONBLOCK so that a FIFO planted in the path cannot hang the test. */
    fd = open(argv[1], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return FAIL(argv[0], errno, "open");
    if (read(fd, b, sizeof(b)) < 0) {
        e = errno;
        close(fd);
        return FAIL(argv[0], e, "read");
    }
    close(fd);
    return PASS(argv[0], NULL);
}

static int
p_write_file(int argc, char **argv)
{
    static const char text[] = "written by airlock-probe\n";
    int fd, e;

    fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
    if (fd < 0)
        return FAIL(argv[0], errno, "open");
    if (write(fd, text, sizeof(text) - 1) < 0) {
        e = errno;
        close(fd);
        return FAIL(argv[0], e, "write");
    }
    if (close(fd) < 0)
        return FAIL(argv[0], errno, "close");
    return PASS(argv[0], NULL);
}

/* Opens for writing without creating, truncating or writing: for files where a write would
 * do something (/proc/sysrq-trigger) or destroy something (/etc/passwd) if it were allowed. */
static int
p_open_write(int argc, char **argv)
{
    int fd = open(argv[1], O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return FAIL(argv[0], errno, "open");
    close(fd);
    return PASS(argv[0], NULL);
}

static int
p_list_dir(int argc, char **argv)
{
    char names[512];
    size_t used = 0;
    struct dirent *d;
    DIR *dir;
    int n = 0, e;

    names[0] = '\0';
    dir = opendir(argv[1]);
    if (dir == NULL)
        return FAIL(argv[0], errno, "opendir");
    for (;;) {
        errno = 0;
        d = readdir(dir);
        if (d == NULL)
            break;
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        n++;
        if (used < sizeof(names)) {
            int w = snprintf(names + used, sizeof(names) - used, " %s", d->d_name);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    e = errno;
    closedir(dir);
    if (e != 0)
        return FAIL(argv[0], e, "readdir");
    return PASS(argv[0], "%d entries:%s%s", n, names, used >= sizeof(names) ? " ..." : "");
}

/* ---- namespaces, mounts and privileged syscalls ------------------------------------------ */

static int
p_mount(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/airlock-probe-mnt";
    int created = 0, r, e;

    if (mkdir(dir, 0700) == 0)
        created = 1;
    else if (errno != EEXIST)
        return FAIL(argv[0], errno, "mkdir %s", dir);
    r = mount("airlock-probe", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k");
    e = errno;
    if (r == 0)
        umount2(dir, MNT_DETACH);
    if (created)
        rmdir(dir);
    if (r < 0)
        return FAIL(argv[0], e, "mount");
    return PASS(argv[0], NULL);
}

static int
p_chroot(int argc, char **argv)
{
    /* chroot("/") changes nothing, so the control is harmless even for root on the host. */
    if (chroot("/") < 0)
        return FAIL(argv[0], errno, NULL);
    return PASS(argv[0], NULL);
}

static int
p_userns(int argc, char **argv)
{
    if (unshare(CLONE_NEWUSER) < 0)
        return FAIL(argv[0], errno, "unshare");
    return PASS(argv[0], NULL);
}

/* The child of a raw clone/clone3 leaves at once, before touching anything. */
static int
reap(const char *name, long pid, const char *step)
{
    int status;

    if (pid < 0)
        return FAIL(name, errno, "%s", step);
    if (pid == 0)
        syscall(SYS_exit_group, 0);
    waitpid((pid_t)pid, &status, 0);
    return PASS(name, NULL);
}

static int
p_userns_clone(int argc, char **argv)
{
    /* With a NULL stack clone behaves like fork: the child runs on a copy of this stack. */
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0);

    return reap(argv[0], pid, "clone");
}

/* struct clone_args of <linux/sched.h>, version 0 (64 bytes); spelled out here because that
 * header redefines the CLONE_* macros of <sched.h>. */
struct probe_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int
p_clone3_userns(int argc, char **argv)
{
    /* seccomp cannot read clone3's flags (they sit behind a pointer), so a filter has to refuse
     * clone3 as a whole; ENOSYS makes glibc fall back to clone, whose flags it can check. */
    struct probe_clone_args ca = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    long pid;

    fflush(stdout);
    pid = syscall(SYS_clone3, &ca, sizeof(ca));
    return reap(argv[0], pid, "clone3");
}

static int
p_open_by_handle(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/";
    union {
        struct file_handle fh;
        unsigned char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
    } h;
    uint32_t root[2] = {2, 0};
    const char *named;
    int mnt_id, mfd, fd, e;

    memset(&h, 0, sizeof(h));
    h.fh.handle_bytes = MAX_HANDLE_SZ;
    if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt_id, 0) == 0) {
        named = "ok";
    } else {
        /* Without a real handle, forge the one the 2014 "shocker" container escape used:
         * FILEID_INO32_GEN for inode 2, the root directory of an ext2/3/4 file system. A
         * mount fd on any host file system, such as /usr, would then reach the host's root. */
        named = errname(errno);
        h.fh.handle_type = 1;
        h.fh.handle_bytes = sizeof(root);
        memcpy(h.fh.f_handle, root, sizeof(root));
    }
    mfd = open(path, O_RDONLY | O_CLOEXEC);
    if (mfd < 0)
        return FAIL(argv[0], errno, "open %s name_to_handle_at=%s", path, named);
    fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
    e = errno;
    close(mfd);
    if (fd < 0)
        return FAIL(argv[0], e, "open_by_handle_at name_to_handle_at=%s", named);
    close(fd);
    return PASS(argv[0], "name_to_handle_at=%s", named);
}

static int
p_keyctl(int argc, char **argv)
{
    long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);

    if (id < 0)
        return FAIL(argv[0], errno, NULL);
    return PASS(argv[0], "user keyring %ld", id);
}

static int
p_add_key(int argc, char **argv)
{
    long id =
        syscall(SYS_add_key, "user", "airlock-probe", "x", (size_t)1, KEY_SPEC_PROCESS_KEYRING);

    if (id < 0)
        return FAIL(argv[0], errno, NULL);
    return PASS(argv[0], NULL);
}

static int
p_bpf(int argc, char **argv)
{
    union bpf_attr attr;
    long fd;

    memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
    if (fd < 0)
        return FAIL(argv[0], errno, NULL);
    close((int)fd);
    return PASS(argv[0], NULL);
}

static int
p_perf(int argc, char **argv)
{
    struct perf_event_attr attr;
    long fd;

    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0UL);
    if (fd < 0)
        return FAIL(argv[0], errno, NULL);
    close((int)fd);
    return PASS(argv[0], NULL);
}

static int
p_userfaultfd(int argc, char **argv)
{
    /* UFFD_USER_MODE_ONLY is allowed to everyone when vm.unprivileged_userfaultfd is 0. */
    long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

    if (fd < 0)
        return FAIL(argv[0], errno, NULL);
    close((int)fd);
    return PASS(argv[0], NULL);
}

static int
p_io_uring(int argc, char **argv)
{
    struct io_uring_params p;
    long fd;

    memset(&p, 0, sizeof(p));
    fd = syscall(SYS_io_uring_setup, 1, &p);
    if (fd < 0)
        return FAIL(argv[0], errno, NULL);
    close((int)fd);
    return PASS(argv[0], NULL);
}

/* ---- processes ---------------------------------------------------------------------------- */

static void *
thread_main(void *arg)
{
    return arg;
}

/* Not an escape: a compartment that cannot run threads cannot run most agents. glibc 2.34
 * and later create threads with clone3 and fall back to clone only when clone3 fails with
 * ENOSYS, so this fails if a filter refuses clone3 with anything else. */
static int
p_thread(int argc, char **argv)
{
    pthread_t t;
    void *ret;
    int e;

    e = pthread_create(&t, NULL, thread_main, NULL);
    if (e != 0)
        return FAIL(argv[0], e, "pthread_create");
    e = pthread_join(t, &ret);
    if (e != 0)
        return FAIL(argv[0], e, "pthread_join");
    return PASS(argv[0], NULL);
}

static int
p_ptrace_parent(int argc, char **argv)
{
    pid_t pp = getppid();

    /* PTRACE_SEIZE does not stop the parent, and exiting detaches: harmless when it works. */
    if (ptrace(PTRACE_SEIZE, pp, NULL, NULL) < 0)
        return FAIL(argv[0], errno, "pid %d", (int)pp);
    return PASS(argv[0], "pid %d", (int)pp);
}

static int
p_ptrace_traceme(int argc, char **argv)
{
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
        return FAIL(argv[0], errno, NULL);
    return PASS(argv[0], NULL);
}

static int
p_kill_pid(int argc, char **argv)
{
    long pid = number(argv[1]);

    /* Only positive pids: 0 and -1 would signal groups, never what a test means. */
    if (pid <= 0 || pid > INT_MAX)
        return usage(argv[0], "PID");
    if (kill((pid_t)pid, 0) < 0)
        return FAIL(argv[0], errno, "pid %ld", pid);
    return PASS(argv[0], "pid %ld", pid);
}

static int
p_host_procs(int argc, char **argv)
{
    char pids[256];
    size_t used = 0;
    struct dirent *d;
    DIR *dir;
    int n = 0;

    pids[0] = '\0';
    dir = opendir("/proc");
    if (dir == NULL)
        return FAIL(argv[0], errno, "opendir /proc");
    while ((d = readdir(dir)) != NULL) {
        if (number(d->d_name) < 0)
            continue;
        n++;
        if (used < sizeof(pids)) {
            int w = snprintf(pids + used, sizeof(pids) - used, " %s", d->d_name);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    closedir(dir);
    printf("%s: %d pids:%s%s\n", argv[0], n, pids, used >= sizeof(pids) ? " ..." : "");
    return 0;
}

static int
p_whoami(int argc, char **argv)
{
    char cwd[256];

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), "(%s)", errname(errno));
    return PASS(argv[0], "uid=%d gid=%d pid=%d ppid=%d sid=%d cwd=%s stdin-tty=%d", (int)getuid(),
                (int)getgid(), (int)getpid(), (int)getppid(), (int)getsid(0), cwd, isatty(0));
}

/*
 * A system call through the x32 ABI (the 0x40000000 bit on x86-64): a non-native
 * architecture for the filter. Unconfined the kernel answers (ENOSYS where x32 is not
 * built in); confined the process must be killed (SIGSYS) before the kernel sees it.
 */
static int
p_x32_syscall(int argc, char **argv)
{
#if defined(__x86_64__)
    long r = syscall(0x40000000L | SYS_getpid);

    if (r < 0)
        return FAIL(argv[0], errno, "getpid through x32");
    return PASS(argv[0], "pid %ld", r);
#else
    return FAIL(argv[0], ENOTSUP, "not x86-64");
#endif
}

/* Prints the confinement fields of /proc/self/status: "status: NoNewPrivs=1 Seccomp=2 ...". */
static int
p_status(int argc, char **argv)
{
    static const char *const keys[] = {"NoNewPrivs", "Seccomp", "CapInh",
                                       "CapPrm",     "CapEff",  "CapBnd",
                                       "CapAmb",     "Uid",     "Seccomp_filters"};
    char found[sizeof(keys) / sizeof(keys[0])][64];
    char buf[256];
    size_t i;
    FILE *f;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        snprintf(found[i], sizeof(found[i]), "?");
    f = fopen("/proc/self/status", "re");
    if (f == NULL)
        return FAIL(argv[0], errno, "open /proc/self/status");
    while (fgets(buf, sizeof(buf), f) != NULL) {
        for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            size_t k = strlen(keys[i]);
            if (strncmp(buf, keys[i], k) == 0 && buf[k] == ':') {
                /* the first value after the tab; Uid lists four */
                sscanf(buf + k + 1, "%63s", found[i]);
            }
        }
    }
    fclose(f);
    printf("%s:", argv[0]);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        printf(" %s=%s", keys[i], found[i]);
    printf("\n");
    return 0;
}

/* Lists every open descriptor above 2 except the one reading the list. */
static int
p_inherited_fds(int argc, char **argv)
{
    char leaked[1024], path[64], target[256];
    size_t used = 0;
    struct dirent *d;
    DIR *dir;
    int n = 0, fd;

    leaked[0] = '\0';
    dir = opendir("/proc/self/fd");
    if (dir != NULL) {
        while ((d = readdir(dir)) != NULL) {
            long v = number(d->d_name);
            ssize_t len;
            if (v < 3 || v == dirfd(dir))
                continue;
            snprintf(path, sizeof(path), "/proc/self/fd/%ld", v);
            len = readlink(path, target, sizeof(target) - 1);
            target[len < 0 ? 0 : len] = '\0';
            n++;
            if (used < sizeof(leaked)) {
                int w = snprintf(leaked + used, sizeof(leaked) - used, " %ld=%s", v, target);
                used += w > 0 ? (size_t)w : 0;
            }
        }
        closedir(dir);
    } else {
        /* No /proc: ask the kernel about each descriptor number instead. */
        for (fd = 3; fd < 4096; fd++) {
            if (fcntl(fd, F_GETFD) < 0)
                continue;
            n++;
            if (used < sizeof(leaked)) {
                int w = snprintf(leaked + used, sizeof(leaked) - used, " %d", fd);
                used += w > 0 ? (size_t)w : 0;
            }
        }
    }
    if (n == 0)
        return PASS(argv[0], NULL);
    line(argv[0], "leaked", "%d:%s", n, leaked);
    return 1;
}

/* Names that carry credentials or a way back to the host session. */
static int
sensitive(const char *name, size_t len, int argc, char **argv)
{
    static const char *const exact[] = {
        "SSH_AUTH_SOCK", "SSH_AGENT_PID",   "GPG_AGENT_INFO",  "DBUS_SESSION_BUS_ADDRESS",
        "DISPLAY",       "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "KRB5CCNAME",
    };
    static const char *const parts[] = {"TOKEN",      "SECRET", "KEY",    "PASSWORD", "PASSWD",
                                        "CREDENTIAL", "AUTH",   "COOKIE", "SESSION"};
    char upper[256];
    size_t i;
    int a;

    for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
        if (strlen(exact[i]) == len && memcmp(name, exact[i], len) == 0)
            return 1;
    for (a = 1; a < argc; a++)
        if (strlen(argv[a]) == len && memcmp(name, argv[a], len) == 0)
            return 1;
    if (len >= sizeof(upper))
        return 1;
    for (i = 0; i < len; i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    upper[len] = '\0';
    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (strstr(upper, parts[i]) != NULL)
            return 1;
    return 0;
}

/* env [NAME...]: fails ("leaked") if a credential-like variable or one of NAMEs is set. */
static int
p_env(int argc, char **argv)
{
    char all[1024], bad[1024];
    size_t au = 0, bu = 0;
    int nall = 0, nbad = 0;
    char **e;

    all[0] = bad[0] = '\0';
    for (e = environ; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        size_t len = eq != NULL ? (size_t)(eq - *e) : strlen(*e);
        int w;
        nall++;
        if (au < sizeof(all)) {
            w = snprintf(all + au, sizeof(all) - au, " %.*s", (int)len, *e);
            au += w > 0 ? (size_t)w : 0;
        }
        if (!sensitive(*e, len, argc, argv))
            continue;
        nbad++;
        if (bu < sizeof(bad)) {
            w = snprintf(bad + bu, sizeof(bad) - bu, " %.*s", (int)len, *e);
            bu += w > 0 ? (size_t)w : 0;
        }
    }
    if (nbad > 0) {
        line(argv[0], "leaked", "%d:%s", nbad, bad);
        return 1;
    }
    return PASS(argv[0], "%d vars:%s", nall, all);
}

/* fork-bomb [MAX [SECONDS [HOLD]]]: forks until fork fails, MAX children exist or SECONDS
 * pass; at a failure it holds the children HOLD seconds (so the caller can check that the
 * host still responds), then kills them all. */
static int
p_fork_bomb(int argc, char **argv)
{
    long max = argc > 1 ? number(argv[1]) : 4096;
    long secs = argc > 2 ? number(argv[2]) : 20;
    long hold = argc > 3 ? number(argv[3]) : 3;
    pid_t self = getpid(), *pids;
    double start = now();
    long n = 0, i;
    int err = 0;

    if (max <= 0 || secs <= 0 || hold < 0)
        return usage(argv[0], "[MAX [SECONDS [HOLD]]]");
    pids = calloc((size_t)max, sizeof(*pids));
    if (pids == NULL)
        return FAIL(argv[0], errno, "calloc");
    fflush(stdout);
    while (n < max && now() - start < (double)secs) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            /* Die with the probe even if it is killed before it can clean up. */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != self)
                _exit(0);
            for (;;)
                pause();
        }
        pids[n++] = p;
    }
    if (err != 0)
        sleep((unsigned)hold);
    for (i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    for (i = 0; i < n; i++)
        waitpid(pids[i], NULL, 0);
    free(pids);
    if (err != 0)
        return FAIL(argv[0], err, "after %ld processes in %.1f s", n, now() - start);
    return PASS(argv[0], "%ld processes in %.1f s", n, now() - start);
}

/* memory-bomb [MAX_MB [SECONDS]]: maps and touches 16 MiB at a time until mapping fails,
 * MAX_MB is reached or SECONDS pass. Being killed (OOM) is the other way it can end. */
static int
p_memory_bomb(int argc, char **argv)
{
    const size_t chunk = (size_t)16 << 20;
    long max = argc > 1 ? number(argv[1]) : 8192;
    long secs = argc > 2 ? number(argv[2]) : 30;
    long page = sysconf(_SC_PAGESIZE), mb = 0, next = 512;
    double start = now();
    size_t off;

    if (max <= 0 || secs <= 0 || page <= 0)
        return usage(argv[0], "[MAX_MB [SECONDS]]");
    while (mb < max && now() - start < (double)secs) {
        char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return FAIL(argv[0], errno, "after %ld MiB", mb);
        for (off = 0; off < chunk; off += (size_t)page)
            p[off] = 1;
        mb += 16;
        if (mb >= next) {
            /* progress, under another name so that it is never taken for the result */
            printf("memory-bomb-progress: %ld MiB\n", mb);
            fflush(stdout);
            next += 512;
        }
    }
    return PASS(argv[0], "%ld MiB in %.1f s", mb, now() - start);
}

/* outbox-flood PATH [MAX_MB]: writes until a write fails or MAX_MB are written, reports the
 * byte count and the file system's size, then removes the file. */
static int
p_outbox_flood(int argc, char **argv)
{
    static char buf[65536];
    long max = argc > 2 ? number(argv[2]) : 256;
    unsigned long long written = 0, limit, fsize = 0;
    struct statfs sf;
    int fd, err = 0;

    if (max <= 0)
        return usage(argv[0], "PATH [MAX_MB]");
    limit = (unsigned long long)max << 20;
    memset(buf, 'A', sizeof(buf));
    fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
    if (fd < 0)
        return FAIL(argv[0], errno, "open");
    if (fstatfs(fd, &sf) == 0)
        fsize = (unsigned long long)sf.f_blocks * (unsigned long long)sf.f_bsize;
    while (written < limit) {
        ssize_t w = write(fd, buf, sizeof(buf));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        written += (unsigned long long)w;
    }
    close(fd);
    unlink(argv[1]);
    if (err != 0)
        return FAIL(argv[0], err, "written=%llu fs_bytes=%llu", written, fsize);
    return PASS(argv[0], "written=%llu fs_bytes=%llu", written, fsize);
}

/* ---- terminals ---------------------------------------------------------------------------- */

/* Performs ioctl(fd, request, arg) and reports it, with whether fd is our controlling tty. */
static int
tty_ioctl(const char *name, int fd, unsigned long request, void *arg)
{
    int ctty = isatty(fd) && tcgetsid(fd) == getsid(0);

    if (syscall(SYS_ioctl, fd, request, arg) < 0)
        return FAIL(name, errno, "request=%#lx fd=%d tty=%d ctty=%d", request, fd, isatty(fd),
                    ctty);
    return PASS(name, "request=%#lx fd=%d tty=%d ctty=%d", request, fd, isatty(fd), ctty);
}

/* With "pty", the ioctl runs in a new session whose controlling terminal is a fresh
 * pseudo-terminal, which is what TIOCSTI needs to work at all for an unprivileged caller; the
 * positive control uses this so it never types into a real terminal. Otherwise it uses FD
 * (default 0), which inside a compartment is the session's pseudo-terminal. */
static int
tty_probe(int argc, char **argv, unsigned long request, void *arg)
{
    long fd = argc > 1 && strcmp(argv[1], "pty") != 0 ? number(argv[1]) : 0;
    int master, slave, status;
    pid_t pid;

    if (fd < 0 || fd > INT_MAX)
        return usage(argv[0], "[FD|pty]");
    if (argc < 2 || strcmp(argv[1], "pty") != 0)
        return tty_ioctl(argv[0], (int)fd, request, arg);
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return FAIL(argv[0], errno, "posix_openpt");
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname(master) == NULL)
        return FAIL(argv[0], errno, "unlockpt");
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return FAIL(argv[0], errno, "fork");
    if (pid == 0) {
        if (setsid() < 0)
            _exit(FAIL(argv[0], errno, "setsid"));
        /* a session leader without a terminal acquires the first one it opens */
        slave = open(ptsname(master), O_RDWR | O_CLOEXEC);
        if (slave < 0)
            _exit(FAIL(argv[0], errno, "open pty"));
        _exit(tty_ioctl(argv[0], slave, request, arg));
    }
    if (waitpid(pid, &status, 0) < 0)
        return FAIL(argv[0], errno, "waitpid");
    close(master);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int
p_tiocsti(int argc, char **argv)
{
    char c = ' ';

    return tty_probe(argc, argv, TIOCSTI, &c);
}

static int
p_tiocsti_high(int argc, char **argv)
{
    /* The kernel truncates an ioctl request to 32 bits; a filter must compare only those. */
    char c = ' ';

    return tty_probe(argc, argv, HIGH_BITS | TIOCSTI, &c);
}

static int
p_tioclinux(int argc, char **argv)
{
    char sub = 6; /* TIOCL_GETSHIFTSTATE: reads, changes nothing */

    return tty_probe(argc, argv, TIOCLINUX, &sub);
}

/* ---- sockets ------------------------------------------------------------------------------ */

static int
inet_address(const char *host, long port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    if (port < 0 || port > 65535)
        return -1;
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return 0;
    }
    return -1;
}

/* An AF_UNIX address; abstract when abstract is set (a leading NUL, no terminator). */
static int
unix_address(const char *name, int abstract, struct sockaddr_un *sun, socklen_t *len)
{
    size_t n = strlen(name);

    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (n == 0 || n + 1 > sizeof(sun->sun_path))
        return -1;
    memcpy(sun->sun_path + (abstract ? 1 : 0), name, n);
    /* the leading NUL of an abstract name, or the terminator of a path */
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

static int
connect_to(const char *name, int family, int type, const struct sockaddr *sa, socklen_t len)
{
    struct timeval tv = {.tv_sec = 5};
    int fd, e;

    fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FAIL(name, errno, "socket");
    /* bounds a connect that would otherwise wait for a route that never answers */
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, sa, len) < 0) {
        e = errno;
        close(fd);
        return FAIL(name, e, "connect");
    }
    close(fd);
    return PASS(name, NULL);
}

static int
p_connect_tcp(int argc, char **argv)
{
    struct sockaddr_storage ss;
    socklen_t len;

    if (inet_address(argv[1], number(argv[2]), &ss, &len) < 0)
        return usage(argv[0], "HOST PORT");
    return connect_to(argv[0], ss.ss_family, SOCK_STREAM, (struct sockaddr *)&ss, len);
}

static int
p_connect_abstract(int argc, char **argv)
{
    struct sockaddr_un sun;
    socklen_t len;

    if (unix_address(argv[1], 1, &sun, &len) < 0)
        return usage(argv[0], "NAME");
    return connect_to(argv[0], AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, len);
}

static int
p_connect_unix(int argc, char **argv)
{
    struct sockaddr_un sun;
    socklen_t len;

    if (unix_address(argv[1], 0, &sun, &len) < 0)
        return usage(argv[0], "PATH");
    return connect_to(argv[0], AF_UNIX, SOCK_STREAM, (struct sockaddr *)&sun, len);
}

static int
p_udp_send(int argc, char **argv)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, e;

    if (inet_address(argv[1], number(argv[2]), &ss, &len) < 0)
        return usage(argv[0], "HOST PORT TEXT");
    fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FAIL(argv[0], errno, "socket");
    if (sendto(fd, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&ss, len) < 0) {
        e = errno;
        close(fd);
        return FAIL(argv[0], e, "sendto");
    }
    close(fd);
    return PASS(argv[0], NULL);
}

/* socket(2) alone, for the families and types a compartment must refuse. The type is passed
 * as a long so the -high variants can set the upper half that the kernel ignores. */
struct sock_case {
    const char *name;
    long family, type, protocol;
};

static const struct sock_case sock_cases[] = {
    {"unix-socket", AF_UNIX, SOCK_STREAM, 0},
    {"inet-socket", AF_INET, SOCK_STREAM, 0},
    {"inet6-socket", AF_INET6, SOCK_STREAM, 0},
    {"inet-socket-high", (long)(HIGH_BITS | AF_INET), SOCK_STREAM, 0},
    {"raw-socket", AF_INET, SOCK_RAW, IPPROTO_ICMP},
    {"raw6-socket", AF_INET6, SOCK_RAW, IPPROTO_ICMPV6},
    {"raw-socket-flags", AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP},
    {"raw-socket-high", AF_INET, (long)(HIGH_BITS | SOCK_RAW), IPPROTO_ICMP},
    {"packet-socket", AF_PACKET, SOCK_RAW, 0x0300 /* htons(ETH_P_ALL) */},
    {"netlink-socket", AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */},
    {"vsock-socket", AF_VSOCK, SOCK_STREAM, 0},
    {"alg-socket", AF_ALG, SOCK_SEQPACKET, 0},
};

static int
p_socket(int argc, char **argv)
{
    size_t i;
    long fd;

    for (i = 0; i < sizeof(sock_cases) / sizeof(sock_cases[0]); i++) {
        const struct sock_case *c = &sock_cases[i];
        if (strcmp(argv[0], c->name) != 0)
            continue;
        fd = syscall(SYS_socket, c->family, c->type, c->protocol);
        if (fd < 0)
            return FAIL(argv[0], errno, NULL);
        close((int)fd);
        return PASS(argv[0], NULL);
    }
    return usage(argv[0], "");
}

/* ---- listeners for the positive controls -------------------------------------------------- */

/* Accepts (and closes) connections until SECONDS pass, printing one line per connection. */
static int
serve(const char *name, int fd, long secs)
{
    double end = now() + (double)secs;

    while (now() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int c;
        if (poll(&p, 1, 1000) <= 0)
            continue;
        c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        printf("%s: accepted\n", name);
        fflush(stdout);
        close(c);
    }
    return 0;
}

static int
p_listen_tcp(int argc, char **argv)
{
    long secs = argc > 3 ? number(argv[3]) : 600;
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, one = 1;

    if (secs <= 0 || inet_address(argv[1], number(argv[2]), &ss, &len) < 0)
        return usage(argv[0], "ADDR PORT [SECONDS]");
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FAIL(argv[0], errno, "socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        return FAIL(argv[0], errno, "bind");
    if (listen(fd, 64) < 0)
        return FAIL(argv[0], errno, "listen");
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    /* the port, so that PORT 0 (any free port) can be used */
    line(argv[0], "ok", "%u", (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return serve(argv[0], fd, secs);
}

static int
listen_unix(int argc, char **argv, int abstract)
{
    long secs = argc > 2 ? number(argv[2]) : 600;
    struct sockaddr_un sun;
    socklen_t len;
    int fd;

    if (secs <= 0 || unix_address(argv[1], abstract, &sun, &len) < 0)
        return usage(argv[0], "NAME [SECONDS]");
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FAIL(argv[0], errno, "socket");
    if (bind(fd, (struct sockaddr *)&sun, len) < 0)
        return FAIL(argv[0], errno, "bind");
    if (listen(fd, 64) < 0)
        return FAIL(argv[0], errno, "listen");
    line(argv[0], "ok", NULL);
    return serve(argv[0], fd, secs);
}

static int
p_listen_abstract(int argc, char **argv)
{
    return listen_unix(argc, argv, 1);
}

static int
p_listen_unix(int argc, char **argv)
{
    return listen_unix(argc, argv, 0);
}

/* Prints every datagram received until SECONDS pass: "listen-udp: got TEXT". */
static int
p_listen_udp(int argc, char **argv)
{
    long secs = argc > 3 ? number(argv[3]) : 600;
    struct sockaddr_storage ss;
    socklen_t len;
    char buf[512];
    double end;
    int fd;

    if (secs <= 0 || inet_address(argv[1], number(argv[2]), &ss, &len) < 0)
        return usage(argv[0], "ADDR PORT [SECONDS]");
    fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FAIL(argv[0], errno, "socket");
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        return FAIL(argv[0], errno, "bind");
    len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    line(argv[0], "ok", "%u", (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
    end = now() + (double)secs;
    while (now() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;
        if (poll(&p, 1, 1000) <= 0)
            continue;
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
            continue;
        buf[n] = '\0';
        printf("%s: got %s\n", argv[0], buf);
        fflush(stdout);
    }
    return 0;
}

/* ---- the table ------------------------------------------------------------------------------ */

struct probe {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the probe's name */
    int min_args, max_args;
    const char *args;
};

static const struct probe probes[] = {
    {"whoami", p_whoami, 0, 0, ""},
    {"read-file", p_read_file, 1, 1, "PATH"},
    {"write-file", p_write_file, 1, 1, "PATH"},
    {"open-write", p_open_write, 1, 1, "PATH"},
    {"list-dir", p_list_dir, 1, 1, "PATH"},
    {"mount", p_mount, 0, 1, "[DIR]"},
    {"chroot", p_chroot, 0, 0, ""},
    {"userns", p_userns, 0, 0, ""},
    {"userns-clone", p_userns_clone, 0, 0, ""},
    {"clone3-userns", p_clone3_userns, 0, 0, ""},
    {"open-by-handle", p_open_by_handle, 0, 1, "[PATH]"},
    {"keyctl", p_keyctl, 0, 0, ""},
    {"add-key", p_add_key, 0, 0, ""},
    {"bpf", p_bpf, 0, 0, ""},
    {"perf", p_perf, 0, 0, ""},
    {"userfaultfd", p_userfaultfd, 0, 0, ""},
    {"io-uring", p_io_uring, 0, 0, ""},
    {"thread", p_thread, 0, 0, ""},
    {"ptrace-parent", p_ptrace_parent, 0, 0, ""},
    {"ptrace-traceme", p_ptrace_traceme, 0, 0, ""},
    {"kill-pid", p_kill_pid, 1, 1, "PID"},
    {"host-procs", p_host_procs, 0, 0, ""},
    {"status", p_status, 0, 0, ""},
    {"x32-syscall", p_x32_syscall, 0, 0, ""},
    {"inherited-fds", p_inherited_fds, 0, 0, ""},
    {"env", p_env, 0, 16, "[NAME...]"},
    {"fork-bomb", p_fork_bomb, 0, 3, "[MAX [SECONDS [HOLD]]]"},
    {"memory-bomb", p_memory_bomb, 0, 2, "[MAX_MB [SECONDS]]"},
    {"outbox-flood", p_outbox_flood, 1, 2, "PATH [MAX_MB]"},
    {"tiocsti", p_tiocsti, 0, 1, "[FD|pty]"},
    {"tiocsti-high", p_tiocsti_high, 0, 1, "[FD|pty]"},
    {"tioclinux", p_tioclinux, 0, 1, "[FD|pty]"},
    {"connect-tcp", p_connect_tcp, 2, 2, "HOST PORT"},
    {"connect-abstract", p_connect_abstract, 1, 1, "NAME"},
    {"connect-unix", p_connect_unix, 1, 1, "PATH"},
    {"udp-send", p_udp_send, 3, 3, "HOST PORT TEXT"},
    {"unix-socket", p_socket, 0, 0, ""},
    {"inet-socket", p_socket, 0, 0, ""},
    {"inet6-socket", p_socket, 0, 0, ""},
    {"inet-socket-high", p_socket, 0, 0, ""},
    {"raw-socket", p_socket, 0, 0, ""},
    {"raw6-socket", p_socket, 0, 0, ""},
    {"raw-socket-flags", p_socket, 0, 0, ""},
    {"raw-socket-high", p_socket, 0, 0, ""},
    {"packet-socket", p_socket, 0, 0, ""},
    {"netlink-socket", p_socket, 0, 0, ""},
    {"vsock-socket", p_socket, 0, 0, ""},
    {"alg-socket", p_socket, 0, 0, ""},
    {"listen-tcp", p_listen_tcp, 2, 3, "ADDR PORT [SECONDS]"},
    {"listen-udp", p_listen_udp, 2, 3, "ADDR PORT [SECONDS]"},
    {"listen-abstract", p_listen_abstract, 1, 2, "NAME [SECONDS]"},
    {"listen-unix", p_listen_unix, 1, 2, "PATH [SECONDS]"},
};

int
main(int argc, char **argv)
{
    size_t i;

    if (argc >= 2) {
        for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
            const struct probe *p = &probes[i];
            if (strcmp(argv[1], p->name) != 0)
                continue;
            if (argc - 2 < p->min_args || argc - 2 > p->max_args)
                return usage(p->name, p->args);
            return p->run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "usage: airlock-probe NAME [ARGS...]\nprobes:\n");
    for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        fprintf(stderr, "  %s %s\n", probes[i].name, probes[i].args);
    return 2;
}
