/* config.c: parsing and checking airlock.json, and the egress allowlist (see config.h). */
#include <airlock/config.h>
#include <airlock/file.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <airlock/buf.h>
#include <airlock/json.h>
#include <airlock/render.h>
#include <airlock/utf8.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define WHERE_MAX 256 /* a JSON path in a message */
#define QUOTE_MAX 64  /* bytes of a value shown in a message */
#define QBUF 320      /* QUOTE_MAX bytes rendered, at worst 4 bytes of text per byte */
#define DEPTH 8       /* the schema needs 3 (root, side, limits); more is a type error anyway */

/* What the parser needs besides the text: the two directories "~" and the defaults use. */
struct ctx {
    char home[AL_CONFIG_PATH_MAX + 1];
    char confdir[AL_CONFIG_PATH_MAX + 1]; /* $XDG_CONFIG_HOME/airlock */
};

#define STR_(x) #x
#define STR(x) STR_(x) /* the text of a macro's value: STR(AL_PLAN_DEFAULT_MAX_BYTES) */

/* Rows of fields[] below; clang-format would spread each brace of a macro over lines. */
/* clang-format off */
#define F_PATH(name, def) {name, AL_CONFIG_PATH, 0, 0, 1, AL_CONFIG_PATH_MAX, def}
#define F_UINT(name, min, max, def) {name, AL_CONFIG_UINT, min, max, 0, 0, STR(def)}
/* The limits of one side, with its defaults (those of al_limits_default). */
#define F_LIMITS(side, memory_mb, pids, wall_s)                                                    \
    F_UINT(side ".limits.memory_mb", 16, 1048576, memory_mb),                                      \
    F_UINT(side ".limits.pids", 8, 65536, pids),                                                   \
    F_UINT(side ".limits.wall_s", 1, 604800, wall_s),                                              \
    F_UINT(side ".limits.cpu_s", 0, 604800, 0),                                                    \
    F_UINT(side ".limits.outbox_kb", 4, 65536, 256),                                               \
    F_UINT(side ".limits.nofile", 16, 1048576, 1024)
/* clang-format on */

/*
 * Every field the parser accepts, in the order of the schema in config.h. closed() checks
 * every object of the file against these names, and every reader below takes its range
 * and lengths from here (lookup()), so al_config_fields() gives out what the parser really
 * does, and the documentation test (docs.config) compares docs/config.md with it rather
 * than with a copy. An object that only groups fields (offline, offline.limits, plans) is
 * known through the fields beneath it. The defaults are written here for the documentation;
 * make_defaults() sets them, and unit.config checks that the two agree.
 */
static const struct al_config_field fields[] = {
    F_PATH("approver_pubkey", "$XDG_CONFIG_HOME/airlock/approver.pub"),
    {"offline.command", AL_CONFIG_STRINGS, 1, AL_CONFIG_ARGV_MAX, 0, AL_CONFIG_ARG_MAX,
     "[\"/bin/sh\"]"},
    F_PATH("offline.workspace", "~/airlock/workspace"),
    {"offline.ro_binds", AL_CONFIG_PATHS, 0, AL_CONFIG_RO_BINDS_MAX, 1, AL_CONFIG_PATH_MAX, "[]"},
    {"offline.env", AL_CONFIG_NAMES, 0, AL_CONFIG_ENV_MAX, 1, AL_CONFIG_ENV_NAME_MAX, "[]"},
    F_LIMITS("offline", 4096, 512, 3600),
    {"online.command", AL_CONFIG_STRINGS, 1, AL_CONFIG_ARGV_MAX, 0, AL_CONFIG_ARG_MAX,
     "[\"/bin/sh\"]"},
    F_PATH("online.home", NULL),
    {"online.ro_binds", AL_CONFIG_PATHS, 0, AL_CONFIG_RO_BINDS_MAX, 1, AL_CONFIG_PATH_MAX, "[]"},
    {"online.env", AL_CONFIG_NAMES, 0, AL_CONFIG_ENV_MAX, 1, AL_CONFIG_ENV_NAME_MAX, "[]"},
    F_LIMITS("online", 2048, 256, 1800),
    /* A rule is at most "*.", a name of AL_HOSTNAME_MAX bytes and ":65535"; a pin's value
     * is held to the same bound. */
    {"online.allow", AL_CONFIG_RULES, 0, AL_CONFIG_ALLOW_MAX, 1, AL_HOSTNAME_MAX + 8, "[]"},
    {"online.resolve", AL_CONFIG_PINS, 0, AL_CONFIG_RESOLVE_MAX, 1, AL_HOSTNAME_MAX + 8, "{}"},
    F_UINT("plans.max_bytes", 1, AL_PLAN_HARD_MAX_BYTES, AL_PLAN_DEFAULT_MAX_BYTES),
    F_UINT("plans.expire_h", 1, 8760, 72),
    {"plans.canaries", AL_CONFIG_STRINGS, 0, AL_CONFIG_CANARIES_MAX, AL_CONFIG_CANARY_MIN,
     AL_CONFIG_CANARY_MAX, "[]"},
    F_UINT("plans.max_pending", 1, 1000, 20),
    F_UINT("plans.max_proposals_per_session", 1, 1000, 10),
    {NULL, AL_CONFIG_PATH, 0, 0, 0, 0, NULL},
};

/*
 * Directories no compartment may be given. The kernel's interfaces and the directories
 * that hold host sockets (/run/user/UID/bus, /tmp/.X11-unix, docker.sock) would each be a
 * way out of the sandbox, so nothing beneath them may be bound either.
 */
static const char *const kernel_dirs[] = {"/proc", "/sys", "/dev", "/run", "/var/run"};
/* The system itself: a compartment that could write here could change the host. */
static const char *const system_dirs[] = {"/etc",   "/usr",   "/bin",    "/sbin", "/lib",
                                          "/lib32", "/lib64", "/libx32", "/boot"};
/* Directories that are never one program's own: they hold everyone's or everything. */
static const char *const shared_dirs[] = {"/", "/etc", "/home", "/root", "/tmp"};
/* The compartment's own mount points, which a bind at the same path would cover. */
static const char *const reserved_dirs[] = {"/airlock", "/workspace"};

/* The variables the compartment engine sets itself (compartments/policy.c). */
static const char *const env_both[] = {"PATH",          "HOME",          "USER",
                                       "TERM",          "LANG",          "AIRLOCK_COMPARTMENT",
                                       "AIRLOCK_INBOX", "AIRLOCK_OUTBOX"};
static const char *const env_online[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                         "http_proxy", "https_proxy", "all_proxy"};

/* ---- messages ---------------------------------------------------------------------- */

static int bad(int r, const char *where, const char *fmt, ...) AL_PRINTF(3, 4);

/* Sets the detail to "where: message" and returns r. */
static int
bad(int r, const char *where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return al__fail(r, "%s: %s", where, msg);
}

/*
 * Renders s[0..n) in double quotes for a message: at most QUOTE_MAX bytes of it (cut on a
 * character boundary, then "..."), with control, invisible and bidi characters shown as
 * visible tokens, because details end up on a terminal.
 */
