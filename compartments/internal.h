/*
 * internal.h: what the parent prepares for the child. Everything the child needs between
 * clone and exec is computed here first, so the child only reads this and makes system
 * calls: no allocation, no stdio, no locks (house style, and bubblewrap's way).
 */
#ifndef AIRLOCK_COMPARTMENTS_INTERNAL_H
#define AIRLOCK_COMPARTMENTS_INTERNAL_H

#include <linux/filter.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "compartment.h"

/* The child's steps, in order; a failure reports {step, errno} on the error pipe. */
#define AL__STEPS(X)                                                                               \
    X(SYNC, "waiting for the user namespace mapping")                                              \
    X(PDEATHSIG, "tying the compartment's life to its parent")                                     \
    X(CGROUP_NS, "entering the cgroup namespace")                                                  \
    X(MOUNT_PRIVATE, "making the mount namespace private")                                         \
    X(ROOT_TMPFS, "mounting the tmpfs root")                                                       \
    X(PIVOT_OLD, "moving the host root aside")                                                     \
    X(MOUNT_OP, "building the compartment's file system")                                          \
    X(PIVOT, "switching to the compartment root")                                                  \
    X(HOSTNAME, "setting the host name")                                                           \
    X(LOOPBACK, "bringing up the loopback interface")                                              \
    X(LISTENER, "creating the proxy listener")                                                     \
    X(OUTBOX, "handing over the outbox")                                                           \
    X(FORK, "starting the command's process")                                                      \
    X(SETSID, "starting a new session")                                                            \
    X(TTY, "attaching the pseudo-terminal")                                                        \
    X(CLOSE_FDS, "closing inherited file descriptors")                                             \
    X(RLIMIT, "setting resource limits")                                                           \
    X(CAPS, "dropping capabilities")                                                               \
    X(NO_NEW_PRIVS, "setting no_new_privs")                                                        \
    X(LANDLOCK, "applying landlock rules")                                                         \
    X(SECCOMP, "loading the seccomp filter")                                                       \
    X(GATE, "waiting at the start gate")                                                           \
    X(EXEC, "executing the command")

enum al__step {
#define AL__STEPDEF(name, text) AL__STEP_##name,
    AL__STEPS(AL__STEPDEF)
#undef AL__STEPDEF
        AL__STEP_COUNT
};

const char *al__step_name(int step);

/* What the child reports before _exit(127); the parent turns it into a message. A gated
 * command that is confined and waiting reports {AL__STEP_GATE, 0, -1}: a failure never has
 * err 0. */
struct al__child_error {
    int32_t step;
    int32_t err;
    int32_t op; /* index of the failed mount operation, or -1 */
};

/* Mount operations, executed in order against "/newroot" with sources under "/oldroot". */
enum al__op_kind {
    AL__OP_DIR,      /* mkdir dst */
    AL__OP_TMPFS,    /* tmpfs at dst with data options */
    AL__OP_EMPTY_RO, /* an empty, read-only tmpfs at dst */
    AL__OP_RO_BIND,  /* recursive bind of src, then read-only, nosuid, nodev */
    AL__OP_RW_BIND,  /* recursive bind of src, nosuid, nodev */
    AL__OP_DEV_BIND, /* bind of one device node src onto a new empty file dst */
    AL__OP_SYMLINK,  /* symlink data -> dst */
    AL__OP_FILE,     /* a new file dst holding data, mode 0644 */
    AL__OP_PROC,     /* a fresh proc for this PID namespace */
    AL__OP_DEVPTS,   /* a private devpts instance */
    AL__OP_RO_SELF,  /* bind dst onto itself read-only (masking /proc/sys and friends) */
    AL__OP_HIDE,     /* cover dst with /dev/null (a file) so it reads empty */
};

struct al__op {
    enum al__op_kind kind;
    const char *src;  /* host path, without the /oldroot prefix */
    const char *dst;  /* path inside the compartment, absolute */
    const char *data; /* tmpfs options, symlink target or file contents */
    int optional;     /* skip silently if src does not exist on the host */
};

#define AL__MAX_OPS 256
#define AL__MAX_RO_BINDS 32
/* The compartment's own variables, then at most 64 configured ones (config.h) and the
 * supervisor's AIRLOCK_PLAN and AIRLOCK_PLAN_ID. */
#define AL__MAX_ENV 96

struct al__child {
    enum al_side side;
    uid_t uid;
    gid_t gid;
    int sync_fd;       /* read end: parent has written the id maps */
    int err_fd;        /* write end of the error pipe, close-on-exec */
    int sock_fd;       /* socketpair end that carries the pty master, the outbox and the listener
                          to the parent; gated, the command reads its release from it */
    int gated;         /* the command waits after seccomp for one byte on sock_fd */
    int cgroup_memory; /* memory is limited by a cgroup, so no RLIMIT_AS (set by spawn.c) */
    int cap_last;      /* /proc/sys/kernel/cap_last_cap */
    const char *hostname;
    size_t n_ops;
    struct al__op ops[AL__MAX_OPS];
    const char *exe; /* resolved path of argv[0] inside the compartment */
    char *const *argv;
    char *envp[AL__MAX_ENV + 1];
    struct rlimit_set {
        int resource;
        uint64_t value;
    } rlimits[6];
    size_t n_rlimits;
    int landlock_abi;
    uint64_t ll_fs_handled;
    uint64_t ll_net_handled;
    uint64_t ll_scoped;
    struct ll_rule {
        const char *path;
        uint64_t access;
    } ll_rules[16 + AL__MAX_RO_BINDS];
    size_t n_ll_rules;
    struct sock_fprog seccomp[2]; /* the exported BPF programs, loaded in order */
};

/* The message of the descriptor handoff (pty master, listener): one byte of payload and
 * room for one SCM_RIGHTS descriptor. Both ends set it up the same way. */
struct al__fdmsg {
    struct msghdr msg;
    struct iovec iov;
    char byte;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
};

static inline void
al__fdmsg_init(struct al__fdmsg *m)
{
    memset(m, 0, sizeof(*m));
    m->byte = 'F';
    m->iov.iov_base = &m->byte;
    m->iov.iov_len = 1;
    m->msg.msg_iov = &m->iov;
    m->msg.msg_iovlen = 1;
    m->msg.msg_control = m->u.buf;
    m->msg.msg_controllen = sizeof(m->u.buf);
}

/* child.c: the code that runs between clone and exec. Never returns. */
__attribute__((noreturn)) void al__child_main(const struct al__child *c);

/* policy.c: builds the mount plan, landlock rules and environment for spec into c. */
int al__policy_build(const struct al_compartment_spec *spec, struct al__child *c, char *strings,
                     size_t strings_len) AL_WUR;

/* seccomp.c: exports the compartment's two stacked seccomp programs (the caller frees
 * each prog[i].filter). */
int al__seccomp_build(enum al_side side, struct sock_fprog prog[2]) AL_WUR;

/* The landlock ABI this kernel speaks (0: none). */
int al__landlock_abi(void);

#endif
