/*
 * spawn.c: the parent's side of starting a compartment: prepare everything, clone into
 * the new namespaces, map the caller's ids, attach limits, release the child and wait for
 * its exec (or its error report).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include "internal.h"
#include "landlock_abi.h"

#define STRINGS 65536

struct al_compartment {
    pid_t pid;
    int pidfd;
    int pty;      /* master */
    int outbox;   /* directory descriptor on the outbox's root */
    int listener; /* online only */
    int gate;     /* gated, until released: our end of the socketpair the release goes on */
    int report;   /* gated, until released: the error pipe's read end */
    int reaped;
    int status;
    int alive;            /* write end of the sync pipe: its hang-up tells the child we are gone */
    char cgroups[2][256]; /* cgroup v1 directories we made, to remove */
    const char *limiter;
    char exe[4096]; /* the command's path inside, for an exec that fails after a gated start */
};

static const char *const step_names[] = {
#define AL__STEPNAME(name, text) text,
    AL__STEPS(AL__STEPNAME)
#undef AL__STEPNAME
};

const char *
al__step_name(int step)
{
    return step >= 0 && step < AL__STEP_COUNT ? step_names[step] : "an unknown step";
}

int
al__landlock_abi(void)
{
    long v = syscall(__NR_landlock_create_ruleset, NULL, 0, AL_LANDLOCK_CREATE_RULESET_VERSION);

    return v > 0 ? (int)v : 0;
}

static int
write_file(const char *path, const char *text)
{
    size_t n = strlen(text);
    int fd, r = 0;

    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        return -errno;
    if (write(fd, text, n) != (ssize_t)n)
        r = -errno;
    close(fd);
    return r;
}

/* Reads a small /proc file whole into buf (NUL-terminated). */
static int
read_small(const char *path, char *buf, size_t size)
{
    ssize_t n;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -errno;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    return 0;
}

static int
read_int(const char *path, int *out)
{
    char buf[32];
    int r;

    if ((r = read_small(path, buf, sizeof(buf))) != 0)
        return r;
    *out = (int)strtol(buf, NULL, 10);
    return 0;
}

/* Our own group in the v1 hierarchy of controller ctrl, from /proc/self/cgroup. */
static int
own_cgroup(const char *ctrl, char *out, size_t outlen)
{
    char buf[4096], *line, *save = NULL, *p;
    size_t k = strlen(ctrl);
    int n;

    if ((n = read_small("/proc/self/cgroup", buf, sizeof(buf))) != 0)
        return n;
    for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        /* "4:memory:/user.slice" (several controllers may share a line: "3:cpu,cpuacct:/") */
        if ((p = strchr(line, ':')) == NULL)
            continue;
        p++;
        if (strncmp(p, ctrl, k) == 0 && p[k] == ':') {
            n = snprintf(out, outlen, "/sys/fs/cgroup/%s%s", ctrl, p + k + 1);
            return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
        }
    }
    return -ENOENT;
}

/* Removes groups left by compartments whose supervisor was killed (empty ones only:
 * rmdir refuses a group that still has processes). */
static void
sweep(const char *parent)
{
    char path[512];
    struct dirent *de;
    DIR *d;

    if ((d = opendir(parent)) == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long pid;

        if (strncmp(de->d_name, "airlock-", 8) != 0)
            continue;
        pid = strtol(de->d_name + 8, &end, 10);
        /* A group is named after its compartment's first process: while that lives, the
         * group is someone's, even empty (between its mkdir and the move into it). */
        if (*end != '\0' || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) < (int)sizeof(path))
            rmdir(path);
    }
    closedir(d);
}

static const char *const v1_ctrl[] = {"memory", "pids"};

/*
 * Whether this caller can make groups below its own in the memory and pids hierarchies;
 * if so, parent[i] is its own group of v1_ctrl[i].
 */