static const char *
quoten(const char *s, size_t n, char out[QBUF])
{
    struct al_buf b;
    size_t cut = n > QUOTE_MAX ? QUOTE_MAX : n;

    while (cut > 0 && cut < n && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    al_buf_init(&b, QBUF);
    if (al_render_escape(s, cut, AL_RENDER_ESCAPE_NEWLINE, &b) != 0)
        snprintf(out, QBUF, "(a value that cannot be shown)");
    else
        snprintf(out, QBUF, "\"%s%s\"", b.data != NULL ? b.data : "", cut < n ? "..." : "");
    al_buf_close(&b);
    return out;
}

static const char *
quote(const char *s, char out[QBUF])
{
    return quoten(s, strlen(s), out);
}

static int
is_identifier(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return i > 0 && i <= QUOTE_MAX;
}

/* The path of member key of parent: "offline.limits", or online.resolve["a.test:80"]. */
static const char *
field(char out[WHERE_MAX], const char *parent, const char *key)
{
    char q[QBUF];

    if (is_identifier(key))
        snprintf(out, WHERE_MAX, "%s%s%s", parent, parent[0] != '\0' ? "." : "", key);
    else
        snprintf(out, WHERE_MAX, "%s[%s]", parent, quote(key, q));
    return out;
}

/* The path of item i of the array at parent: "online.allow[3]". */
static const char *
item(char out[WHERE_MAX], const char *parent, size_t i)
{
    snprintf(out, WHERE_MAX, "%s[%zu]", parent, i);
    return out;
}

/* ---- typed readers ----------------------------------------------------------------- */

/* The entry of fields[] for the JSON path name, or NULL. */
static const struct al_config_field *
spec(const char *name)
{
    const struct al_config_field *f;

    for (f = fields; f->name != NULL; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* The entry for a field the code below reads; a name missing from fields[] is a mistake in
 * this file, reported as AL_EINVAL rather than read without limits. */
static int
lookup(const char *where, enum al_config_type type, const struct al_config_field **out)
{
    const struct al_config_field *f = spec(where);

    if (f == NULL || f->type != type)
        return bad(AL_EINVAL, where, "not in the parser's table of fields as read here");
    *out = f;
    return 0;
}

/* Whether parent.key (key alone at the top level) is a field, or an object holding some. */
static int
is_field(const char *parent, const char *key)
{
    size_t pn = strlen(parent), kn = strlen(key);
    const struct al_config_field *f;
    const char *p;

    if (kn == 0 || strchr(key, '.') != NULL)
        return 0;
    for (f = fields; f->name != NULL; f++) {
        p = f->name;
        if (pn > 0) {
            if (strncmp(p, parent, pn) != 0 || p[pn] != '.')
                continue;
            p += pn + 1;
        }
        if (strncmp(p, key, kn) == 0 && (p[kn] == '\0' || p[kn] == '.'))
            return 1;
    }
    return 0;
}

/* Fails unless obj is an object whose every key is a field beneath where; a key that is
 * one beneath other instead (the other compartment) gets the reason why not. */
static int
closed(const cJSON *obj, const char *where, const char *other, const char *why)
{
    char w[WHERE_MAX];
    const cJSON *c;
    int theirs;

    if (!cJSON_IsObject(obj))
        return bad(AL_EJSONTYPE, where, "must be an object");
    for (c = obj->child; c != NULL; c = c->next) {
        if (is_field(where, c->string))
            continue;
        theirs = other != NULL && is_field(other, c->string);
        return bad(AL_EJSONUNKNOWN, field(w, where, c->string), "unknown field%s%s",
                   theirs ? ": " : "", theirs ? why : "");
    }
    return 0;
}

static int
get_string(const cJSON *v, const char *where, size_t max, const char **out)
{
    if (!cJSON_IsString(v))
        return bad(AL_EJSONTYPE, where, "must be a string");
    if (strlen(v->valuestring) > max)
        return bad(AL_ECONFIG, where, "longer than %zu bytes", max);
    *out = v->valuestring;
    return 0;
}

/* Reads the whole number v of the field where, in the range fields[] gives it. */
static int
get_uint(const cJSON *v, const char *where, uint64_t *out)
{
    const struct al_config_field *f = NULL;
    uint64_t min, max;
    double d;
    int r;

    if ((r = lookup(where, AL_CONFIG_UINT, &f)) != 0)
        return r;
    min = f->min;
    max = f->max;
    if (!cJSON_IsNumber(v))
        return bad(AL_EJSONTYPE, where, "must be a number");
    d = v->valuedouble;
    if (!isfinite(d) || d != floor(d))
        return bad(AL_ECONFIG, where, "must be a whole number from %llu to %llu",
                   (unsigned long long)min, (unsigned long long)max);
    if (d < (double)min || d > (double)max)
        return bad(AL_ECONFIG, where, "%.17g is out of range %llu..%llu", d,
                   (unsigned long long)min, (unsigned long long)max);
    *out = (uint64_t)d;
    return 0;
}

/* Reads the size of the array v of the field f, which must be within f's range. */
static int
get_array(const cJSON *v, const struct al_config_field *f, size_t *n)
{
    size_t k;

    if (!cJSON_IsArray(v))
        return bad(AL_EJSONTYPE, f->name, "must be an array");
    k = (size_t)cJSON_GetArraySize(v);
    if (k < f->min || k > f->max)
        return bad(AL_ECONFIG, f->name, "has %zu items; %llu to %llu allowed", k,
                   (unsigned long long)f->min, (unsigned long long)f->max);
    *n = k;
    return 0;
}

static void
strv_free(char **v, size_t n)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Checks item i (at where) of a string list and makes the copy to keep in *out. */
typedef int (*item_fn)(const struct ctx *x, const char *where, size_t i, const char *s, char **out);

/*
 * Reads the array v of the field where (a list of strings of the given type) through fn
 * into a NULL-terminated list, with the number of items and the bytes of each item that
 * fields[] allows. With unique, two items that fn turned into the same string are an
 * error. Replaces *vp and *np only on success.
 */
static int
parse_list(const cJSON *v, const struct ctx *x, const char *where, enum al_config_type type,
           item_fn fn, int unique, char ***vp, size_t *np)
{
    const struct al_config_field *f = NULL;
    char w[WHERE_MAX], q[QBUF], **list = NULL;
    const cJSON *it;
    const char *s = NULL;
    size_t n = 0, i = 0, j;
    int r;

    if ((r = lookup(where, type, &f)) != 0 || (r = get_array(v, f, &n)) != 0)
        return r;
    if ((list = calloc(n + 1, sizeof(*list))) == NULL)
        return AL_ENOMEM;
    cJSON_ArrayForEach(it, v)
    {
        item(w, where, i);
        if ((r = get_string(it, w, f->len_max, &s)) != 0 || (r = fn(x, w, i, s, &list[i])) != 0)
            goto out;
        /* After fn, whose messages for an empty item are more to the point. */
        if (strlen(s) < f->len_min) {
            r = bad(AL_ECONFIG, w, "%s: shorter than %zu bytes", quote(s, q), f->len_min);
            goto out;
        }
        for (j = 0; unique && j < i; j++) {
            if (strcmp(list[j], list[i]) == 0) {
                r = bad(AL_ECONFIG, w, "%s is listed twice (also %s[%zu])", quote(s, q), where, j);
                goto out;
            }
        }
        i++;
    }
    strv_free(*vp, *np);
    *vp = list;
    *np = n;
    list = NULL; /* transferred */
    /* success */ r = 0;
out:
    strv_free(list, n);
    return r;
}

static int
dup_into(const char *s, char **out)
{
    if ((*out = strdup(s)) == NULL)
        return AL_ENOMEM;
    return 0;
}

/* ---- paths ------------------------------------------------------------------------- */

/*
 * Lexically normalises the absolute path in into out[0..outlen): repeated slashes, "."
 * components and a trailing slash go, and ".." removes the component before it ("/.." is
 * "/", as in the kernel). Sets *dotdot if a ".." was seen. -1 if the result does not fit.
 */
static int
normalise(const char *in, char *out, size_t outlen, int *dotdot)
{
    const char *p = in, *q;
    size_t o = 0, n;

    *dotdot = 0;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        q = strchr(p, '/');
        n = q != NULL ? (size_t)(q - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            *dotdot = 1;
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else if (!(n == 1 && p[0] == '.')) {
            if (o + 1 + n >= outlen)
                return -1;
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return 0;
}

/* 1 if path is base or lies beneath it (both absolute and normalised). */
static int
within(const char *path, const char *base)
{
    size_t n = strlen(base);

    if (n == 1)
        return 1;
    return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * Expands a path from the file: "~" and "~/..." start at the home directory, anything else
 * must be absolute. Sets *out to the normalised result. With no_dotdot, ".." is an error.
 */
static int
expand_path(const struct ctx *x, const char *where, const char *s, int no_dotdot, char **out)
{
    char raw[2 * AL_CONFIG_PATH_MAX + 2], norm[AL_CONFIG_PATH_MAX + 1], q[QBUF];
    const char *p;
    size_t k;
    int dotdot;

    if (s[0] == '\0')
        return bad(AL_ECONFIG, where, "empty path");
    /* No control, invisible or direction-changing character: paths are shown to people. */
    for (p = s; *p != '\0'; p += k) {
        uint32_t cp;

        if ((k = al_utf8_decode(p, strlen(p), &cp)) == 0 || al_render_is_hidden(cp))
            return bad(AL_ECONFIG, where, "%s: control character or invisible character in a path",
                       quote(s, q));
    }
    if (s[0] == '~' && (s[1] == '\0' || s[1] == '/'))
        snprintf(raw, sizeof(raw), "%s%s", x->home, s + 1);
    else if (s[0] == '~')
        return bad(AL_ECONFIG, where, "%s: only \"~/\" is expanded; write the path out",
                   quote(s, q));
    else if (s[0] != '/')
        return bad(AL_ECONFIG, where, "%s: must be absolute or start with \"~/\"", quote(s, q));
    else
        snprintf(raw, sizeof(raw), "%s", s);
    if (normalise(raw, norm, sizeof(norm), &dotdot) != 0)
        return bad(AL_ECONFIG, where, "%s: longer than %d bytes once expanded", quote(s, q),
                   AL_CONFIG_PATH_MAX);
    if (no_dotdot && dotdot)
        return bad(AL_ECONFIG, where, "%s: \"..\" components are not allowed", quote(s, q));
    return dup_into(norm, out);
}

/* Rules for a directory a compartment writes to: offline.workspace and online.home. */
static int
check_rw_dir(const struct ctx *x, const char *where, const char *p)
{
    char q[QBUF];
    size_t i;

    for (i = 0; i < COUNT(shared_dirs); i++)
        if (strcmp(p, shared_dirs[i]) == 0)
            return bad(AL_ECONFIG, where, "%s: not a directory of its own", quote(p, q));
    for (i = 0; i < COUNT(kernel_dirs); i++)
        if (within(p, kernel_dirs[i]))
            return bad(AL_ECONFIG, where, "%s: lies in %s (kernel interfaces and host sockets)",
                       quote(p, q), kernel_dirs[i]);
    for (i = 0; i < COUNT(system_dirs); i++)
        if (within(p, system_dirs[i]))
            return bad(AL_ECONFIG, where, "%s: lies in the system directory %s", quote(p, q),
                       system_dirs[i]);
    if (within(x->home, p))
        return bad(AL_ECONFIG, where, "%s: is or contains the home directory", quote(p, q));
    if (within(x->confdir, p))
        return bad(AL_ECONFIG, where,
                   "%s: contains %s, which holds the configuration and the approver key",
                   quote(p, q), x->confdir);
    return 0;
}

static int
check_ro_bind(const struct ctx *x, const char *where, const char *p, const char *workspace,
              const char *online_home)
{
    char q[QBUF];
    size_t i;

    for (i = 0; i < COUNT(shared_dirs); i++)
        if (strcmp(p, shared_dirs[i]) == 0)
            return bad(AL_ECONFIG, where, "%s: not allowed", quote(p, q));
    for (i = 0; i < COUNT(kernel_dirs); i++)
        if (within(p, kernel_dirs[i]))
            return bad(AL_ECONFIG, where, "%s: lies in %s (kernel interfaces and host sockets)",
                       quote(p, q), kernel_dirs[i]);
    if (within(p, "/tmp"))
        return bad(AL_ECONFIG, where, "%s: lies in /tmp (host sockets such as /tmp/.X11-unix)",
                   quote(p, q));
    for (i = 0; i < COUNT(reserved_dirs); i++)
        if (within(p, reserved_dirs[i]))
            return bad(AL_ECONFIG, where, "%s: would cover the compartment's own %s", quote(p, q),
                       reserved_dirs[i]);
    if (within(x->home, p))
        return bad(AL_ECONFIG, where, "%s: is or contains the home directory", quote(p, q));
    /* The configuration and the approver's keys are no compartment's business. */
    if (within(p, x->confdir) || within(x->confdir, p))
        return bad(AL_ECONFIG, where,
                   "%s: %s %s, which holds the configuration and the "
                   "approver key",
                   quote(p, q), within(p, x->confdir) ? "lies inside" : "contains", x->confdir);
    /* The online side's own files would reach the offline side unreviewed. */
    if (online_home != NULL && (within(p, online_home) || within(online_home, p)))
        return bad(AL_ECONFIG, where, "%s: %s online.home", quote(p, q),
                   within(p, online_home) ? "lies inside" : "contains");
    if (within(p, workspace))
        return bad(AL_ECONFIG, where, "%s: lies inside offline.workspace", quote(p, q));
    if (within(workspace, p))
        return bad(AL_ECONFIG, where, "%s: contains offline.workspace", quote(p, q));
    return 0;
}

/* The checks between fields, once everything is read (defaults included). */
static int
check_paths(const struct ctx *x, const struct al_config *c)
{
    const struct al_config_side *off = &c->side[AL_SIDE_OFFLINE], *on = &c->side[AL_SIDE_ONLINE];
    const char *ws = off->workspace;
    char w[WHERE_MAX], q[QBUF];
    size_t i;
    int s, r;

    if ((r = check_rw_dir(x, "offline.workspace", ws)) != 0)
        return r;
    if (on->home != NULL) {
        if ((r = check_rw_dir(x, "online.home", on->home)) != 0)
            return r;
        if (within(on->home, ws))
            return bad(AL_ECONFIG, "online.home", "%s: %s offline.workspace", quote(on->home, q),
                       strcmp(on->home, ws) == 0 ? "is" : "lies inside");
        if (within(ws, on->home))
            return bad(AL_ECONFIG, "online.home", "%s: contains offline.workspace",
                       quote(on->home, q));
    }
    for (s = 0; s < 2; s++) {
        for (i = 0; i < c->side[s].n_ro_binds; i++) {
            snprintf(w, sizeof(w), "%s.ro_binds[%zu]", al_side_name((enum al_side)s), i);
            if ((r = check_ro_bind(x, w, c->side[s].ro_binds[i], ws,
                                   s == AL_SIDE_OFFLINE ? on->home : NULL)) != 0)
                return r;
        }
    }
    /* Whoever can write the approver's public key can approve plans. */
    if (within(c->approver_pubkey, ws))
        return bad(AL_ECONFIG, "approver_pubkey",
                   "%s: lies inside offline.workspace, where the agent could replace it",
                   quote(c->approver_pubkey, q));
    if (on->home != NULL && within(c->approver_pubkey, on->home))
        return bad(AL_ECONFIG, "approver_pubkey",
                   "%s: lies inside online.home, where the agent could replace it",
                   quote(c->approver_pubkey, q));
    return 0;
}

/* ---- hosts ------------------------------------------------------------------------- */

#define HP_WILDCARD 0x1 /* a leading "*." is allowed */
#define HP_PORT 0x2     /* a port is required */

struct hostport {
    enum al_host_kind kind;
    int wildcard;
    char host[AL_HOSTNAME_MAX + 1]; /* lowercase name, or the canonical address */
    unsigned char addr[16];
    unsigned port; /* 0: none given */
};

/*
 * Checks the RFC 1123 host name s[0..n) and writes it, folded to lowercase, to out.
 * Returns NULL, or why not. A last label of digits only is refused because resolvers
 * would read "1.2.3.999" or "10.1" as an address; so is anything inet_aton(3) accepts,
 * which catches hexadecimal and octal forms such as "0x7f000001".
 */
static const char *
check_name(const char *s, size_t n, char out[AL_HOSTNAME_MAX + 1])
{
    size_t i, label = 0;
    int digits = 1;
    struct in_addr a;
    unsigned char ch;

    if (n > AL_HOSTNAME_MAX)
        return "host name longer than 253 bytes";
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (label == 0 && i == n && n > 0)
                return "a trailing dot (write the name without it)";
            if (label == 0)
                return "empty label";
            if (s[i - 1] == '-')
                return "label ends with a hyphen";
            if (i == n && digits)
                return "last label is all digits (and not a valid IPv4 address)";
            if (i < n)
                out[i] = '.';
            label = 0;
            digits = 1;
            continue;
        }
        ch = (unsigned char)s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
            return "a host name has only letters, digits, hyphens and dots "
                   "(other scripts in their xn-- form)";
        if (ch == '-' && label == 0)
            return "label starts with a hyphen";
        if (++label > 63)
            return "label longer than 63 bytes";
        if (ch < '0' || ch > '9')
            digits = 0;
        out[i] = (char)ch;
    }
    out[n] = '\0';
    if (inet_aton(out, &a) != 0)
        return "reads as a numeric address; write addresses in dotted decimal";
    return NULL;
}

/* Parses "1".."65535" with no sign, no leading zero and nothing after it. */
static const char *
parse_port(const char *p, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    if (p[0] == '\0')
        return "empty port";
    for (i = 0; p[i] != '\0'; i++) {
        if (p[i] < '0' || p[i] > '9' || i >= 5 || (i == 0 && p[i] == '0'))
            return "the port must be a number from 1 to 65535";
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v > 65535)
        return "the port must be a number from 1 to 65535";
    *out = v;
    return NULL;
}

static int
all_digits_dots(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            return 0;
    return n > 0;
}

/* Parses "host[:port]" as described for online.allow. Returns NULL, or why not. */
static const char *
parse_hostport(const char *s, unsigned flags, struct hostport *hp)
{
    const char *end, *colon, *port = NULL, *why;
    char tmp[INET6_ADDRSTRLEN + 1];
    size_t n = strlen(s), hn;

    memset(hp, 0, sizeof(*hp));
    if (n == 0)
        return "empty";
    if (strcmp(s, "*") == 0 || strncmp(s, "*:", 2) == 0)
        return "\"*\" would allow every host";
    if (strstr(s, "://") != NULL)
        return "a scheme is not allowed; write the host alone";
    if (strchr(s, '/') != NULL)
        return "a path is not allowed; a rule names a host, not a URL";
    if (strchr(s, '@') != NULL)
        return "\"@\" is not allowed; a rule names a host, not a user";
    if (strpbrk(s, " \t\r\n\v\f") != NULL)
        return "whitespace is not allowed";
    if (s[0] == '[') {
        if ((end = strchr(s, ']')) == NULL)
            return "\"[\" without \"]\"";
        hn = (size_t)(end - s - 1);
        if (hn == 0 || hn >= sizeof(tmp))
            return "not a valid IPv6 address";
        memcpy(tmp, s + 1, hn);
        tmp[hn] = '\0';
        if (inet_pton(AF_INET6, tmp, hp->addr) != 1)
            return "not a valid IPv6 address";
        hp->kind = AL_HOST_IPV6;
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return "unexpected text after \"]\"";
    } else {
        colon = strchr(s, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            return "an IPv6 address must be written in brackets";
        hn = colon != NULL ? (size_t)(colon - s) : n;
        if (colon != NULL)
            port = colon + 1;
        if (hn >= 2 && s[0] == '*' && s[1] == '.') {
            if (!(flags & HP_WILDCARD))
                return "a wildcard is not allowed here";
            hp->wildcard = 1;
            s += 2;
            hn -= 2;
        }
        if (memchr(s, '*', hn) != NULL)
            return "\"*\" may only appear as a leading \"*.\"";
        if (hn == 0 && !hp->wildcard)
            return "no host name";
        if (all_digits_dots(s, hn)) {
            if (hp->wildcard)
                return "a wildcard applies to names, not addresses";
            if (hn >= sizeof(tmp))
                return "not a valid IPv4 address";
            memcpy(tmp, s, hn);
            tmp[hn] = '\0';
            if (inet_pton(AF_INET, tmp, hp->addr) != 1)
                return "not a valid IPv4 address";
            hp->kind = AL_HOST_IPV4;
        } else {
            if ((why = check_name(s, hn, hp->host)) != NULL)
                return why;
            hp->kind = AL_HOST_NAME;
        }
    }
    if (port != NULL && (why = parse_port(port, &hp->port)) != NULL)
        return why;
    if (port == NULL && (flags & HP_PORT))
        return "a port is required";
    if (hp->kind != AL_HOST_NAME && inet_ntop(hp->kind == AL_HOST_IPV4 ? AF_INET : AF_INET6,
                                              hp->addr, hp->host, sizeof(hp->host)) == NULL)
        return "not a valid address";
    return NULL;
}

/* The canonical text of a parsed rule. */
static int
hostport_text(const struct hostport *hp, char **out)
{
    char buf[AL_HOSTNAME_MAX + 24], port[16] = "";

    if (hp->port != 0)
        snprintf(port, sizeof(port), ":%u", hp->port);
    if (hp->kind == AL_HOST_IPV6)
        snprintf(buf, sizeof(buf), "[%s]%s", hp->host, port);
    else
        snprintf(buf, sizeof(buf), "%s%s%s", hp->wildcard ? "*." : "", hp->host, port);
    return dup_into(buf, out);
}

static void
allow_free(struct al_config_allow *a, size_t n)
{
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < n; i++) {
        free(a[i].text);
        free(a[i].host);
    }
    free(a);
}

static void
pins_free(struct al_config_pin *p, size_t n)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < n; i++) {
        free(p[i].host);
        free(p[i].addr_text);
    }
    free(p);
}

static int
parse_allow(const cJSON *v, const char *where, struct al_config_side *s)
{
    const struct al_config_field *f = NULL;
    struct al_config_allow *rules = NULL, *a;
    char w[WHERE_MAX], q[QBUF];
    struct hostport hp;
    const char *text = NULL, *why;
    const cJSON *it;
    size_t n = 0, i = 0, j;
    int r;

    if ((r = lookup(where, AL_CONFIG_RULES, &f)) != 0 || (r = get_array(v, f, &n)) != 0)
        return r;
    if ((rules = calloc(n + 1, sizeof(*rules))) == NULL)
        return AL_ENOMEM;
    cJSON_ArrayForEach(it, v)
    {
        item(w, where, i);
        if ((r = get_string(it, w, f->len_max, &text)) != 0)
            goto out;
        if ((why = parse_hostport(text, HP_WILDCARD, &hp)) != NULL) {
            r = bad(AL_ECONFIG, w, "%s: %s", quote(text, q), why);
            goto out;
        }
        a = &rules[i];
        a->kind = hp.kind;
        a->wildcard = hp.wildcard;
        memcpy(a->addr, hp.addr, sizeof(a->addr));
        a->port = hp.port;
        if ((r = hostport_text(&hp, &a->text)) != 0 || (r = dup_into(hp.host, &a->host)) != 0)
            goto out;
        for (j = 0; j < i; j++) {
            if (strcmp(rules[j].text, a->text) == 0) {
                r = bad(AL_ECONFIG, w, "%s is listed twice (also %s[%zu])", quote(text, q), where,
                        j);
                goto out;
            }
        }
        i++;
    }
    allow_free(s->allow, s->n_allow);
    s->allow = rules;
    s->n_allow = n;
    rules = NULL; /* transferred */
    /* success */ r = 0;
out:
    allow_free(rules, n);
    return r;
}

static int
parse_resolve(const cJSON *obj, const char *where, struct al_config_side *s)
{
    const struct al_config_field *f = NULL;
    struct al_config_pin *pins = NULL, *p;
    char w[WHERE_MAX], q[QBUF];
    struct hostport key, val;
    const char *why, *text = NULL;
    const cJSON *it;
    size_t n = 0, i = 0, j;
    int r;

    if ((r = lookup(where, AL_CONFIG_PINS, &f)) != 0)
        return r;
    if (!cJSON_IsObject(obj))
        return bad(AL_EJSONTYPE, where, "must be an object");
    for (it = obj->child; it != NULL; it = it->next)
        n++;
    if (n < f->min || n > f->max)
        return bad(AL_ECONFIG, where, "has %zu members; %llu to %llu allowed", n,
                   (unsigned long long)f->min, (unsigned long long)f->max);
    if ((pins = calloc(n + 1, sizeof(*pins))) == NULL)
        return AL_ENOMEM;
    for (it = obj->child; it != NULL; it = it->next, i++) {
        field(w, where, it->string);
        if ((why = parse_hostport(it->string, HP_PORT, &key)) != NULL) {
            r = bad(AL_ECONFIG, w, "%s: %s", quote(it->string, q), why);
            goto out;
        }
        if (key.kind != AL_HOST_NAME) {
            r = bad(AL_ECONFIG, w, "%s: must name a host, not an address", quote(it->string, q));
            goto out;
        }
        if ((r = get_string(it, w, f->len_max, &text)) != 0)
            goto out;
        why = parse_hostport(text, HP_PORT, &val);
        if (why == NULL && val.kind == AL_HOST_NAME)
            why = "must be an IP address and a port (a pin is never looked up)";
        if (why != NULL) {
            r = bad(AL_ECONFIG, w, "%s: %s", quote(text, q), why);
            goto out;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(pins[j].host, key.host) == 0 && pins[j].port == key.port) {
                r = bad(AL_ECONFIG, w, "pins the same name and port as another member");
                goto out;
            }
        }
        p = &pins[i];
        p->port = key.port;
        p->kind = val.kind;
        memcpy(p->addr, val.addr, sizeof(p->addr));
        p->addr_port = val.port;
        if ((r = dup_into(key.host, &p->host)) != 0 || (r = dup_into(val.host, &p->addr_text)) != 0)
            goto out;
    }
    pins_free(s->resolve, s->n_resolve);
    s->resolve = pins;
    s->n_resolve = n;
    pins = NULL; /* transferred */
    /* success */ r = 0;
out:
    pins_free(pins, n);
    return r;
}

/* ---- fields ------------------------------------------------------------------------ */

static int
command_item(const struct ctx *x, const char *where, size_t i, const char *s, char **out)
{
    char q[QBUF];
    const char *p, *end;
    size_t n;

    (void)x;
    if (i == 0 && s[0] == '\0')
        return bad(AL_ECONFIG, where, "the program must not be empty");
    for (p = strchr(s, '{'); p != NULL; p = strchr(p, '{')) {
        if ((end = strchr(p + 1, '}')) == NULL)
            break;
        n = (size_t)(end - p - 1);
        if (n != 4 || (memcmp(p + 1, "task", 4) != 0 && memcmp(p + 1, "plan", 4) != 0))
            return bad(AL_ECONFIG, where,
                       "unknown placeholder %s; only {task} and {plan} are expanded",
                       quoten(p, (size_t)(end - p) + 1, q));
        if (i == 0)
            return bad(AL_ECONFIG, where, "the program must not contain a placeholder");
        p = end + 1;
    }
    return dup_into(s, out);
}

static int
path_item(const struct ctx *x, const char *where, size_t i, const char *s, char **out)
{
    (void)i;
    return expand_path(x, where, s, 1, out);
}

static int
env_item(const struct ctx *x, const char *where, size_t i, const char *s, char **out)
{
    char q[QBUF];
    size_t k;

    (void)x;
    (void)i;
    for (k = 0; s[k] != '\0'; k++)
        if (!(s[k] == '_' || (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
              (k > 0 && s[k] >= '0' && s[k] <= '9')))
            break;
    if (k == 0 || s[k] != '\0')
        return bad(AL_ECONFIG, where, "%s: not a variable name ([A-Za-z_][A-Za-z0-9_]*)",
                   quote(s, q));
    return dup_into(s, out);
}

static int
canary_item(const struct ctx *x, const char *where, size_t i, const char *s, char **out)
{
    char q[QBUF];
    size_t k, n = strlen(s);

    (void)x;
    (void)i;
    for (k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return bad(AL_ECONFIG, where, "%s: control character in a canary", quote(s, q));
    return dup_into(s, out);
}

/* Reads member key of obj, if it is there, into *dst: the whole number times scale, in the
 * range fields[] gives parent.key. */
static int
read_u64(const cJSON *obj, const char *parent, const char *key, uint64_t scale, uint64_t *dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char w[WHERE_MAX];
    uint64_t u = 0;
    int r;

    if (v == NULL)
        return 0;
    if ((r = get_uint(v, field(w, parent, key), &u)) != 0)
        return r;
    *dst = u * scale;
    return 0;
}

/* The same for a field whose range in fields[] fits 32 bits. */
static int
read_u32(const cJSON *obj, const char *parent, const char *key, uint32_t *dst)
{
    uint64_t u = *dst;
    int r;

    if ((r = read_u64(obj, parent, key, 1, &u)) != 0)
        return r;
    *dst = (uint32_t)u;
    return 0;
}

/* Reads member key of obj, a path, if it is there, and replaces *dst with it expanded. */
static int
read_path(const cJSON *obj, const struct ctx *x, const char *parent, const char *key, char **dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    const struct al_config_field *f = NULL;
    const char *str = NULL;
    char w[WHERE_MAX], *path = NULL;
    int r;

    if (v == NULL)
        return 0;
    field(w, parent, key);
    if ((r = lookup(w, AL_CONFIG_PATH, &f)) != 0 || (r = get_string(v, w, f->len_max, &str)) != 0 ||
        (r = expand_path(x, w, str, 0, &path)) != 0)
        return r;
    free(*dst);
    *dst = path;
    return 0;
}

static int
parse_limits(const cJSON *obj, const char *where, struct al_limits *l)
{
    int r;

    if ((r = closed(obj, where, NULL, "")) != 0 ||
        (r = read_u64(obj, where, "memory_mb", 1 << 20, &l->memory_bytes)) != 0 ||
        (r = read_u32(obj, where, "pids", &l->pids)) != 0 ||
        (r = read_u32(obj, where, "wall_s", &l->wall_s)) != 0 ||
        (r = read_u32(obj, where, "cpu_s", &l->cpu_s)) != 0 ||
        (r = read_u64(obj, where, "outbox_kb", 1024, &l->outbox_bytes)) != 0 ||
        (r = read_u32(obj, where, "nofile", &l->nofile)) != 0)
        return r;
    return 0;
}

static int
parse_side(const cJSON *obj, const struct ctx *x, enum al_side side, struct al_config_side *s)
{
    const char *name = al_side_name(side);
    char w[WHERE_MAX];
    const cJSON *v;
    int r;

    if (side == AL_SIDE_OFFLINE)
        r = closed(obj, name, "online", "only the online compartment has this");
    else
        r = closed(obj, name, "offline", "the online compartment never sees the workspace");
    if (r != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "command")) != NULL &&
        (r = parse_list(v, x, field(w, name, "command"), AL_CONFIG_STRINGS, command_item, 0,
                        &s->argv, &s->argc)) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "ro_binds")) != NULL &&
        (r = parse_list(v, x, field(w, name, "ro_binds"), AL_CONFIG_PATHS, path_item, 1,
                        &s->ro_binds, &s->n_ro_binds)) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "env")) != NULL &&
        (r = parse_list(v, x, field(w, name, "env"), AL_CONFIG_NAMES, env_item, 1, &s->env,
                        &s->n_env)) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "limits")) != NULL &&
        (r = parse_limits(v, field(w, name, "limits"), &s->limits)) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "allow")) != NULL &&
        (r = parse_allow(v, field(w, name, "allow"), s)) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "resolve")) != NULL &&
        (r = parse_resolve(v, field(w, name, "resolve"), s)) != 0)
        return r;
    /* The schema lets only the offline side have a workspace and only the online a home. */
    if (side == AL_SIDE_OFFLINE)
        return read_path(obj, x, name, "workspace", &s->workspace);
    return read_path(obj, x, name, "home", &s->home);
}

