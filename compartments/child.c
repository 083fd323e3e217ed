/*
 * child.c: the compartment's first process, from clone to exec.
 *
 * Runs in the new namespaces with only the memory the parent prepared (struct al__child).
 * Libc system-call wrappers only: no allocation, no stdio, no locks. Every failure writes
 * {step, errno, op} to the error pipe and exits 127; the parent names the step.
 *
 * The process is PID 1 of its namespace. It builds the file system, hands the pty master,
 * the outbox and (online) the listener to the parent, then forks the command's process,
 * which confines itself in the house order (close fds, drop capabilities, no_new_privs,
 * landlock, seccomp), waits at the start gate if the compartment is gated, and execs. PID 1 stays
 * behind as the reaper: when the command ends it exits with the command's status, and the kernel
 * kills everything else in the namespace with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "landlock_abi.h"

#define NEWROOT "/newroot"
#define OLDROOT "/oldroot"

/*
 * Closes every descriptor from `from` up except those in keep[0..n) (negative entries are
 * ignored): close_range() over the gaps between them, in ascending order.
 */
static int
close_except(unsigned from, int *keep, int n)
{
    unsigned next = from;
    int i, j, t, r = 0;

    for (i = 0; i < n; i++) /* a handful of entries: sort them in place */
        for (j = i + 1; j < n; j++)
            if (keep[j] < keep[i]) {
                t = keep[i];
                keep[i] = keep[j];
                keep[j] = t;
            }
    for (i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < next)
            continue;
        if ((unsigned)keep[i] > next && close_range(next, (unsigned)keep[i] - 1, 0) != 0)
            r = -1;
        next = (unsigned)keep[i] + 1;
    }
    if (close_range(next, ~0U, 0) != 0)
        r = -1;
    return r;
}

/* Closes every descriptor but the channels to the parent. */
static void
keep_only(const struct al__child *c)
{
    int keep[3] = {c->sync_fd, c->err_fd, c->sock_fd};

    (void)close_except(0, keep, 3);
}

static void
reset_signals(void)
{
    struct sigaction sa;
    sigset_t none;
    int s;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (s = 1; s < NSIG; s++)
        sigaction(s, &sa, NULL); /* SIGKILL and SIGSTOP refuse; that is fine */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn)) static void
fail(const struct al__child *c, enum al__step step, int op)
{
    struct al__child_error e = {.step = step, .err = errno, .op = op};
    ssize_t k;

    if (e.err == 0)
        e.err = EIO;
    k = write(c->err_fd, &e, sizeof(e));
    (void)k;
    _exit(127);
}

/* prefix + path into out (PATH_MAX), without stdio. */
static int
join(char *out, size_t outlen, const char *prefix, const char *path)
{
    size_t a = strlen(prefix), b = strlen(path);

    if (a + b + 1 > outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out, prefix, a);
    memcpy(out + a, path, b + 1);
    return 0;
}

static int
set_attr(const char *path, uint64_t set)
{
    struct mount_attr attr = {.attr_set = set};

    return mount_setattr(AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr));
}