static int
cgroup_v1_usable(char parent[2][256])
{
    char path[320];
    int i;

    if (geteuid() != 0)
        return 0;
    for (i = 0; i < 2; i++) {
        if (own_cgroup(v1_ctrl[i], parent[i], 256) != 0 ||
            snprintf(path, sizeof(path), "%s/cgroup.procs", parent[i]) >= (int)sizeof(path) ||
            access(path, W_OK) != 0)
            return 0;
    }
    return 1;
}

/*
 * Memory and process-count limits through cgroup v1 when we may write there (root on a
 * host without v2 controllers, as here); RLIMIT_NPROC does not bind the global root user,
 * so for root the pids controller is the only real limit. The groups go below the
 * caller's own, so the compartment stays inside whatever limits the caller has. Returns 1
 * if attached.
 */
static int
cgroup_v1_attach(struct al_compartment *c, pid_t pid, const struct al_limits *l)
{
    char path[768], val[32], parent[2][256];
    int i;

    if (!cgroup_v1_usable(parent))
        return 0;
    for (i = 0; i < 2; i++) {
        sweep(parent[i]);
        if (snprintf(c->cgroups[i], sizeof(c->cgroups[i]), "%s/airlock-%ld", parent[i],
                     (long)pid) >= (int)sizeof(c->cgroups[i]))
            return -ENAMETOOLONG;
        if (mkdir(c->cgroups[i], 0755) != 0 && errno != EEXIST)
            return -errno;
        if (i == 0 && l->memory_bytes) {
            snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", c->cgroups[i]);
            snprintf(val, sizeof(val), "%llu", (unsigned long long)l->memory_bytes);
            if (write_file(path, val) != 0)
                return -EIO;
            snprintf(path, sizeof(path), "%s/memory.oom_control", c->cgroups[i]);
            (void)write_file(path, "0"); /* kill on OOM, never freeze */
        }
        if (i == 1 && l->pids) {
            snprintf(path, sizeof(path), "%s/pids.max", c->cgroups[i]);
            snprintf(val, sizeof(val), "%u", l->pids);
            if (write_file(path, val) != 0)
                return -EIO;
        }
        snprintf(path, sizeof(path), "%s/cgroup.procs", c->cgroups[i]);
        snprintf(val, sizeof(val), "%ld", (long)pid);
        if (write_file(path, val) != 0)
            return -EIO;
    }
    return 1;
}