static int
parse_plans(const cJSON *obj, const struct ctx *x, struct al_config_plans *p)
{
    char w[WHERE_MAX];
    const cJSON *v;
    int r;

    if ((r = closed(obj, "plans", NULL, "")) != 0 ||
        (r = read_u64(obj, "plans", "max_bytes", 1, &p->max_bytes)) != 0 ||
        (r = read_u32(obj, "plans", "expire_h", &p->expire_h)) != 0 ||
        (r = read_u32(obj, "plans", "max_pending", &p->max_pending)) != 0 ||
        (r = read_u32(obj, "plans", "max_proposals_per_session", &p->max_proposals_per_session)) !=
            0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "canaries")) != NULL &&
        (r = parse_list(v, x, field(w, "plans", "canaries"), AL_CONFIG_STRINGS, canary_item, 1,
                        &p->canaries, &p->n_canaries)) != 0)
        return r;
    return 0;
}

static int
parse_root(const cJSON *root, const struct ctx *x, struct al_config *c)
{
    const cJSON *v;
    int r;

    if (!cJSON_IsObject(root))
        return al__fail(AL_EJSONTYPE, "the configuration must be a JSON object");
    if ((r = closed(root, "", NULL, "")) != 0)
        return r;
    if ((r = read_path(root, x, "", "approver_pubkey", &c->approver_pubkey)) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "offline")) != NULL &&
        (r = parse_side(v, x, AL_SIDE_OFFLINE, &c->side[AL_SIDE_OFFLINE])) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "online")) != NULL &&
        (r = parse_side(v, x, AL_SIDE_ONLINE, &c->side[AL_SIDE_ONLINE])) != 0)
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "plans")) != NULL &&
        (r = parse_plans(v, x, &c->plans)) != 0)
        return r;
    return 0;
}

