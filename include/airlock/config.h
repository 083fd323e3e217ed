/*
 * config.h: the supervisor's configuration, airlock.json.
 *
 * airlockd reads $XDG_CONFIG_HOME/airlock/airlock.json (~/.config/airlock/airlock.json) and
 * runs on embedded defaults when there is no such file. The parser is strict: the schema is
 * closed at every level (an unknown field is AL_EJSONUNKNOWN), every value is checked, and
 * every error leaves al_errdetail() naming the JSON path of the field at fault, such as
 *
 *     online.allow[3]: "*.": empty label
 *     offline.limits.pids: 4 is out of range 8..65536
 *     online.resolve["fixture.test:80"]: "localhost:80": must be an IP address and a port
 *
 * Errors: the JSON layer's codes (AL_ETOOBIG over 1 MiB, AL_EUTF8, AL_ENUL, AL_EJSON,
 * AL_EJSONDEPTH, AL_EJSONDUPKEY), AL_EJSONUNKNOWN for an unknown field, AL_EJSONTYPE for a
 * value of the wrong JSON type (null included), and AL_ECONFIG for every other rule below.
 *
 * SCHEMA. Every field is optional; an absent field keeps its default. "bytes" are bytes of
 * UTF-8. A "path" is absolute, or starts with "~/" (or is "~"), which expands to the home
 * directory passed to the parser (never read from the environment); other "~" forms and
 * relative paths are errors, as are control characters. Paths are then normalised without
 * touching the file system: repeated slashes and "." components are dropped and ".." removes
 * the component before it. A path is at most 4096 bytes before and after expansion.
 *
 * approver_pubkey   path     minisign public key of the approver
 *                            default $XDG_CONFIG_HOME/airlock/approver.pub
 * offline           object   the offline compartment: command, workspace, ro_binds, env, limits
 * online            object   the online compartment: command, home, ro_binds, env, limits,
 *                            allow, resolve
 * plans             object   max_bytes, expire_h, canaries, max_pending,
 *                            max_proposals_per_session
 *
 * <side>.command    array of 1..64 strings, each at most 4096 bytes; default ["/bin/sh"]
 *     The program and its arguments, run as the compartment's first process. "{task}" and
 *     "{plan}" may appear anywhere inside an item, any number of times, and expand to the
 *     person's task text and the inbox plan path (empty when absent). Any other text between
 *     "{" and the next "}" ("{foo}", "{{task}}", "{print $1}") is an error naming the item;
 *     a "{" with no "}" after it, or a lone "}", is literal. The first item (the program)
 *     must not be empty and must not contain a placeholder, so that what runs is fixed here.
 * offline.workspace path; default ~/airlock/workspace
 *     The user's files, bound read-write at /workspace. Must not be "/", /home, /root or /tmp;
 *     not /proc, /sys, /dev, /run, /var/run, /etc, /usr, /bin, /sbin, /lib, /lib32, /lib64,
 *     /libx32, /boot or anything beneath them; not the home directory or one of its
 *     ancestors; and must not contain $XDG_CONFIG_HOME/airlock (the agent could rewrite the
 *     configuration and the approver key).
 * online.home       path; default none (a fresh tmpfs home each session)
 *     A persistent agent home for the online side's own settings: a dedicated directory,
 *     never user files. The workspace's rules apply, and it must not equal, contain or lie
 *     inside offline.workspace.
 * <side>.ro_binds   array of at most 32 paths; default []
 *     Host directories bound read-only at the same path. No ".." components. Not /, /etc,
 *     /home, /root, /tmp; not /proc, /sys, /dev, /run, /var/run or anything beneath them
 *     (kernel interfaces and host sockets); not beneath /tmp (host sockets such as
 *     /tmp/.X11-unix); not /airlock or /workspace or beneath them (the compartment's own
 *     mount points); not the home directory or an ancestor of it; not equal to, inside or
 *     containing offline.workspace (on either side). No path listed twice. The compartment
 *     must still open each one without following symbolic links: this check is lexical.
 * <side>.env        array of at most 64 names; default []
 *     Names of the supervisor's environment variables passed into the compartment (an
 *     allowlist). Each matches [A-Za-z_][A-Za-z0-9_]* and is at most 128 bytes; no name
 *     twice. Names the compartment sets itself may be listed but are overridden (see
 *     al_config_env_overridden): PATH, HOME, USER, TERM, LANG, AIRLOCK_COMPARTMENT,
 *     AIRLOCK_INBOX, AIRLOCK_OUTBOX, and online also HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
 *     their lowercase forms.
 * <side>.limits     object; each member a whole number:
 *     memory_mb  16..1048576    default 4096 offline, 2048 online
 *     pids       8..65536       default 512 offline, 256 online
 *     wall_s     1..604800      default 3600 offline, 1800 online
 *     cpu_s      0..604800      default 0 (0: no CPU-time limit)
 *     outbox_kb  4..65536       default 256
 *     nofile     16..1048576    default 1024
 *     (the defaults are those of al_limits_default in airlock/limits.h)
 * online.allow      array of at most 256 rules; default [] (no egress at all)
 *     "host[:port]". host is an RFC 1123 name (letters, digits and hyphens; labels of 1..63
 *     bytes, no hyphen at either end; at most 253 bytes; folded to lowercase; the last label
 *     not all digits), optionally with a leading "*." wildcard; or an IPv4 literal in dotted
 *     decimal; or an IPv6 literal in brackets ("[2001:db8::1]:443"). port is 1..65535
 *     without leading zeros. Rejected: an empty rule, "*", anything with "://" (a scheme),
 *     "/" (a path), "@", whitespace, a "*" anywhere but a leading "*.", a wildcard on an
 *     address, an unbracketed IPv6 address, a name the C library would read as a number
 *     ("0x7f000001"), and a rule listed twice. See al_allow_match for what a rule allows.
 * online.resolve    object of at most 64 members "host:port": "ip:port"; default {}
 *     Pins a name to an address for the proxy (tests, demos, pinning): the key is a host
 *     name (no wildcard, no address) with a port; the value an IPv4 or bracketed IPv6
 *     literal with a port. Keys are folded to lowercase and must stay unique. A pin does
 *     not allow anything by itself: the name must still match an allow rule; a pinned
 *     address is then used even when it is private or loopback.
 * plans.max_bytes   1..67108864 (AL_PLAN_HARD_MAX_BYTES); default 65536
 *     (AL_PLAN_DEFAULT_MAX_BYTES): the largest plan, all its files together.
 * plans.expire_h    1..8760; default 72: hours before a pending plan expires.
 * plans.canaries    array of at most 64 strings of 4..256 bytes, no control characters,
 *                   none twice; default []: tokens planted in the workspace whose
 *                   appearance in a plan the scanner flags.
 * plans.max_pending 1..1000; default 20: pending plans held at once.
 * plans.max_proposals_per_session  1..1000; default 10.
 *
 * Beyond the field rules, the paths are checked against each other: approver_pubkey must
 * not lie inside offline.workspace or online.home (an agent could replace the key).
 */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <airlock/error.h>