static int
recv_fd(int sock)
{
    struct al__fdmsg m;
    struct cmsghdr *cm;
    int fd = -1;

    al__fdmsg_init(&m);
    if (recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    cm = CMSG_FIRSTHDR(&m.msg);
    if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
        return -1;
    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

/*
 * Moves a descriptor of the start-up channels above 2. The command's process puts the
 * terminal on 0, 1 and 2, which would silently replace a channel there (a supervisor
 * started with a closed stdin gets 0 from pipe2()).
 */
static int
above_stdio(int *fd)
{
    int n;

    if (*fd > 2)
        return 0;
    if ((n = fcntl(*fd, F_DUPFD_CLOEXEC, 3)) < 0)
        return -1;
    close(*fd);
    *fd = n;
    return 0;
}

/* Reads the child's report: sizeof(*e) for a report, 0 at end-of-file, -1 otherwise. */
static ssize_t
read_report(int fd, struct al__child_error *e)
{
    ssize_t n;

    do
        n = read(fd, e, sizeof(*e));
    while (n < 0 && errno == EINTR);
    return n;
}

/*
 * Ubuntu's kernel.apparmor_restrict_unprivileged_userns: 1 when AppArmor lets only
 * programs whose profile grants `userns` create user namespaces, 0 when it is off or absent
 * (every kernel without Ubuntu's patches). $AIRLOCK_TEST_SYSCTL_ROOT, when set, stands for
 * /proc/sys, so that tests can show the diagnosis on kernels that do not have the knob. It
 * changes only what an error message says: no protection depends on this value.
 */
static int
apparmor_restricted(void)
{
    const char *root = getenv("AIRLOCK_TEST_SYSCTL_ROOT");
    char path[4096];
    int restricted = 0;

    if (snprintf(path, sizeof(path), "%s/kernel/apparmor_restrict_unprivileged_userns",
                 root != NULL && root[0] == '/' ? root : "/proc/sys") >= (int)sizeof(path))
        return 0;
    return read_int(path, &restricted) == 0 && restricted != 0;
}

/* The detail of AL_ESANDBOX for the child's report e; child is NULL after the start (the
 * mount plan is gone, and no mount step can fail any more); exe is the command's path. */
static int
child_failed(const struct al__child_error *e, const struct al__child *child, const char *exe)
{
    if (e->step == AL__STEP_MOUNT_OP && child != NULL && e->op >= 0 && (size_t)e->op < child->n_ops)
        return al__fail(AL_ESANDBOX, "%s (%s %s): %s", al__step_name(e->step),
                        child->ops[e->op].dst, child->ops[e->op].src ? child->ops[e->op].src : "",
                        strerror(e->err));
    /* A missing agent program is the commonest mistake in a configuration: name it. */
    if (e->step == AL__STEP_EXEC)
        return al__fail(AL_ESANDBOX, "%s %s: %s%s", al__step_name(e->step), exe, strerror(e->err),
                        e->err == ENOENT ? " (the configured command, or the interpreter on "
                                           "its #! line, is not in the compartment: only /usr, "
                                           "the ro_binds directories and, offline, /workspace "
                                           "are there)"
                                         : "");
    return al__fail(AL_ESANDBOX, "%s: %s%s", al__step_name(e->step), strerror(e->err),
                    (e->err == EPERM || e->err == EACCES) && apparmor_restricted()
                        ? " (AppArmor restricts unprivileged user namespaces here: "
                          "kernel.apparmor_restrict_unprivileged_userns=1; see "
                          "docs/install.md)"
                        : "");
}

static int
clone_error(int e)
{
    if (apparmor_restricted())
        return al__fail(AL_ESANDBOX,
                        "cannot create a user namespace: %s. AppArmor restricts unprivileged "
                        "user namespaces on this host (kernel.apparmor_restrict_unprivileged_"
                        "userns=1); see docs/install.md for the AppArmor profile that allows "
                        "airlock",
                        strerror(e));
    return al__fail(AL_ESANDBOX,
                    "cannot create the compartment's namespaces: %s (are unprivileged user "
                    "namespaces enabled? sysctl user.max_user_namespaces)",
                    strerror(e));
}

int
al_compartment_start(const struct al_compartment_spec *spec, struct al_compartment **out)
{
    struct al_compartment *c = NULL;
    struct al__child *child = NULL;
    struct al__child_error err;
    char *strings = NULL, map[64], path[64];
    int syncp[2] = {-1, -1}, errp[2] = {-1, -1}, sp[2] = {-1, -1}, r, cg;
    ssize_t n;
    pid_t pid;

    al_errclear();
    if ((c = calloc(1, sizeof(*c))) == NULL || (child = calloc(1, sizeof(*child))) == NULL ||
        (strings = malloc(STRINGS)) == NULL) {
        r = AL_ENOMEM;
        goto fail;
    }
    c->pty = c->listener = c->alive = c->pidfd = c->outbox = c->gate = c->report = -1;
    c->pid = -1;
    child->uid = getuid();
    child->gid = getgid();
    /* No weaker fallback: without landlock the compartment does not start. The ABI is
     * known before the policy is built, which uses every right this kernel can enforce. */
    if ((child->landlock_abi = al__landlock_abi()) < 1) {
        r = al__fail(AL_ESANDBOX, "landlock is not available on this kernel (needs Linux 5.13 "
                                  "or later with landlock in the lsm= list)");
        goto fail;
    }
    {
        char parent[2][256];

        /* Decided before the policy, which leaves RLIMIT_AS out when a cgroup limits the
         * memory; the attach below must then succeed or the start fails. */
        child->cgroup_memory = cgroup_v1_usable(parent) && spec->limits.memory_bytes != 0;
    }
    if ((r = al__policy_build(spec, child, strings, STRINGS)) != 0)
        goto fail;
    snprintf(c->exe, sizeof(c->exe), "%s", child->exe);
    if ((r = al__seccomp_build(spec->side, child->seccomp)) != 0)
        goto fail;
    child->cap_last = 40;
    (void)read_int("/proc/sys/kernel/cap_last_cap", &child->cap_last);
    if (pipe2(syncp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) {
        r = al__fail(-errno, "creating the start-up pipes");
        goto fail;
    }
    for (int i = 0; i < 2; i++)
        if (above_stdio(&syncp[i]) != 0 || above_stdio(&errp[i]) != 0 || above_stdio(&sp[i]) != 0) {
            r = al__fail(-errno, "creating the start-up pipes");
            goto fail;
        }
    child->sync_fd = syncp[0];
    child->err_fd = errp[1];
    child->sock_fd = sp[1];
    fflush(NULL); /* the child never touches stdio, but a buffer must not be written twice */
    /* A raw clone, like fork: the child runs on a copy of our stack until it execs. */
    pid = (pid_t)syscall(SYS_clone,
                         CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                             CLONE_NEWUTS | SIGCHLD,
                         NULL, NULL, NULL, NULL);
    if (pid < 0) {
        r = clone_error(errno);
        goto fail;
    }
    if (pid == 0)
        al__child_main(child);
    c->pid = pid;
    /* Our unreaped child: the pid cannot have been reused. */
    if ((c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
        r = al__fail(-errno, "pidfd_open");
        goto fail;
    }
    close(syncp[0]);
    close(errp[1]);
    close(sp[1]);
    syncp[0] = errp[1] = sp[1] = -1;
    /* Map the caller's own uid and gid, nothing else; setgroups must be denied first. */
    snprintf(path, sizeof(path), "/proc/%ld/setgroups", (long)pid);
    if ((r = write_file(path, "deny")) != 0 && r != -ENOENT)
        goto mapfail;
    snprintf(path, sizeof(path), "/proc/%ld/uid_map", (long)pid);
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)child->uid, (unsigned)child->uid);
    if ((r = write_file(path, map)) != 0)
        goto mapfail;
    snprintf(path, sizeof(path), "/proc/%ld/gid_map", (long)pid);
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)child->gid, (unsigned)child->gid);
    if ((r = write_file(path, map)) != 0)
        goto mapfail;
    if ((cg = cgroup_v1_attach(c, pid, &spec->limits)) < 0) {
        r = al__fail(AL_ESANDBOX, "attaching the cgroup v1 limits: %s", strerror(-cg));
        goto fail;
    }
    if (cg == 0 && child->cgroup_memory) {
        r = al__fail(AL_ESANDBOX, "the cgroup v1 memory controller went away during the start");
        goto fail;
    }
    c->limiter = cg ? "cgroup v1" : "rlimit";
    if (write(syncp[1], "g", 1) != 1) {
        r = al__fail(-errno, "releasing the compartment");
        goto fail;
    }
    c->alive = syncp[1];
    syncp[1] = -1; /* transferred */
    /* In the child's order; -1 if the child failed first: its report follows on the error
     * pipe. */
    c->pty = recv_fd(sp[0]);
    if (c->pty >= 0)
        c->outbox = recv_fd(sp[0]);
    if (c->outbox >= 0 && spec->side == AL_SIDE_ONLINE)
        c->listener = recv_fd(sp[0]);
    if (!spec->gated) {
        close(sp[0]);
        sp[0] = -1;
    }
    /*
     * Ungated, end-of-file means the command's process exec'd (its copy was close-on-exec,
     * PID 1 closed its). Gated, the command's process reports {GATE, 0} once it is fully
     * confined and waiting; anything else is a failure.
     */
    n = read_report(errp[0], &err);
    if (n == (ssize_t)sizeof(err) && !(spec->gated && err.step == AL__STEP_GATE && err.err == 0)) {
        r = child_failed(&err, child, c->exe);
        goto fail;
    }
    if (n != (ssize_t)(spec->gated ? sizeof(err) : 0) || c->pty < 0 || c->outbox < 0 ||
        (spec->side == AL_SIDE_ONLINE && c->listener < 0)) {
        r = al__fail(AL_ESANDBOX, "the compartment ended before its command started");
        goto fail;
    }
    if (spec->gated) {
        c->gate = sp[0];
        c->report = errp[0];
        sp[0] = errp[0] = -1; /* transferred */
    } else {
        close(errp[0]);
    }
    free(child->seccomp[0].filter);
    free(child->seccomp[1].filter);
    free(child);
    free(strings);
    *out = c;
    return 0;
mapfail:
    r = al__fail(AL_ESANDBOX, "writing %s: %s", path, strerror(-r));
fail:
    if (c != NULL && c->pid > 0) {
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        c->reaped = 1;
    }
    for (int i = 0; i < 2; i++) {
        if (syncp[i] >= 0)
            close(syncp[i]);
        if (errp[i] >= 0)
            close(errp[i]);
        if (sp[i] >= 0)
            close(sp[i]);
    }
    if (child != NULL) {
        free(child->seccomp[0].filter);
        free(child->seccomp[1].filter);
    }
    free(child);
    free(strings);
    al_compartment_free(c);
    return r;
}