/* ---- defaults and entry points ----------------------------------------------------- */

static int
setup(struct ctx *x, const char *home, const char *config_home)
{
    char raw[2 * AL_CONFIG_PATH_MAX + 2];
    int dotdot;

    if (home == NULL || home[0] != '/' || strlen(home) > AL_CONFIG_PATH_MAX ||
        normalise(home, x->home, sizeof(x->home), &dotdot) != 0)
        return al__fail(AL_EINVAL,
                        "the home directory must be an absolute path of at most %d "
                        "bytes",
                        AL_CONFIG_PATH_MAX);
    /* XDG: an unset, empty or relative $XDG_CONFIG_HOME means ~/.config. */
    if (config_home != NULL && config_home[0] == '/' && strlen(config_home) <= AL_CONFIG_PATH_MAX)
        snprintf(raw, sizeof(raw), "%s/airlock", config_home);
    else
        snprintf(raw, sizeof(raw), "%s/.config/airlock", x->home);
    if (normalise(raw, x->confdir, sizeof(x->confdir), &dotdot) != 0)
        return al__fail(AL_EINVAL, "the configuration directory is longer than %d bytes",
                        AL_CONFIG_PATH_MAX);
    return 0;
}

static int
make_defaults(const struct ctx *x, struct al_config **out)
{
    static const char *const pubkey = "/approver.pub";
    struct al_config *c = NULL;
    int s, r = AL_ENOMEM;

    if ((c = calloc(1, sizeof(*c))) == NULL)
        goto out;
    if (strlen(x->confdir) + strlen(pubkey) > AL_CONFIG_PATH_MAX) {
        r = al__fail(AL_EINVAL, "the configuration directory is too long for approver.pub");
        goto out;
    }
    if ((c->approver_pubkey = malloc(strlen(x->confdir) + strlen(pubkey) + 1)) == NULL)
        goto out;
    memcpy(c->approver_pubkey, x->confdir, strlen(x->confdir));
    memcpy(c->approver_pubkey + strlen(x->confdir), pubkey, strlen(pubkey) + 1);
    for (s = 0; s < 2; s++) {
        al_limits_default((enum al_side)s, &c->side[s].limits);
        if ((c->side[s].argv = calloc(2, sizeof(char *))) == NULL ||
            (c->side[s].argv[0] = strdup("/bin/sh")) == NULL)
            goto out;
        c->side[s].argc = 1;
    }
    if ((r = expand_path(x, "offline.workspace", "~/airlock/workspace", 0,
                         &c->side[AL_SIDE_OFFLINE].workspace)) != 0)
        goto out;
    c->plans.max_bytes = AL_PLAN_DEFAULT_MAX_BYTES;
    c->plans.expire_h = 72;
    c->plans.max_pending = 20;
    c->plans.max_proposals_per_session = 10;
    *out = c;
    c = NULL; /* transferred */
    /* success */ r = 0;
out:
    al_config_free(c);
    return r;
}