#include <airlock/limits.h>
#include <airlock/manifest.h>

#define AL_CONFIG_NAME "airlock.json" /* in $XDG_CONFIG_HOME/airlock/ */
#define AL_CONFIG_FILE_MAX (1024 * 1024)
#define AL_CONFIG_PATH_MAX 4096
#define AL_CONFIG_ARGV_MAX 64
#define AL_CONFIG_ARG_MAX 4096
#define AL_CONFIG_RO_BINDS_MAX 32
#define AL_CONFIG_ENV_MAX 64
#define AL_CONFIG_ENV_NAME_MAX 128
#define AL_CONFIG_ALLOW_MAX 256
#define AL_CONFIG_RESOLVE_MAX 64
#define AL_CONFIG_CANARIES_MAX 64
#define AL_CONFIG_CANARY_MIN 4
#define AL_CONFIG_CANARY_MAX 256
#define AL_HOSTNAME_MAX 253

/*
 * Per-session limits, in the units and with the field names of struct al_limits
 * (compartments/compartment.h), so the supervisor copies them member by member. They are
 * mirrored here because libairlock must not depend on the compartment engine.
 */

enum al_host_kind { AL_HOST_NAME, AL_HOST_IPV4, AL_HOST_IPV6 };

/* One online.allow rule. */
struct al_config_allow {
    char *text; /* owned: the rule normalised ("*.wikipedia.org", "[2001:db8::1]:443") */
    enum al_host_kind kind;
    int wildcard;           /* AL_HOST_NAME only: the rule began with "*." */
    char *host;             /* owned: lowercase name without "*.", or the canonical address */
    unsigned char addr[16]; /* the address in network order (4 bytes for IPv4) */
    unsigned port;          /* 1..65535, or 0: ports 80 and 443 */
};

