/*
 * policy.c: what each compartment sees, as data: the mount plan, the landlock rules, the
 * environment and the resource limits. Built by the parent before the clone.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <airlock/config.h>

#include "internal.h"
#include "landlock_abi.h"

#define HOME "/home/agent"

/* Appends strings to the caller's arena so the child's pointers outlive this call. */
struct arena {
    char *p;
    size_t left;
};

static const char *keep(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
keep(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    char *s = a->p;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(a->p, a->left, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= a->left)
        return NULL;
    a->p += n + 1;
    a->left -= (size_t)n + 1;
    return s;
}

static int
op(struct al__child *c, enum al__op_kind kind, const char *src, const char *dst, const char *data,
   int optional)
{
    if (c->n_ops >= AL__MAX_OPS || dst == NULL)
        return AL_ENOMEM;
    c->ops[c->n_ops++] = (struct al__op){kind, src, dst, data, optional};
    return 0;
}

/* Sets *full instead of dropping a rule silently. */
static void
rule(struct al__child *c, const char *path, uint64_t access, int *full)
{
    if (c->n_ll_rules < sizeof(c->ll_rules) / sizeof(c->ll_rules[0]))
        c->ll_rules[c->n_ll_rules++] = (struct ll_rule){path, access};
    else
        *full = 1;
}

/* Files every program expects in /etc; everything else of the host's /etc stays outside. */
static const char *const etc_files[] = {
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime",   "/etc/nsswitch.conf",
    "/etc/protocols",   "/etc/services",   "/etc/mime.types",  "/etc/bash.bashrc",
    "/etc/profile",     "/etc/inputrc",    "/etc/environment",
};

/* Directories of /etc that are pure configuration data, and the CA certificates. */
static const char *const etc_dirs[] = {
    "/etc/alternatives",    "/etc/ld.so.conf.d", "/etc/ssl",
    "/etc/ca-certificates", "/etc/profile.d",    "/etc/terminfo",
};

/* The real path of a directory the person named, kept in the arena. */
static const char *
canonical(const char *path, const char *what, struct arena *a)
{
    char real[PATH_MAX];
    struct stat st;

    if (realpath(path, real) == NULL) {
        al__fail(AL_ESANDBOX, "%s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
        al__fail(AL_ESANDBOX, "%s %s is not a directory", what, path);
        return NULL;
    }
    return keep(a, "%s", real);
}

/* The directories that must exist in /newroot before a bind at path: every ancestor. */
static int
ancestors(struct al__child *c, const char *path, struct arena *a)
{
    const char *p;
    int r = 0;

    for (p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/'))
        r |= op(c, AL__OP_DIR, NULL, keep(a, "%.*s", (int)(p - path), path), NULL, 0);
    return r;
}

static int
mount_plan(const struct al_compartment_spec *spec, const char *workspace, const char *inbox,
           const char *home, struct al__child *c, struct arena *a)
{
    static const char *const usr_links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
    char link[256];
    struct stat st;
    size_t i;
    int r = 0;

    r |= op(c, AL__OP_RO_BIND, "/usr", "/usr", NULL, 0);
    /* Debian's merged /usr: /bin -> usr/bin and so on; copy what the host has. */
    for (i = 0; i < sizeof(usr_links) / sizeof(usr_links[0]); i++) {
        const char *host = keep(a, "/%s", usr_links[i]);
        ssize_t n;

        if (host == NULL || lstat(host, &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode) && (n = readlink(host, link, sizeof(link) - 1)) > 0) {
            link[n] = '\0';
            r |= op(c, AL__OP_SYMLINK, NULL, host, keep(a, "%s", link), 0);
        } else if (S_ISDIR(st.st_mode)) {
            r |= op(c, AL__OP_RO_BIND, host, host, NULL, 0);
        }
    }
    r |= op(c, AL__OP_DIR, NULL, "/etc", NULL, 0);
    for (i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++)
        r |= op(c, AL__OP_RO_BIND, etc_files[i], etc_files[i], NULL, 1);
    for (i = 0; i < sizeof(etc_dirs) / sizeof(etc_dirs[0]); i++)
        r |= op(c, AL__OP_RO_BIND, etc_dirs[i], etc_dirs[i], NULL, 1);
    /* Our own identity files: the host's user list is not the compartment's business. */
    r |= op(c, AL__OP_FILE, NULL, "/etc/passwd",
            keep(a, "root:x:0:0:root:/root:/bin/sh\nagent:x:%u:%u:agent:" HOME ":/bin/sh\n",
                 (unsigned)c->uid, (unsigned)c->gid),
            0);
    r |= op(c, AL__OP_FILE, NULL, "/etc/group",
            keep(a, "root:x:0:\nagent:x:%u:\n", (unsigned)c->gid), 0);
    r |= op(c, AL__OP_FILE, NULL, "/etc/hostname", keep(a, "%s\n", c->hostname), 0);
    r |= op(c, AL__OP_FILE, NULL, "/etc/hosts",
            keep(a, "127.0.0.1 localhost %s\n::1 localhost\n", c->hostname), 0);

    r |= op(c, AL__OP_TMPFS, NULL, "/dev", "mode=0755,size=64k", 0);
    r |= op(c, AL__OP_DEV_BIND, "/dev/null", "/dev/null", NULL, 0);
    r |= op(c, AL__OP_DEV_BIND, "/dev/zero", "/dev/zero", NULL, 0);
    r |= op(c, AL__OP_DEV_BIND, "/dev/full", "/dev/full", NULL, 0);
    r |= op(c, AL__OP_DEV_BIND, "/dev/random", "/dev/random", NULL, 0);
    r |= op(c, AL__OP_DEV_BIND, "/dev/urandom", "/dev/urandom", NULL, 0);
    r |= op(c, AL__OP_DEV_BIND, "/dev/tty", "/dev/tty", NULL, 0);
    r |= op(c, AL__OP_DEVPTS, NULL, "/dev/pts", NULL, 0);
    r |= op(c, AL__OP_SYMLINK, NULL, "/dev/ptmx", "pts/ptmx", 0);
    r |= op(c, AL__OP_TMPFS, NULL, "/dev/shm", "mode=1777,size=64m", 0);
    r |= op(c, AL__OP_SYMLINK, NULL, "/dev/fd", "/proc/self/fd", 0);
    r |= op(c, AL__OP_SYMLINK, NULL, "/dev/stdin", "/proc/self/fd/0", 0);
    r |= op(c, AL__OP_SYMLINK, NULL, "/dev/stdout", "/proc/self/fd/1", 0);
    r |= op(c, AL__OP_SYMLINK, NULL, "/dev/stderr", "/proc/self/fd/2", 0);

    r |= op(c, AL__OP_PROC, NULL, "/proc", NULL, 0);
    /* As bubblewrap does: the kernel knobs and triggers in /proc read-only, and the files
     * that show kernel memory or other users' keys covered with /dev/null. */
    r |= op(c, AL__OP_RO_SELF, NULL, "/proc/sys", NULL, 1);
    r |= op(c, AL__OP_RO_SELF, NULL, "/proc/sysrq-trigger", NULL, 1);
    r |= op(c, AL__OP_RO_SELF, NULL, "/proc/irq", NULL, 1);
    r |= op(c, AL__OP_RO_SELF, NULL, "/proc/bus", NULL, 1);
    r |= op(c, AL__OP_RO_SELF, NULL, "/proc/fs", NULL, 1);
    r |= op(c, AL__OP_HIDE, "/dev/null", "/proc/kcore", NULL, 1);
    r |= op(c, AL__OP_HIDE, "/dev/null", "/proc/keys", NULL, 1);
    r |= op(c, AL__OP_HIDE, "/dev/null", "/proc/timer_list", NULL, 1);
    r |= op(c, AL__OP_HIDE, "/dev/null", "/proc/sched_debug", NULL, 1);

    r |= op(c, AL__OP_TMPFS, NULL, "/tmp", "mode=1777,size=512m", 0);
    r |= op(c, AL__OP_DIR, NULL, "/home", NULL, 0);
    if (home != NULL)
        r |= op(c, AL__OP_RW_BIND, home, HOME, NULL, 0);
    else
        r |=
            op(c, AL__OP_TMPFS, NULL, HOME,
               keep(a, "mode=0700,size=512m,uid=%u,gid=%u", (unsigned)c->uid, (unsigned)c->gid), 0);
    r |= op(c, AL__OP_DIR, NULL, "/airlock", NULL, 0);
    if (inbox != NULL)
        r |= op(c, AL__OP_RO_BIND, inbox, "/airlock/inbox", NULL, 0);
    else
        r |= op(c, AL__OP_EMPTY_RO, NULL, "/airlock/inbox", "mode=0555,size=4k", 0);
    r |= op(c, AL__OP_TMPFS, NULL, "/airlock/outbox",
            keep(a, "mode=0700,size=%llu,nr_inodes=1024,uid=%u,gid=%u",
                 (unsigned long long)(spec->limits.outbox_bytes ? spec->limits.outbox_bytes
                                                                : 256 * 1024),
                 (unsigned)c->uid, (unsigned)c->gid),
            0);
    if (spec->side == AL_SIDE_OFFLINE)
        r |= op(c, AL__OP_RW_BIND, workspace, "/workspace", NULL, 0);
    /* Last, so that a bind below /tmp or /usr lands on the compartment's own tree; the
     * paths were checked in ro_bind_ok(). */
    for (i = 0; i < spec->n_ro_binds; i++) {
        r |= ancestors(c, spec->ro_binds[i], a);
        r |= op(c, AL__OP_RO_BIND, spec->ro_binds[i], spec->ro_binds[i], NULL, 0);
    }
    return r != 0 ? AL_ENOMEM : 0;
}

/* Whether path is dir or lies below it. */
static int
within(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * A read-only bind must add a directory, never replace or cover one the compartment
 * builds itself: not "/", not an ancestor of one of those directories, and nothing in the
 * kernel's interfaces or the compartment's private directories. Then it must be a
 * directory that is its own real path, so that what is bound is what the person named
 * and a link swapped in later changes nothing.
 */
static int
ro_bind_ok(const char *path)
{
    static const char *const built[] = {"/usr",       "/etc",   "/dev",           "/proc",
                                        "/tmp",       HOME,     "/airlock/inbox", "/airlock/outbox",
                                        "/workspace", "/bin",   "/sbin",          "/lib",
                                        "/lib32",     "/lib64", "/libx32"};
    static const char *const closed[] = {"/proc", "/sys", "/dev", "/airlock", "/workspace", HOME};
    char real[PATH_MAX];
    struct stat st;
    size_t i;

    if (path == NULL || path[0] != '/')
        return al__fail(AL_EINVAL, "ro_binds: %s is not an absolute path", path ? path : "NULL");
    if (strcmp(path, "/") == 0)
        return al__fail(AL_EINVAL, "ro_binds: / would cover the whole compartment");
    for (i = 0; i < sizeof(built) / sizeof(built[0]); i++)
        if (within(built[i], path))
            return al__fail(AL_EINVAL, "ro_binds: %s would cover the compartment's %s", path,
                            built[i]);
    for (i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
        if (within(path, closed[i]))
            return al__fail(AL_EINVAL, "ro_binds: %s is inside %s", path, closed[i]);
    if (lstat(path, &st) != 0)
        return al__fail(AL_ESANDBOX, "ro_binds: %s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return al__fail(AL_ESANDBOX, "ro_binds: %s is a symbolic link", path);
    if (!S_ISDIR(st.st_mode))
        return al__fail(AL_ESANDBOX, "ro_binds: %s is not a directory", path);
    if (realpath(path, real) == NULL)
        return al__fail(AL_ESANDBOX, "ro_binds: %s: %s", path, strerror(errno));
    if (strcmp(real, path) != 0)
        return al__fail(AL_ESANDBOX,
                        "ro_binds: %s is not a real path (a symbolic link in it "
                        "leads to %s)",
                        path, real);
    return 0;
}

/* NAME=value with NAME [A-Za-z_][A-Za-z0-9_]*; returns the length of NAME, or 0. */
static size_t
env_name(const char *e)
{
    size_t n = 0;

    if (!(e[0] == '_' || (e[0] >= 'A' && e[0] <= 'Z') || (e[0] >= 'a' && e[0] <= 'z')))
        return 0;
    while (e[n] == '_' || (e[n] >= 'A' && e[n] <= 'Z') || (e[n] >= 'a' && e[n] <= 'z') ||
           (e[n] >= '0' && e[n] <= '9'))
        n++;
    return e[n] == '=' ? n : 0;
}

/* The caller's extra entries: well formed, each name once, none the compartment sets. */
static int
env_check(const struct al_compartment_spec *spec, size_t room)
{
    char name[256];
    size_t i, j, n;

    for (i = 0; spec->env[i] != NULL; i++) {
        if (i >= room)
            return al__fail(AL_EINVAL, "env: more than %zu entries", room);
        if ((n = env_name(spec->env[i])) == 0 || n >= sizeof(name))
            return al__fail(AL_EINVAL,
                            "env: entry %zu is not NAME=value with NAME made of "
                            "letters, digits and '_' (at most 255 bytes)",
                            i);
        memcpy(name, spec->env[i], n);
        name[n] = '\0';
        if (al_config_env_overridden(spec->side, name))
            return al__fail(AL_EINVAL, "env: %s is set by the %s compartment itself", name,
                            al_side_name(spec->side));
        for (j = 0; j < i; j++)
            if (strncmp(spec->env[j], spec->env[i], n + 1) == 0)
                return al__fail(AL_EINVAL, "env: %s is given twice", name);
    }
    return 0;
}

static int
landlock_plan(const struct al_compartment_spec *spec, struct al__child *c)
{
    const uint64_t read = AL_LL_FS_READ_FILE | AL_LL_FS_READ_DIR;
    uint64_t all = (AL_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0 to 12 */
    int full = 0;
    size_t i;

    if (c->landlock_abi >= 2)
        all |= AL_LL_FS_REFER;
    if (c->landlock_abi >= 3)
        all |= AL_LL_FS_TRUNCATE;
    if (c->landlock_abi >= 5)
        all |= AL_LL_FS_IOCTL_DEV;
    c->ll_fs_handled = all;
    if (c->landlock_abi >= 4)
        c->ll_net_handled = AL_LL_NET_BIND_TCP | AL_LL_NET_CONNECT_TCP;
    if (c->landlock_abi >= 6)
        c->ll_scoped = AL_LL_SCOPE_ABSTRACT_UNIX_SOCKET | AL_LL_SCOPE_SIGNAL;
    /* Listing is harmless anywhere: the whole tree is the compartment's own. */
    rule(c, "/", AL_LL_FS_READ_DIR, &full);
    rule(c, "/usr", read | AL_LL_FS_EXECUTE, &full);
    rule(c, "/etc", read, &full);
    /* Writing /proc/self/oom_score_adj and the like opens with O_TRUNC: TRUNCATE too. */
    rule(c, "/proc", read | AL_LL_FS_WRITE_FILE | AL_LL_FS_TRUNCATE, &full);
    rule(c, "/dev", read | AL_LL_FS_WRITE_FILE | AL_LL_FS_IOCTL_DEV, &full);
    rule(c, "/airlock/inbox", read, &full);
    rule(c, "/dev/shm", all, &full);
    rule(c, "/tmp", all, &full);
    rule(c, HOME, all, &full);
    rule(c, "/airlock/outbox", all & ~AL_LL_FS_EXECUTE, &full);
    if (c->side == AL_SIDE_OFFLINE)
        rule(c, "/workspace", all, &full);
    for (i = 0; i < spec->n_ro_binds; i++)
        rule(c, spec->ro_binds[i], read | AL_LL_FS_EXECUTE, &full);
    return full ? al__fail(AL_EINVAL, "too many landlock rules") : 0;
}

static const char *
resolve(const char *cmd, struct arena *a)
{
    static const char *const dirs[] = {"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin"};
    const char *p;
    size_t i;

    if (strchr(cmd, '/') != NULL)
        return keep(a, "%s", cmd);
    /* The compartment's /usr is the host's, read-only, so the host can answer. */
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        p = keep(a, "%s/%s", dirs[i], cmd);
        if (p != NULL && access(p, X_OK) == 0)
            return p;
    }
    return NULL;
}

static int
environment(const struct al_compartment_spec *spec, struct al__child *c, struct arena *a)
{
    size_t n = 0, i;

    /* An allowlist: nothing of the caller's environment is passed unless named here. */
    c->envp[n++] = (char *)(uintptr_t)keep(a, "PATH=/usr/local/bin:/usr/bin:/bin");
    c->envp[n++] = (char *)(uintptr_t)keep(a, "HOME=" HOME);
    c->envp[n++] = (char *)(uintptr_t)keep(a, "USER=agent");
    c->envp[n++] = (char *)(uintptr_t)keep(a, "TERM=%s", spec->term ? spec->term : "xterm");
    c->envp[n++] = (char *)(uintptr_t)keep(a, "LANG=%s", spec->lang ? spec->lang : "C.UTF-8");
    c->envp[n++] = (char *)(uintptr_t)keep(a, "AIRLOCK_COMPARTMENT=%s", al_side_name(spec->side));
    c->envp[n++] = (char *)(uintptr_t)keep(a, "AIRLOCK_INBOX=/airlock/inbox");
    c->envp[n++] = (char *)(uintptr_t)keep(a, "AIRLOCK_OUTBOX=/airlock/outbox");
    if (spec->side == AL_SIDE_ONLINE) {
        static const char *const vars[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                           "http_proxy", "https_proxy", "all_proxy"};

        for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
            c->envp[n++] =
                (char *)(uintptr_t)keep(a, "%s=http://127.0.0.1:%d", vars[i], AL_PROXY_PORT);
    }
    /* The caller's entries last; env_check() made sure none repeats a name above, and
     * they are the caller's memory, which the child's copy of it still holds. */
    for (i = 0; spec->env != NULL && spec->env[i] != NULL; i++)
        c->envp[n++] = spec->env[i];
    c->envp[n] = NULL;
    while (n-- > 0)
        if (c->envp[n] == NULL)
            return AL_ENOMEM;
    return 0;
}

int
al__policy_build(const struct al_compartment_spec *spec, struct al__child *c, char *strings,
                 size_t strings_len)
{
    struct arena a = {strings, strings_len};
    const struct al_limits *l = &spec->limits;
    const char *workspace = NULL, *inbox = NULL, *home = NULL;
    size_t i;
    int r;

    c->side = spec->side;
    c->hostname = spec->side == AL_SIDE_OFFLINE ? "airlock-offline" : "airlock-online";
    if (spec->argv == NULL || spec->argv[0] == NULL)
        return al__fail(AL_EINVAL, "no command to run");
    if (spec->side == AL_SIDE_OFFLINE && spec->workspace == NULL)
        return al__fail(AL_EINVAL, "the offline compartment needs a workspace");
    if (spec->side == AL_SIDE_ONLINE && spec->workspace != NULL)
        return al__fail(AL_EINVAL, "the online compartment never sees a workspace");
    /* Mount what the paths name now, not what a link in them may name later, and never a
     * link itself (it would be recreated inside as a dangling link). */
    if (spec->workspace != NULL &&
        (workspace = canonical(spec->workspace, "workspace", &a)) == NULL)
        return AL_ESANDBOX;
    if (spec->inbox != NULL && (inbox = canonical(spec->inbox, "inbox", &a)) == NULL)
        return AL_ESANDBOX;
    if (spec->home != NULL && spec->side != AL_SIDE_ONLINE)
        return al__fail(AL_EINVAL, "only the online compartment has a persistent home");
    if (spec->home != NULL && (home = canonical(spec->home, "home", &a)) == NULL)
        return AL_ESANDBOX;
    if (spec->n_ro_binds > AL__MAX_RO_BINDS || (spec->n_ro_binds && spec->ro_binds == NULL))
        return al__fail(AL_EINVAL, "ro_binds: at most %d paths", AL__MAX_RO_BINDS);
    for (i = 0; i < spec->n_ro_binds; i++)
        if ((r = ro_bind_ok(spec->ro_binds[i])) != 0)
            return r;
    /* Room for the compartment's own 14 variables. */
    if (spec->env != NULL && (r = env_check(spec, AL__MAX_ENV - 14)) != 0)
        return r;
    c->gated = spec->gated != 0;
    if ((c->exe = resolve(spec->argv[0], &a)) == NULL)
        return al__fail(-ENOENT, "%s: not found in /usr/local/bin, /usr/bin or /bin",
                        spec->argv[0]);
    c->argv = spec->argv;
    if ((r = mount_plan(spec, workspace, inbox, home, c, &a)) != 0 ||
        (r = environment(spec, c, &a)) != 0)
        return al__fail(r, "the compartment description is too large");
    if ((r = landlock_plan(spec, c)) != 0)
        return r;
    c->n_rlimits = 0;
    c->rlimits[c->n_rlimits++] = (struct rlimit_set){RLIMIT_CORE, 0};
    /* RLIMIT_AS caps address space, not memory: runtimes that reserve large ranges up
     * front (V8's pointer cage, Go, sanitizers) fail under it. It is the limit only when
     * no cgroup counts the memory actually used. */
    if (l->memory_bytes && !c->cgroup_memory)
        c->rlimits[c->n_rlimits++] = (struct rlimit_set){RLIMIT_AS, l->memory_bytes};
    if (l->pids)
        c->rlimits[c->n_rlimits++] = (struct rlimit_set){RLIMIT_NPROC, l->pids};
    if (l->cpu_s)
        c->rlimits[c->n_rlimits++] = (struct rlimit_set){RLIMIT_CPU, l->cpu_s};
    if (l->nofile)
        c->rlimits[c->n_rlimits++] = (struct rlimit_set){RLIMIT_NOFILE, l->nofile};
    return 0;
}