static int
touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int
run_op(const struct al__op *op)
{
    char src[4096], dst[4096];
    struct stat st;
    size_t n;
    int fd;

    if (join(dst, sizeof(dst), NEWROOT, op->dst) != 0)
        return -1;
    if (op->src != NULL) {
        if (join(src, sizeof(src), OLDROOT, op->src) != 0)
            return -1;
        if (op->optional && lstat(src, &st) != 0)
            return 0;
    }
    switch (op->kind) {
    case AL__OP_DIR:
        return mkdir(dst, 0755) != 0 && errno != EEXIST ? -1 : 0;
    case AL__OP_TMPFS:
    case AL__OP_EMPTY_RO:
        if (mkdir(dst, 0755) != 0 && errno != EEXIST)
            return -1;
        return mount("tmpfs", dst, "tmpfs",
                     MS_NOSUID | MS_NODEV | (op->kind == AL__OP_EMPTY_RO ? MS_RDONLY : 0),
                     op->data);
    case AL__OP_RO_BIND:
    case AL__OP_RW_BIND:
        /* A symbolic link is copied as a link: its absolute target would resolve against
         * the host root here but must resolve against the compartment's later. */
        if (lstat(src, &st) != 0)
            return -1;
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t k = readlink(src, target, sizeof(target) - 1);

            if (k < 0)
                return -1;
            target[k] = '\0';
            return symlink(target, dst);
        }
        if (S_ISDIR(st.st_mode) ? mkdir(dst, 0755) != 0 && errno != EEXIST : touch(dst) != 0)
            return -1;
        if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
            return -1;
        return set_attr(dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                 (op->kind == AL__OP_RO_BIND ? MOUNT_ATTR_RDONLY : 0));
    case AL__OP_DEV_BIND:
        /* Device nodes cannot be made in a user namespace; binding the host's works
         * because the bind keeps the host device file system's superblock. The bind is
         * read-only: reading and writing the device still work, but nobody inside (uid 0
         * when root started us) can chmod or touch the host's node. */
        if (touch(dst) != 0 && errno != EEXIST)
            return -1;
        if (mount(src, dst, NULL, MS_BIND, NULL) != 0)
            return -1;
        return set_attr(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    case AL__OP_SYMLINK:
        return symlink(op->data, dst);
    case AL__OP_FILE:
        fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
            return -1;
        n = strlen(op->data);
        if (write(fd, op->data, n) != (ssize_t)n) {
            close(fd);
            return -1;
        }
        return close(fd);
    case AL__OP_PROC:
        /* Must come before the host root is detached: the kernel only lets a user
         * namespace mount proc while a fully visible proc is in its mount namespace. */
        if (mkdir(dst, 0555) != 0 && errno != EEXIST)
            return -1;
        return mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case AL__OP_DEVPTS:
        if (mkdir(dst, 0755) != 0 && errno != EEXIST)
            return -1;
        return mount("devpts", dst, "devpts", MS_NOSUID | MS_NOEXEC,
                     "newinstance,ptmxmode=0666,mode=620");
    case AL__OP_RO_SELF:
        if (lstat(dst, &st) != 0)
            return op->optional ? 0 : -1;
        if (mount(dst, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
            return -1;
        return set_attr(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    case AL__OP_HIDE:
        if (lstat(dst, &st) != 0)
            return op->optional ? 0 : -1;
        if (mount(src, dst, NULL, MS_BIND, NULL) != 0)
            return -1;
        return set_attr(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    }
    errno = EINVAL;
    return -1;
}

/*
 * The tmpfs that becomes the root is mounted over /tmp in our private mount namespace and
 * the host root is pivoted to /oldroot inside it, so every source stays reachable under
 * /oldroot (even those under the host's /tmp) while the new tree is built in /newroot.
 */
static void
build_root(const struct al__child *c)
{
    size_t i;

    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        fail(c, AL__STEP_MOUNT_PRIVATE, -1);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0 ||
        chdir("/tmp") != 0 || mkdir("newroot", 0755) != 0 ||
        mount("newroot", "newroot", NULL, MS_BIND, NULL) != 0 || mkdir("oldroot", 0755) != 0)
        fail(c, AL__STEP_ROOT_TMPFS, -1);
    if (syscall(SYS_pivot_root, "/tmp", "/tmp/oldroot") != 0 || chdir("/") != 0)
        fail(c, AL__STEP_PIVOT_OLD, -1);
    for (i = 0; i < c->n_ops; i++)
        if (run_op(&c->ops[i]) != 0)
            fail(c, AL__STEP_MOUNT_OP, (int)i);
    /* The root itself is read-only (this mount only, not the ones on it: those are
     * read-only or writable as their operation said). */
    if (mount(NEWROOT, NEWROOT, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
              NULL) != 0)
        fail(c, AL__STEP_PIVOT, -1);
    /* Detach the host, then pivot onto /newroot and drop the staging tmpfs under it. */
    if (umount2(OLDROOT, MNT_DETACH) != 0 || chdir(NEWROOT) != 0 ||
        syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
        fail(c, AL__STEP_PIVOT, -1);
}

static void
loopback_up(const struct al__child *c)
{
    struct ifreq ifr;
    int fd;

    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
        ioctl(fd, SIOCGIFFLAGS, &ifr) != 0)
        fail(c, AL__STEP_LOOPBACK, -1);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
        fail(c, AL__STEP_LOOPBACK, -1);
    close(fd);
}

/* Hands fd to the parent over the socketpair (SCM_RIGHTS). */
static int
send_fd(int sock, int fd)
{
    struct al__fdmsg m;
    struct cmsghdr *cm;

    al__fdmsg_init(&m);
    cm = CMSG_FIRSTHDR(&m.msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &m.msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/*
 * The session's terminal comes from the compartment's own devpts, so that inside it has a
 * name (/dev/pts/0) and nothing of the host's terminals is visible. The master goes to
 * the parent; the slave, opened through the master (no path lookup), stays for the
 * command.
 */
static int
open_pty(const struct al__child *c)
{
    int master, slave, unlock = 0;

    if ((master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
        ioctl(master, TIOCSPTLCK, &unlock) != 0 ||
        (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0)
        fail(c, AL__STEP_TTY, -1);
    if (send_fd(c->sock_fd, master) != 0)
        fail(c, AL__STEP_TTY, -1);
    close(master);
    return slave;
}

/*
 * The outbox's root, for the parent to collect proposals from after the session. The
 * descriptor pins the tmpfs: when the compartment ends and its mount namespace goes, the
 * mount is detached but lives on while a file refers to it (see the design note).
 */
static void
send_outbox(const struct al__child *c)
{
    int fd = open("/airlock/outbox", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 || send_fd(c->sock_fd, fd) != 0)
        fail(c, AL__STEP_OUTBOX, -1);
    close(fd);
}

/* Online: the proxy's listener lives in this network namespace; the parent serves it. */
static void
send_listener(const struct al__child *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(AL_PROXY_PORT)};
    int fd, one = 1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
        send_fd(c->sock_fd, fd) != 0)
        fail(c, AL__STEP_LISTENER, -1);
    close(fd); /* the parent holds it now; the compartment keeps no copy */
}

/*
 * Drops every capability for good. Securebits first (they need CAP_SETPCAP) so that uid 0
 * inside, when started by root, never regains capabilities through execve; then the
 * bounding and ambient sets; then the permitted, effective and inheritable sets.
 */
static int
drop_caps(const struct al__child *c)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    int i;

    if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                     SECBIT_NO_CAP_AMBIENT_RAISE |
                                     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED) != 0)
        return -1;
    for (i = 0; i <= c->cap_last; i++)
        if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) != 0 && errno != EINVAL)
            return -1;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return -1;
    memset(d, 0, sizeof(d));
    return (int)syscall(SYS_capset, &h, d);
}