/* One online.resolve pin. */
struct al_config_pin {
    char *host; /* owned: lowercase name */
    unsigned port;
    enum al_host_kind kind; /* AL_HOST_IPV4 or AL_HOST_IPV6 */
    unsigned char addr[16]; /* network order */
    char *addr_text;        /* owned: canonical address, without brackets */
    unsigned addr_port;
};

/* One compartment. Pointers are owned by the struct al_config; a list with no items may be
 * NULL. */
struct al_config_side {
    size_t argc;
    char **argv;     /* argc items then NULL; placeholders not yet expanded */
    char *workspace; /* offline: absolute, normalised; online: NULL */
    char *home;      /* online: absolute, normalised, or NULL; offline: NULL */
    size_t n_ro_binds;
    char **ro_binds; /* absolute, normalised */
    size_t n_env;
    char **env;
    struct al_limits limits;
    size_t n_allow; /* online only */
    struct al_config_allow *allow;
    size_t n_resolve; /* online only */
    struct al_config_pin *resolve;
};

struct al_config_plans {
    uint64_t max_bytes;
    uint32_t expire_h;
    uint32_t max_pending;
    uint32_t max_proposals_per_session;
    size_t n_canaries;
    char **canaries;
};

struct al_config {
    char *approver_pubkey;         /* absolute, normalised */
    struct al_config_side side[2]; /* indexed by enum al_side */
    struct al_config_plans plans;
};

/*
 * The embedded defaults (see the schema above), for when there is no configuration file.
 * home is the user's home directory (absolute); config_home is $XDG_CONFIG_HOME, or NULL,
 * "" or a relative path (which the XDG specification says to ignore) for home/.config.
 * Fails with AL_EINVAL if home is not absolute, AL_ECONFIG if the defaults break a rule
 * (a home directory of /etc, say), AL_ENOMEM. On success *out is owned by the caller.
 */
int al_config_defaults(const char *home, const char *config_home, struct al_config **out) AL_WUR;

/*
 * Parses json[0..len) (at most AL_CONFIG_FILE_MAX bytes) over the defaults. home and
 * config_home as for al_config_defaults. Errors as described at the top of this file, with
 * al_errdetail() naming the field. On success *out is owned by the caller.
 */
int al_config_parse(const char *json, size_t len, const char *home, const char *config_home,
                    struct al_config **out) AL_WUR;

/*
 * Reads path (following symbolic links, without blocking) and parses it. The file must be
 * a regular file of at most AL_CONFIG_FILE_MAX bytes (AL_EFILETYPE, AL_ETOOBIG), owned by
 * the caller or root and not writable by group or others (AL_ECONFIG: anyone who can write
 * it can widen the allowlist). A missing file is -ENOENT, for which the caller falls back
 * to al_config_defaults. Every detail starts with path.
 */
int al_config_load(const char *path, const char *home, const char *config_home,
                   struct al_config **out) AL_WUR;

void al_config_free(struct al_config *c);

