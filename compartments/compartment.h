/*
 * compartment.h: starting one compartment, a fresh sandbox running one command.
 *
 * A compartment is a child in new user, mount, PID, network, IPC, UTS and cgroup
 * namespaces on a tmpfs root (see docs/internals/compartments.md for what it sees). The
 * caller gets the master side of the session's pseudo-terminal, a directory descriptor on
 * the outbox, a pidfd, and for the online compartment the listening socket its proxy must
 * serve. Nothing is weakened when the kernel lacks a protection: the start fails and names
 * the step and the errno.
 */
#ifndef AIRLOCK_COMPARTMENT_H
#define AIRLOCK_COMPARTMENT_H

#include <stdint.h>
#include <sys/types.h>

#include <airlock/error.h>
#include <airlock/limits.h>
#include <airlock/manifest.h>

#define AL_PROXY_PORT 3128

struct al_compartment_spec {
    enum al_side side;
    const char *workspace; /* offline: host directory bound read-write at /workspace */
    const char *inbox;     /* host directory bound read-only at /airlock/inbox, or NULL */
    char *const *argv;     /* the command; argv[0] without '/' is looked up in /usr/bin, /bin */
    const char *term;      /* TERM for the session, or NULL */
    const char *lang;      /* LANG for the session, or NULL */
    struct al_limits limits;
    /* Host directories bound read-only at the same path (landlock: read and execute). Each
     * must be absolute, exist, be a directory and be its own real path (no symbolic link
     * in it); not "/", not an ancestor of the compartment's own directories (/usr, /etc,
     * /tmp, /home/agent, ...), not in /proc, /sys, /dev, /airlock, /workspace or
     * /home/agent. At most 32. */
    char *const *ro_binds;
    size_t n_ro_binds;
    /* Online only, or NULL: a host directory bound read-write at /home/agent (HOME)
     * instead of a fresh tmpfs, so that it persists across sessions. */
    const char *home;
    /* NULL, or extra "NAME=value" entries for the environment, NULL-terminated. NAME is
     * [A-Za-z_][A-Za-z0-9_]*, at most once, and not one the compartment sets itself
     * (al_config_env_overridden): otherwise the start fails with AL_EINVAL. */
    char *const *env;
    /* If set, al_compartment_start returns once the command's process is fully confined
     * and blocked just before execve; al_compartment_release lets it run. */
    int gated;
};

struct al_compartment;

/*
 * Starts a compartment. Returns 0 once the command is running (execve succeeded), or, for
 * a gated spec, once the command's process has applied its whole confinement (mounts,
 * descriptors, capabilities, no_new_privs, landlock, seccomp) and waits just before
 * execve. Otherwise a negative code: AL_EINVAL for a bad spec, -errno from the parent's
 * own calls, or AL_ESANDBOX with al_errdetail() naming the child's failed step and its
 * errno (or the ro_binds, workspace, inbox or home path that cannot be used).
 */
int al_compartment_start(const struct al_compartment_spec *spec,
                         struct al_compartment **out) AL_WUR;

/*
 * Opens the start gate of a gated compartment: the command may execve. Returns 0 once
 * execve succeeded; AL_ESANDBOX with al_errdetail() naming the step (executing the
 * command, or the compartment ended first) and its errno, after which the compartment is
 * killed; AL_ESTATE if c is not gated or was released before. A gated command never
 * executes unless this is called: if the caller dies, or kills or frees c, first, the
 * compartment ends without running it.
 */
int al_compartment_release(struct al_compartment *c) AL_WUR;

pid_t al_compartment_pid(const struct al_compartment *c);
/* The pseudo-terminal master (owned by c; O_CLOEXEC). */
int al_compartment_pty(const struct al_compartment *c);
/* A pidfd (owned by c; O_CLOEXEC) of the compartment's first process: readable once it has
 * ended, after which al_compartment_wait(c, 0, ...) reaps it without blocking. */
int al_compartment_pidfd(const struct al_compartment *c);
/* A directory descriptor (O_RDONLY | O_DIRECTORY | O_CLOEXEC; owned by c) on the root of
 * the compartment's /airlock/outbox tmpfs. It stays usable after the compartment has
 * ended, until al_compartment_free: the open descriptor keeps the file system alive. Its
 * contents are the agent's: open them with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
 * ...) and O_NOFOLLOW | O_NONBLOCK, and trust nothing in them. */
int al_compartment_outbox(const struct al_compartment *c);
/* Online: the listener on 127.0.0.1:3128 inside the compartment's network (owned by c);
 * -1 offline. */
int al_compartment_listener(const struct al_compartment *c);
/*
 * Which limit the compartment ran into, if any: "memory limit" (the cgroup's OOM killer
 * killed a process), "process limit" (a fork was refused at the pids cap) or
 * "CPU-time limit" (status, the exit status from al_compartment_wait, is SIGXCPU's); NULL
 * if none is known. Call it before al_compartment_free.
 */
const char *al_compartment_limit_hit(const struct al_compartment *c, int status);
/* Which mechanism enforces memory and pids limits: "cgroup v1", "cgroup v2" or "rlimit". */
const char *al_compartment_limiter(const struct al_compartment *c);

/*
 * Reaps the compartment if it has ended (or waits, if block), setting *status to its
 * exit code (128 + signal for a signal). Returns 1 if ended, 0 if still running.
 */
int al_compartment_wait(struct al_compartment *c, int block, int *status) AL_WUR;

/*
 * Waits for the compartment to end or for the CLOCK_MONOTONIC time deadline_ms (0: no
 * deadline), whichever is first. Returns 1 with *status if it ended, 0 at the deadline or
 * when a signal interrupted the wait.
 */
int al_compartment_wait_until(struct al_compartment *c, int64_t deadline_ms, int *status) AL_WUR;

/* Kills the whole compartment (its PID namespace dies with its first process). */
void al_compartment_kill(struct al_compartment *c);

/* Kills it if still running, reaps it, closes its descriptors (pty, pidfd, outbox,
 * listener), removes its cgroups. */
void al_compartment_free(struct al_compartment *c);

/* What the kernel provides, for `airlock check` and for refusing to start without it. */
struct al_kernel {
    int userns; /* 0 or -errno of an unprivileged user namespace */
    /* 1 if kernel.apparmor_restrict_unprivileged_userns is on (read under
     * $AIRLOCK_TEST_SYSCTL_ROOT instead of /proc/sys when that is set, for tests) */
    int apparmor_userns_restricted;
    int landlock_abi; /* 0 if landlock is unavailable */
    int seccomp;      /* 1 if seccomp filters are available */
    int cgroup;       /* 2, 1, or 0 (rlimits only) for this caller */
};

int al_kernel_probe(struct al_kernel *k) AL_WUR;

#endif