static int
apply_landlock(const struct al__child *c)
{
    struct al_landlock_ruleset_attr attr = {
        .handled_access_fs = c->ll_fs_handled,
        .handled_access_net = c->ll_net_handled,
        .scoped = c->ll_scoped,
    };
    struct al_landlock_path_beneath_attr pb;
    struct al_landlock_net_port_attr np;
    size_t size, i;
    int fd, pfd;

    /* Pass only the fields this ABI knows: older kernels refuse unknown non-zero tails. */
    size = c->landlock_abi >= 6   ? sizeof(attr)
           : c->landlock_abi >= 4 ? offsetof(struct al_landlock_ruleset_attr, scoped)
                                  : offsetof(struct al_landlock_ruleset_attr, handled_access_net);
    fd = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
    if (fd < 0)
        return -1;
    for (i = 0; i < c->n_ll_rules; i++) {
        /* Never through a link: a read-only bind whose source was swapped for a link
         * after the parent checked it arrives as a link, and its rule must not grant
         * anything on what the link names. */
        pfd = open(c->ll_rules[i].path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0) {
            if (errno == ENOENT)
                continue; /* an optional directory this host does not have */
            goto fail;
        }
        pb.allowed_access = c->ll_rules[i].access & c->ll_fs_handled;
        pb.parent_fd = pfd;
        if (syscall(__NR_landlock_add_rule, fd, AL_LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
            close(pfd);
            goto fail;
        }
        close(pfd);
    }
    if (c->side == AL_SIDE_ONLINE && (c->ll_net_handled & AL_LL_NET_CONNECT_TCP)) {
        np.allowed_access = AL_LL_NET_CONNECT_TCP;
        np.port = AL_PROXY_PORT;
        if (syscall(__NR_landlock_add_rule, fd, AL_LANDLOCK_RULE_NET_PORT, &np, 0) != 0)
            goto fail;
    }
    if (syscall(__NR_landlock_restrict_self, fd, 0) != 0)
        goto fail;
    close(fd);
    return 0;
fail:
    i = (size_t)errno;
    close(fd);
    errno = (int)i;
    return -1;
}

/*
 * The start gate, after seccomp so that everything the command will run under is in
 * force: say so on the error pipe, then wait for the parent's one byte. End-of-file means
 * the parent closed the socket (al_compartment_free) or died; the command then never
 * runs. Both descriptors are close-on-exec, so the command does not inherit them.
 */
static void
gate(const struct al__child *c)
{
    struct al__child_error ready = {.step = AL__STEP_GATE, .err = 0, .op = -1};
    ssize_t k;
    char b;

    if (write(c->err_fd, &ready, sizeof(ready)) != (ssize_t)sizeof(ready))
        fail(c, AL__STEP_GATE, -1);
    do
        k = read(c->sock_fd, &b, 1);
    while (k < 0 && errno == EINTR);
    if (k != 1) {
        if (k == 0)
            errno = EPIPE;
        fail(c, AL__STEP_GATE, -1);
    }
}

__attribute__((noreturn)) static void
command(const struct al__child *c, int slave)
{
    size_t i;

    if (setsid() < 0)
        fail(c, AL__STEP_SETSID, -1);
    if (ioctl(slave, TIOCSCTTY, 0) != 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
        dup2(slave, 2) < 0)
        fail(c, AL__STEP_TTY, -1);
    /* Everything but stdio, the error pipe and, gated, the socket the release comes on
     * goes now; those two are close-on-exec. */
    {
        int keep[2] = {c->err_fd, c->gated ? c->sock_fd : -1};

        if (close_except(3, keep, 2) != 0)
            fail(c, AL__STEP_CLOSE_FDS, -1);
    }
    for (i = 0; i < c->n_rlimits; i++) {
        struct rlimit rl = {.rlim_cur = c->rlimits[i].value, .rlim_max = c->rlimits[i].value};

        if (setrlimit(c->rlimits[i].resource, &rl) != 0)
            fail(c, AL__STEP_RLIMIT, -1);
    }
    if (drop_caps(c) != 0)
        fail(c, AL__STEP_CAPS, -1);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail(c, AL__STEP_NO_NEW_PRIVS, -1);
    if (apply_landlock(c) != 0)
        fail(c, AL__STEP_LANDLOCK, -1);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &c->seccomp[0]) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &c->seccomp[1]) != 0)
        fail(c, AL__STEP_SECCOMP, -1);
    if (c->gated)
        gate(c);
    execve(c->exe, c->argv, c->envp);
    fail(c, AL__STEP_EXEC, -1);
}