int
al_config_defaults(const char *home, const char *config_home, struct al_config **out)
{
    struct al_config *c = NULL;
    struct ctx x;
    int r;

    al_errclear();
    if ((r = setup(&x, home, config_home)) != 0 || (r = make_defaults(&x, &c)) != 0 ||
        (r = check_paths(&x, c)) != 0)
        goto out;
    *out = c;
    c = NULL; /* transferred */
    /* success */ r = 0;
out:
    al_config_free(c);
    return r;
}

int
al_config_parse(const char *json, size_t len, const char *home, const char *config_home,
                struct al_config **out)
{
    struct al_config *c = NULL;
    cJSON *root = NULL;
    struct ctx x;
    int r;

    al_errclear();
    if (json == NULL)
        return al__fail(AL_EINVAL, "no configuration text");
    if ((r = setup(&x, home, config_home)) != 0 ||
        (r = al_json_parse(json, len, AL_CONFIG_FILE_MAX, DEPTH, &root)) != 0 ||
        (r = make_defaults(&x, &c)) != 0 || (r = parse_root(root, &x, c)) != 0 ||
        (r = check_paths(&x, c)) != 0)
        goto out;
    *out = c;
    c = NULL; /* transferred */
    /* success */ r = 0;
out:
    cJSON_Delete(root);
    al_config_free(c);
    return r;
}