int
al_compartment_release(struct al_compartment *c)
{
    struct al__child_error err;
    ssize_t n;
    int r = AL_ESANDBOX;

    al_errclear();
    if (c->gate < 0)
        return al__fail(AL_ESTATE, "the compartment is not waiting at its start gate");
    /* MSG_NOSIGNAL: a compartment that was killed meanwhile must not raise SIGPIPE here. */
    if (send(c->gate, "r", 1, MSG_NOSIGNAL) != 1) {
        r = al__fail(AL_ESANDBOX, "the compartment ended before its command started (%s)",
                     strerror(errno));
        goto out;
    }
    /* As in an ungated start: end-of-file once execve succeeded. */
    n = read_report(c->report, &err);
    if (n == (ssize_t)sizeof(err))
        r = child_failed(&err, NULL, c->exe);
    else if (n != 0)
        r = al__fail(AL_ESANDBOX, "the compartment ended before its command started");
    else
        /* success */ r = 0;
out:
    close(c->gate);
    close(c->report);
    c->gate = c->report = -1;
    if (r != 0)
        al_compartment_kill(c);
    return r;
}

pid_t
al_compartment_pid(const struct al_compartment *c)
{
    return c->pid;
}

int
al_compartment_pidfd(const struct al_compartment *c)
{
    return c->pidfd;
}