/* The kind of value a field takes, as docs/config.md names it in its Type column. */
enum al_config_type {
    AL_CONFIG_PATH,    /* "path": a string, expanded and normalised as described above */
    AL_CONFIG_UINT,    /* "whole number" */
    AL_CONFIG_STRINGS, /* "array of strings" */
    AL_CONFIG_PATHS,   /* "array of paths" */
    AL_CONFIG_NAMES,   /* "array of variable names" */
    AL_CONFIG_RULES,   /* "array of rule strings" (online.allow) */
    AL_CONFIG_PINS,    /* "object" of "host:port": "ip:port" members (online.resolve) */
};

/*
 * One field of the file, as the parser reads it. The parser takes its limits from this
 * table (al_config_fields), so what the table says is what the parser enforces.
 */
struct al_config_field {
    const char *name; /* the JSON path: "approver_pubkey", "offline.limits.pids" */
    enum al_config_type type;
    /* AL_CONFIG_UINT: the smallest and largest value. Arrays and AL_CONFIG_PINS: the
     * fewest and most items or members. AL_CONFIG_PATH: 0 and 0. */
    uint64_t min, max;
    /* The fewest and most bytes of each string: the value of a path, each item of an
     * array, each value of online.resolve. 0 and 0 for a whole number. */
    size_t len_min, len_max;
    /* The default as the documentation writes it: JSON text for a whole number, an
     * array or an object ("512", "[\"/bin/sh\"]", "{}"); for a path, the path, where "~"
     * is the home directory and "$XDG_CONFIG_HOME" the configuration home. NULL when the
     * field has no default (online.home: a fresh tmpfs home each session). */
    const char *def;
};

/*
 * Every field the parser accepts, in the order of the schema above, ending with an entry
 * whose name is NULL. The parser checks every object of the file against these names, so
 * a field is accepted exactly when it is listed here; objects that only group fields
 * (offline, online, plans, <side>.limits) are not listed. The ranges and lengths are the
 * ones the parser applies; the defaults are those of al_config_defaults, as unit.config
 * checks. Static storage: never freed. docs/config.md and airlock.json(5) are tested
 * against it (docs.config).
 */
const struct al_config_field *al_config_fields(void);

/*
 * The effective configuration c as JSON text in the file's own schema: every field, in
 * the order of al_config_fields, with paths as the parser stored them (expanded and
 * normalised), limits in the file's units, and online.home left out when there is none.
 * Parsing the text gives c back. On success *out is a NUL-terminated string the caller
 * frees with free(). AL_EINVAL if c is NULL, AL_ENOMEM.
 */
int al_config_print(const struct al_config *c, char **out) AL_WUR;

/*
 * Whether the online allowlist lets a connection to host:port through. Returns 1 and sets
 * *rule (if rule is not NULL) to the text of the first matching rule, or returns 0. Never
 * negative, so that `if (al_allow_match(...))` is a safe test.
 *
 * host is a name or an IP literal (IPv6 with or without brackets). Names compare without
 * regard to case. "example.com" matches only example.com; "*.example.com" matches
 * sub.example.com and a.b.example.com but not example.com itself. An address rule matches
 * the same address written as a literal (any IPv6 spelling, but an IPv4 rule not the
 * IPv4-mapped IPv6 form), never a name that resolves to it, and a name rule never matches
 * a literal. A rule with a port matches that port
 * only; a rule without one matches ports 80 and 443 only. Anything that is not a valid
 * name or literal matches nothing: a trailing dot ("example.com."), a number the C library
 * would read as an address ("127.1", "0x7f000001"), port 0 or above 65535.
 */
int al_allow_match(const struct al_config *c, const char *host, unsigned port,
                   const char **rule) AL_WUR;

/* The online.resolve pin for host:port (host compared without regard to case), or NULL. */
const struct al_config_pin *al_config_pin_find(const struct al_config *c, const char *host,
                                               unsigned port);

/* 1 if the compartment of side sets the variable name itself, whatever env lists. */
int al_config_env_overridden(enum al_side side, const char *name);

#endif