int
al_config_load(const char *path, const char *home, const char *config_home, struct al_config **out)
{
    struct al_buf b;
    struct stat st;
    int fd = -1, r;

    al_errclear();
    al_buf_init(&b, AL_CONFIG_FILE_MAX);
    /* A FIFO put in its place must not hang the daemon: refused without blocking. */
    if ((fd = al_file_open_regular(path, 0, &st)) < 0) {
        r = fd;
        goto out;
    }
    /* Whoever can write the file can widen the allowlist or swap the approver key. */
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        r = al__fail(AL_ECONFIG, "%s is owned by uid %u, neither you nor root", path,
                     (unsigned)st.st_uid);
        goto out;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        r = al__fail(AL_ECONFIG, "%s is writable by group or others (chmod go-w)", path);
        goto out;
    }
    if ((r = al_buf_read_fd(&b, fd)) != 0) {
        if (r == AL_ETOOBIG)
            al__fail(r, "%s is larger than %d bytes", path, AL_CONFIG_FILE_MAX);
        else
            al__fail(r, "%s", path);
        goto out;
    }
    if ((r = al_config_parse(b.data != NULL ? b.data : "", b.len, home, config_home, out)) != 0)
        al__prefix(r, "%s", path);
out:
    if (fd >= 0)
        close(fd);
    al_buf_close(&b);
    return r;
}