int
al_compartment_outbox(const struct al_compartment *c)
{
    return c->outbox;
}

int
al_compartment_pty(const struct al_compartment *c)
{
    return c->pty;
}

int
al_compartment_listener(const struct al_compartment *c)
{
    return c->listener;
}

/* The number after "key " in a cgroup file of "key value" lines, or 0. */
static unsigned long
cgroup_count(const char *dir, const char *file, const char *key)
{
    char path[320], buf[512], *p;
    size_t n = strlen(key);

    if (dir[0] == '\0' || snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path) ||
        read_small(path, buf, sizeof(buf)) != 0)
        return 0;
    for (p = buf; p != NULL; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, key, n) == 0 && p[n] == ' ')
            return strtoul(p + n + 1, NULL, 10);
    }
    return 0;
}

const char *
al_compartment_limit_hit(const struct al_compartment *c, int status)
{
    /* The kernel's own counts, kept until the groups are removed in al_compartment_free. */
    if (cgroup_count(c->cgroups[0], "memory.oom_control", "oom_kill") > 0)
        return "memory limit";
    if (cgroup_count(c->cgroups[1], "pids.events", "max") > 0)
        return "process limit";
    /* Under rlimits the kernel says it through the signal: SIGXCPU at RLIMIT_CPU. */
    if (status == 128 + SIGXCPU)
        return "CPU-time limit";
    return NULL;
}