void
al__child_main(const struct al__child *c)
{
    pid_t cmd, w;
    int st, code = 127, slave;
    char b;

    /* Nothing of the caller's survives into the compartment: of the descriptors only our
     * own ends of the three channels, of the signal state nothing but the defaults. */
    keep_only(c);
    reset_signals();
    if (read(c->sync_fd, &b, 1) != 1) {
        errno = errno ? errno : EPIPE;
        fail(c, AL__STEP_SYNC, -1);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail(c, AL__STEP_PDEATHSIG, -1);
    /* The parent keeps the pipe's write end for the compartment's life. If it died before
     * the prctl above, the signal will never come: the hang-up tells us instead. */
    {
        struct pollfd pf = {.fd = c->sync_fd, .events = 0};

        if (poll(&pf, 1, 0) != 0 && (pf.revents & POLLHUP)) {
            errno = ESRCH;
            fail(c, AL__STEP_PDEATHSIG, -1);
        }
    }
    close(c->sync_fd);
    /* The parent has moved us into our cgroups by now, so the cgroup namespace made here
     * is rooted at them and the compartment sees "/" as its own group. */
    if (unshare(CLONE_NEWCGROUP) != 0)
        fail(c, AL__STEP_CGROUP_NS, -1);
    build_root(c);
    if (sethostname(c->hostname, strlen(c->hostname)) != 0)
        fail(c, AL__STEP_HOSTNAME, -1);
    loopback_up(c);
    slave = open_pty(c);
    send_outbox(c);
    if (c->side == AL_SIDE_ONLINE)
        send_listener(c);
    /* Gated, the command's process keeps the socket to receive its release on. */
    if (!c->gated)
        close(c->sock_fd);
    cmd = fork();
    if (cmd < 0)
        fail(c, AL__STEP_FORK, -1);
    if (cmd == 0)
        command(c, slave);
    /* The reaper keeps nothing the command could use, and no privilege. */
    close(slave);
    close(c->err_fd);
    if (c->gated)
        close(c->sock_fd);
    {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC), fd;

        for (fd = 0; null >= 0 && fd <= 2; fd++)
            if (fd != null)
                dup2(null, fd);
        if (null > 2)
            close(null);
    }
    if (drop_caps(c) == 0)
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    for (;;) {
        w = waitpid(-1, &st, 0);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        if (w == cmd) {
            code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
    }
    _exit(code);
}
