/*
 * compartment.h: starting one compartment, a fresh sandbox running one command.
 *
 * A compartment is a child in new user, mount, PID, network, IPC, UTS and cgroup
 * namespaces on a tmpfs root (see docs/internals/compartments.md for what it sees). The
 * caller gets the master side of the session's pseudo-terminal, and for the online
 * compartment the listening socket its proxy must serve. Nothing is weakened when the
 * kernel lacks a protection: the start fails and names the step and the errno.
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
};

struct al_compartment;

/*
 * Starts a compartment. Returns 0 once the command is running (execve succeeded), or a
 * negative code: -errno from the parent's own calls, or AL_ESANDBOX with al_errdetail()
 * naming the child's failed step and its errno.
 */
int al_compartment_start(const struct al_compartment_spec *spec,
                         struct al_compartment **out) AL_WUR;

pid_t al_compartment_pid(const struct al_compartment *c);
/* The pseudo-terminal master (owned by c). */
int al_compartment_pty(const struct al_compartment *c);
/* Online: the listener on 127.0.0.1:3128 inside the compartment's network (owned by c);
 * -1 offline. */
int al_compartment_listener(const struct al_compartment *c);
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

/* Kills it if still running, reaps it, closes its descriptors, removes its cgroups. */
void al_compartment_free(struct al_compartment *c);

/* What the kernel provides, for `airlock check` and for refusing to start without it. */
struct al_kernel {
    int userns; /* 0 or -errno of an unprivileged user namespace */
    int apparmor_userns_restricted;
    int landlock_abi; /* 0 if landlock is unavailable */
    int seccomp;      /* 1 if seccomp filters are available */
    int cgroup;       /* 2, 1, or 0 (rlimits only) for this caller */
};

int al_kernel_probe(struct al_kernel *k) AL_WUR;

#endif
