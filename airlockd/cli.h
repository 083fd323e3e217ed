/*
 * cli.h: shared pieces of the `airlock` command-line client.
 *
 * Each subcommand is a function taking argc/argv (argv[0] is the subcommand name) and
 * returning the process exit status: 0 success, 1 failure or rejection, 2 usage error.
 */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <airlock/buf.h>
#include <airlock/ctl.h>
#include <airlock/manifest.h>

struct al_artifact;

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_keygen(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_egress(int argc, char **argv);
int cmd_scan(int argc, char **argv);

/* Commands that talk to airlockd over its control socket (cmd_ctl.c, cmd_review.c,
 * cmd_edit.c). */
int cmd_status(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_plans(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_reject(int argc, char **argv);
int cmd_edit(int argc, char **argv);
int cmd_handoff(int argc, char **argv);
int cmd_transcript(int argc, char **argv);

/* `airlock demo` (cmd_demo.c): a daemon, a fixture web site, scripted agents and the UI in a
 * temporary directory. */
int cmd_demo(int argc, char **argv);

/* `airlock bench-attacks` (cmd_bench.c): runs tests/bench/bench_attacks.py. */
int cmd_bench(int argc, char **argv);

/*
 * Makes a new approver key pair and writes it as `airlock keygen` does: the secret key to
 * secpath (0600; encrypted with pass unless pass is NULL), the public key to pubpath. Without
 * force, neither file may exist (AL_EEXISTS) and a failure leaves neither; with force, both
 * are replaced together. On success keyid (16 hex digits and a NUL) names the key.
 */
int cli_keygen_write(const char *secpath, const char *pubpath, const char *pass, int force,
                     char keyid[17]) AL_WUR;

/* Prints "airlock: <what>: <message> [<ENAME>]: <detail>" and returns CLI_FAIL. */
int cli_fail(const char *what, int r);

/* Prints "airlock <cmd>: <msg>" plus a pointer to --help, returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *msg);

/* Parses --max-bytes (a byte count, optional k/M suffix) into lim. */
int cli_max_bytes(const char *arg, struct al_plan_limits *lim);

/* Milliseconds on the monotonic clock, for deadlines. */
int64_t cli_now_ms(void);

/* Copies src into dst; -1 if it does not fit (never a silently cut path). */
int cli_copy(char *dst, size_t dstlen, const char *src);

/*
 * Where a file airlock installs is: <this program's directory>/<rel>/<name> when it exists
 * (an install under any prefix), else <full>/<name> (the configured prefix), else
 * <source tree>/<src> (a build tree). rel and full come from the build (AIRLOCK_BIN_TO_*,
 * AIRLOCK_*DIR). Returns out, or NULL when none is readable.
 */
const char *cli_installed_file(const char *rel, const char *full, const char *name, const char *src,
                               char *out, size_t outlen);

/* Deriving a key from a passphrase (scrypt) takes seconds on purpose; said first on stderr,
 * so the pause does not look like a hang. */
void cli_say_deriving(const char *cmd);

/* Reads a regular file named by the person (links followed) into b. */
#define cli_read_file(path, b) al_buf_read_path((b), (path), 0)

/* The message for getopt's '?' (it has already said which option and why). */
#define CLI_BADOPT "invalid option or missing argument"

/*
 * Reads a passphrase: from the terminal with echo off when stdin is a terminal (twice if
 * confirm), else one line from stdin. The result is in sodium_malloc memory; free it
 * with cli_passphrase_free().
 */
int cli_passphrase(const char *prompt, int confirm, char **out);
void cli_passphrase_free(char *p);

/*
 * Reads one line from fd a byte at a time (so nothing after it is consumed: a passphrase
 * can follow on the same stdin) into p, at most max - 1 bytes, without the newline or a
 * final CR. Returns its length, -1 at end of input before any byte, -2 if too long.
 */
int cli_read_line(int fd, char *p, size_t max);

/* Prints plan artifact data[0..len) as `airlock show` does; errors name `what`. */
int cli_show_plan(const char *what, const char *data, size_t len, const struct al_plan_limits *lim);
/* The same for an artifact already read (al_artifact_read). */
int cli_show_artifact(const char *what, const struct al_artifact *art);

/* A connection to airlockd's control socket. */
struct cli_ctl {
    int fd;
    const char *cmd; /* the subcommand, for messages */
    struct al_ctl_reader rd;
    unsigned next_id;
};

/*
 * Connects to sock (NULL: al_paths_client_socket(), so AIRLOCK_SOCKET, else airlockd's
 * default). On failure prints why, with a hint (start airlockd, or unset a stale
 * AIRLOCK_SOCKET), and returns CLI_FAIL; CLI_OK otherwise.
 */
int cli_ctl_open(struct cli_ctl *c, const char *cmd, const char *sock);
void cli_ctl_close(struct cli_ctl *c);

/*
 * Sends req (owned by the call, freed) and waits for its reply, skipping events. CLI_OK
 * with *reply (the caller frees it) when the daemon answered ok; otherwise prints the
 * error, in the house form when the daemon sent one, and returns CLI_FAIL.
 */
int cli_ctl_call(struct cli_ctl *c, cJSON *req, cJSON **reply);

/* A new request {"op": op, "tag": n}; NULL when out of memory. */
cJSON *cli_ctl_request(struct cli_ctl *c, const char *op);

/* Prints text from the daemon to f with every control character made visible. */
void cli_put_escaped(FILE *f, const char *s);

/* A string member of o, or NULL when absent or not a string. */
const char *cli_json_str(const cJSON *o, const char *key);

/* The id of a session or plan given as a string or as an object with "id"; "?" if none. */
const char *cli_id_of(const cJSON *v);

/* A whole number member of o from 0 to 2^53, or -1. */
long long cli_json_num(const cJSON *o, const char *key);

/* Checks a SESSION argument's length: -1 to go on, or a usage error's exit status. */
int cli_session_arg(const char *cmd, const char *s);

/* Prints one line for a plan object: id, direction, state, size and findings. */
void cli_plan_line(const cJSON *plan);

/* The options the daemon commands share; which ones a command takes is its `allowed`. */
#define CLI_OPT_JSON 0x01
#define CLI_OPT_KEY 0x02
#define CLI_OPT_SIGNATURE 0x04
#define CLI_OPT_REASON 0x08
#define CLI_OPT_RANGE 0x10
#define CLI_OPT_RAW 0x20
#define CLI_OPT_MAXBYTES 0x40

struct cli_ctl_args {
    const char *sock, *key, *signature, *reason;
    struct al_plan_limits lim;
    int have_lim, json, raw, have_offset, have_length;
    uint64_t offset, length;
    char **pos; /* the positional arguments */
    int npos;
};

/*
 * Parses a daemon command's options (always --socket and --help, plus those in allowed)
 * and checks that exactly npos positional arguments remain (at least -npos when npos is
 * negative; a->npos says how many). Returns -1 to go on, or the exit status to return
 * (help printed, or a usage error).
 */
int cli_ctl_parse(int argc, char **argv, const char *help, unsigned allowed, int npos,
                  struct cli_ctl_args *a);

/* True if s is a plan id: 32 lowercase hex digits. */
int cli_plan_id(const char *s);

/* The shortest start of a plan id taken for the whole (the UI shows 8 characters). */
#define CLI_PLAN_PREFIX_MIN 4

/*
 * The plan id that arg names for command cmd: arg itself when it is a whole id, else the
 * one plan whose id starts with arg (lowercase hex, at least CLI_PLAN_PREFIX_MIN
 * characters), asked of airlockd at sock. CLI_OK with id set; a usage error for anything
 * else, and ENOTFOUND (printed) when no plan or more than one matches.
 */
int cli_plan_arg(const char *cmd, const char *sock, const char *arg, char id[AL_ID_HEXLEN + 1]);

/* A plan fetched from airlockd with op `plan`. */
struct cli_fetched {
    cJSON *reply;              /* the whole reply: plan, findings, artifact, signature */
    const cJSON *plan;         /* its plan object */
    struct al_buf artifact;    /* the artifact's exact bytes */
    struct al_buf signature;   /* the .minisig text, empty until approved */
    struct al_plan_limits lim; /* what to read it with when the person gave no --max-bytes */
};

/*
 * Fetches plan id (messages name `cmd`, "show: <id>" for instance) and checks that the artifact's
 * BLAKE2b-256 is the plan's "hash" and that the plan object names id. lim: the person's
 * --max-bytes, or NULL (then f->lim is airlock's hard maximum, the daemon having applied its own).
 * CLI_OK with f filled (close it with cli_fetched_close), or CLI_FAIL after printing why.
 */
int cli_plan_fetch(const char *cmd, const char *sock, const char *id,
                   const struct al_plan_limits *lim, struct cli_fetched *f);
void cli_fetched_close(struct cli_fetched *f);

/* Prints the daemon's findings for a plan (its "findings" array), one a line, as the UI's
 * findings list shows them, with each one's file and line in art. */
void cli_put_findings(const cJSON *findings, const struct al_artifact *art);

#endif