const char *
al_compartment_limiter(const struct al_compartment *c)
{
    return c->limiter;
}

int
al_compartment_wait(struct al_compartment *c, int block, int *status)
{
    int st;
    pid_t w;

    if (c->reaped) {
        *status = c->status;
        return 1;
    }
    do
        w = waitpid(c->pid, &st, block ? 0 : WNOHANG);
    while (w < 0 && errno == EINTR);
    if (w == 0)
        return 0;
    if (w < 0)
        return al__fail(-errno, "waiting for the compartment");
    c->reaped = 1;
    c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    *status = c->status;
    return 1;
}

int
al_compartment_wait_until(struct al_compartment *c, int64_t deadline_ms, int *status)
{
    struct timespec now;
    struct pollfd p;
    int64_t left;
    int fd = c->pidfd, r;

    if ((r = al_compartment_wait(c, 0, status)) != 0)
        return r;
    /* The pidfd becomes readable when the process ends: no polling interval, no SIGCHLD. */
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = deadline_ms - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
        if (deadline_ms > 0 && left <= 0) {
            r = 0;
            break;
        }
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, deadline_ms > 0 ? (int)(left > 1000000 ? 1000000 : left) : -1) < 0) {
            /* A signal: let the caller look at why before waiting on. */
            r = errno == EINTR ? 0 : al__fail(-errno, "waiting for the compartment");
            break;
        }
        if (p.revents & POLLIN) {
            r = al_compartment_wait(c, 1, status);
            break;
        }
    }
    return r;
}

void
al_compartment_kill(struct al_compartment *c)
{
    if (c->pid > 0 && !c->reaped)
        kill(c->pid, SIGKILL);
}

void
al_compartment_free(struct al_compartment *c)
{
    int st, i;

    if (c == NULL)
        return;
    /* A gated command that is still waiting reads end-of-file and never executes, even
     * before the kill below has reached it. */
    if (c->gate >= 0)
        close(c->gate);
    c->gate = -1;
    if (c->pid > 0 && !c->reaped) {
        al_compartment_kill(c);
        if (al_compartment_wait(c, 1, &st) < 0)
            c->reaped = 1; /* nothing left to wait for */
    }
    for (i = 0; i < 2; i++)
        if (c->cgroups[i][0])
            rmdir(c->cgroups[i]);
    if (c->pty >= 0)
        close(c->pty);
    if (c->listener >= 0)
        close(c->listener);
    if (c->alive >= 0)
        close(c->alive);
    if (c->outbox >= 0)
        close(c->outbox);
    if (c->report >= 0)
        close(c->report);
    if (c->pidfd >= 0)
        close(c->pidfd);
    free(c);
}

/* seccomp filters work if the kernel can tell us whether it knows the ERRNO action. */
static int
prctl_seccomp_available(void)
{
    uint32_t action = SECCOMP_RET_ERRNO;

    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int
al_kernel_probe(struct al_kernel *k)
{
    pid_t pid;
    int st;

    memset(k, 0, sizeof(*k));
    /* Try it for real: a child in a new user namespace that exits at once. */
    pid = (pid_t)syscall(SYS_clone,
                         CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | SIGCHLD, NULL,
                         NULL, NULL, NULL);
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        k->userns = -errno;
    else
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    k->apparmor_userns_restricted = apparmor_restricted();
    k->landlock_abi = al__landlock_abi();
    k->seccomp = prctl_seccomp_available();
    {
        char parent[2][256];

        k->cgroup = cgroup_v1_usable(parent);
    }
    return 0;
}