void
al_config_free(struct al_config *c)
{
    struct al_config_side *s;
    size_t i;

    if (c == NULL)
        return;
    free(c->approver_pubkey);
    for (i = 0; i < 2; i++) {
        s = &c->side[i];
        strv_free(s->argv, s->argc);
        free(s->workspace);
        free(s->home);
        strv_free(s->ro_binds, s->n_ro_binds);
        strv_free(s->env, s->n_env);
        allow_free(s->allow, s->n_allow);
        pins_free(s->resolve, s->n_resolve);
    }
    strv_free(c->plans.canaries, c->plans.n_canaries);
    free(c);
}

/* ---- queries ----------------------------------------------------------------------- */

const struct al_config_field *
al_config_fields(void)
{
    return fields;
}

/* ---- printing ---------------------------------------------------------------------- */

/* Appends the string s to the array a. 0 or AL_ENOMEM. */
static int
append(cJSON *a, const char *s)
{
    cJSON *item = cJSON_CreateString(s);

    if (item == NULL)
        return AL_ENOMEM;
    /* Fails only for a NULL argument, which neither is here. */
    cJSON_AddItemToArray(a, item); /* transferred */
    return 0;
}

/* Adds the array of the n strings v as member key of obj. 0 or AL_ENOMEM. */
static int
add_strv(cJSON *obj, const char *key, char *const *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    size_t i;

    if (a == NULL)
        return AL_ENOMEM;
    for (i = 0; i < n; i++)
        if (append(a, v[i]) != 0)
            return AL_ENOMEM;
    return 0;
}

static int
add_number(cJSON *obj, const char *key, uint64_t n)
{
    return cJSON_AddNumberToObject(obj, key, (double)n) != NULL ? 0 : AL_ENOMEM;
}

static int
add_limits(cJSON *side, const struct al_limits *l)
{
    cJSON *o = cJSON_AddObjectToObject(side, "limits");

    if (o == NULL || add_number(o, "memory_mb", l->memory_bytes >> 20) != 0 ||
        add_number(o, "pids", l->pids) != 0 || add_number(o, "wall_s", l->wall_s) != 0 ||
        add_number(o, "cpu_s", l->cpu_s) != 0 ||
        add_number(o, "outbox_kb", l->outbox_bytes / 1024) != 0 ||
        add_number(o, "nofile", l->nofile) != 0)
        return AL_ENOMEM;
    return 0;
}

/* online.allow as the rules' normalised texts, online.resolve as "host:port": "ip:port". */
static int
add_egress(cJSON *side, const struct al_config_side *s)
{
    char key[AL_HOSTNAME_MAX + 8], val[INET6_ADDRSTRLEN + 8];
    cJSON *a = cJSON_AddArrayToObject(side, "allow"), *o;
    size_t i;

    if (a == NULL)
        return AL_ENOMEM;
    for (i = 0; i < s->n_allow; i++)
        if (append(a, s->allow[i].text) != 0)
            return AL_ENOMEM;
    if ((o = cJSON_AddObjectToObject(side, "resolve")) == NULL)
        return AL_ENOMEM;
    for (i = 0; i < s->n_resolve; i++) {
        snprintf(key, sizeof(key), "%s:%u", s->resolve[i].host, s->resolve[i].port);
        if (s->resolve[i].kind == AL_HOST_IPV6)
            snprintf(val, sizeof(val), "[%s]:%u", s->resolve[i].addr_text, s->resolve[i].addr_port);
        else
            snprintf(val, sizeof(val), "%s:%u", s->resolve[i].addr_text, s->resolve[i].addr_port);
        if (cJSON_AddStringToObject(o, key, val) == NULL)
            return AL_ENOMEM;
    }
    return 0;
}

static int
add_side(cJSON *root, enum al_side side, const struct al_config_side *s)
{
    cJSON *o = cJSON_AddObjectToObject(root, al_side_name(side));

    if (o == NULL || add_strv(o, "command", s->argv, s->argc) != 0)
        return AL_ENOMEM;
    if (s->workspace != NULL && cJSON_AddStringToObject(o, "workspace", s->workspace) == NULL)
        return AL_ENOMEM;
    if (s->home != NULL && cJSON_AddStringToObject(o, "home", s->home) == NULL)
        return AL_ENOMEM;
    if (add_strv(o, "ro_binds", s->ro_binds, s->n_ro_binds) != 0 ||
        add_strv(o, "env", s->env, s->n_env) != 0 || add_limits(o, &s->limits) != 0)
        return AL_ENOMEM;
    if (side == AL_SIDE_ONLINE)
        return add_egress(o, s);
    return 0;
}

int
al_config_print(const struct al_config *c, char **out)
{
    const struct al_config_plans *p;
    cJSON *root = NULL, *o;
    char *text = NULL;
    int r = AL_ENOMEM;

    if (c == NULL)
        return AL_EINVAL;
    p = &c->plans;
    if ((root = cJSON_CreateObject()) == NULL ||
        cJSON_AddStringToObject(root, "approver_pubkey", c->approver_pubkey) == NULL ||
        add_side(root, AL_SIDE_OFFLINE, &c->side[AL_SIDE_OFFLINE]) != 0 ||
        add_side(root, AL_SIDE_ONLINE, &c->side[AL_SIDE_ONLINE]) != 0 ||
        (o = cJSON_AddObjectToObject(root, "plans")) == NULL ||
        add_number(o, "max_bytes", p->max_bytes) != 0 ||
        add_number(o, "expire_h", p->expire_h) != 0 ||
        add_strv(o, "canaries", p->canaries, p->n_canaries) != 0 ||
        add_number(o, "max_pending", p->max_pending) != 0 ||
        add_number(o, "max_proposals_per_session", p->max_proposals_per_session) != 0)
        goto out;
    /* cJSON's memory is cJSON_free's; the caller's is free's. */
    if ((text = cJSON_Print(root)) == NULL || (*out = strdup(text)) == NULL)
        goto out;
    /* success */ r = 0;
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return r;
}

/* Reads a host as a connection names it: a literal (IPv6 with or without brackets) or a
 * valid name, lowercased. -1 for anything else. */
static int
parse_host(const char *host, struct hostport *hp)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    size_t n = strlen(host);

    memset(hp, 0, sizeof(*hp));
    if (n == 0 || n > AL_HOSTNAME_MAX)
        return -1;
    if (host[0] == '[') {
        if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof(tmp))
            return -1;
        memcpy(tmp, host + 1, n - 2);
        tmp[n - 2] = '\0';
        hp->kind = AL_HOST_IPV6;
        return inet_pton(AF_INET6, tmp, hp->addr) == 1 ? 0 : -1;
    }
    if (strchr(host, ':') != NULL) {
        hp->kind = AL_HOST_IPV6;
        return inet_pton(AF_INET6, host, hp->addr) == 1 ? 0 : -1;
    }
    if (inet_pton(AF_INET, host, hp->addr) == 1) {
        hp->kind = AL_HOST_IPV4;
        return 0;
    }
    hp->kind = AL_HOST_NAME;
    return check_name(host, n, hp->host) == NULL ? 0 : -1;
}

static int
rule_matches(const struct al_config_allow *a, const struct hostport *hp, unsigned port)
{
    size_t hn, rn;

    if (a->port != 0 ? port != a->port : port != 80 && port != 443)
        return 0;
    if (a->kind != hp->kind)
        return 0;
    if (a->kind == AL_HOST_IPV4)
        return memcmp(a->addr, hp->addr, 4) == 0;
    if (a->kind == AL_HOST_IPV6)
        return memcmp(a->addr, hp->addr, 16) == 0;
    if (!a->wildcard)
        return strcmp(a->host, hp->host) == 0;
    /* "*.example.com": at least one whole label in front of ".example.com". */
    hn = strlen(hp->host);
    rn = strlen(a->host);
    return hn > rn + 1 && hp->host[hn - rn - 1] == '.' && strcmp(hp->host + hn - rn, a->host) == 0;
}

int
al_allow_match(const struct al_config *c, const char *host, unsigned port, const char **rule)
{
    const struct al_config_side *s;
    struct hostport hp;
    size_t i;

    if (c == NULL || host == NULL || port == 0 || port > 65535 || parse_host(host, &hp) != 0)
        return 0;
    s = &c->side[AL_SIDE_ONLINE];
    for (i = 0; i < s->n_allow; i++) {
        if (rule_matches(&s->allow[i], &hp, port)) {
            if (rule != NULL)
                *rule = s->allow[i].text;
            return 1;
        }
    }
    return 0;
}

const struct al_config_pin *
al_config_pin_find(const struct al_config *c, const char *host, unsigned port)
{
    const struct al_config_side *s;
    size_t i;

    if (c == NULL || host == NULL)
        return NULL;
    s = &c->side[AL_SIDE_ONLINE];
    for (i = 0; i < s->n_resolve; i++)
        if (s->resolve[i].port == port && strcasecmp(s->resolve[i].host, host) == 0)
            return &s->resolve[i];
    return NULL;
}

int
al_config_env_overridden(enum al_side side, const char *name)
{
    size_t i;

    for (i = 0; i < COUNT(env_both); i++)
        if (strcmp(name, env_both[i]) == 0)
            return 1;
    for (i = 0; side == AL_SIDE_ONLINE && i < COUNT(env_online); i++)
        if (strcmp(name, env_online[i]) == 0)
            return 1;
    return 0;
}
