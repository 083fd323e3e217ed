/*
 * airlock.c: the command-line client. This file holds the dispatch table and the helpers
 * every subcommand shares; the subcommands live in cmd_*.c.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/airlock.h>
#include <airlock/log.h>
#include <airlock/render.h>
#include <airlock/timefmt.h>

#define PASSPHRASE_MAX 1024

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"keygen", cmd_keygen, "create the approver's key pair (minisign format)"},
    {"pack", cmd_pack, "pack files into a plan artifact"},
    {"sign", cmd_sign, "approve a plan: sign it with the approver's secret key"},
    {"verify", cmd_verify, "check an approved plan's signature and contents"},
    {"show", cmd_show, "print a plan's manifest and text, with hidden characters made visible"},
    {"scan", cmd_scan, "list what a plan's text hides or carries (escapes, hidden text, secrets)"},
    {"run", cmd_run, "run a command in a fresh offline or online compartment"},
    {"check", cmd_check, "report which protections this kernel gives compartments"},
    {"log", cmd_log, "print the audit log, or verify its hash chain (--follow: keep printing)"},
    {"egress", cmd_egress, "show the egress proxy's decisions from the audit log (--follow)"},
    {"status", cmd_status, "ask airlockd how it is: sessions, plans, approver key"},
    {"start", cmd_start, "start a session of the offline or online compartment with a task"},
    {"sessions", cmd_sessions, "list airlockd's sessions"},
    {"attach", cmd_attach, "connect this terminal to a running session (Ctrl-] detaches)"},
    {"stop", cmd_stop, "stop a running session"},
    {"collect", cmd_collect, "collect a session's proposals into pending plans"},
    {"plans", cmd_plans, "list airlockd's plans"},
    {"export", cmd_export, "write a queued plan (and its signature, once approved) to a directory"},
    {"approve", cmd_approve, "read a pending plan in full and approve it with your key"},
    {"reject", cmd_reject, "reject a pending plan"},
    {"edit", cmd_edit, "replace a pending plan's files (a redaction): a new plan, scanned again"},
    {"handoff", cmd_handoff, "propose a session's transcript (or part of it) to the other side"},
    {"transcript", cmd_transcript, "print what a session's terminal showed"},
    {"demo", cmd_demo, "show airlock at work: a daemon, a fixture site, scripted agents, the UI"},
    {"bench-attacks", cmd_bench, "run the injection-resistance benchmark (scripted attackers)"},
};

static void
usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: airlock COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'airlock COMMAND --help' describes each one. airlock %s\n", AL_VERSION);
}

int
cli_fail(const char *what, int r)
{
    char detail[1024];
    struct al_buf w, d;

    /* The detail can quote member names and field values from a hostile plan: it goes
     * through the same escaping as plan text, never raw to the terminal. */
    snprintf(detail, sizeof(detail), "%s", al_errdetail());
    al_buf_init(&w, 16384);
    al_buf_init(&d, 16384);
    if (al_render_escape(what, strlen(what), AL_RENDER_ESCAPE_NEWLINE, &w) != 0 ||
        al_render_escape(detail, strlen(detail), AL_RENDER_ESCAPE_NEWLINE, &d) != 0 ||
        al_buf_append(&w, "", 0) != 0 || al_buf_append(&d, "", 0) != 0) {
        fprintf(stderr, "airlock: %s [%s]\n", al_strerror(r), al_errname(r));
    } else {
        fprintf(stderr, "airlock: %s: %s [%s]%s%s\n", w.data, al_strerror(r), al_errname(r),
                d.len ? ": " : "", d.data);
    }
    al_buf_close(&w);
    al_buf_close(&d);
    return CLI_FAIL;
}

int
cli_usage(const char *cmd, const char *msg)
{
    fprintf(stderr, "airlock %s: %s\nTry 'airlock %s --help'.\n", cmd, msg, cmd);
    return CLI_USAGE;
}

int
cli_max_bytes(const char *arg, struct al_plan_limits *lim)
{
    unsigned long long v;
    char *end;

    if (arg[0] < '0' || arg[0] > '9')
        return -1; /* strtoull would also take spaces, signs and "0x" */
    errno = 0;
    v = strtoull(arg, &end, 10);
    if (errno != 0 || end == arg)
        return -1;
    if (v > AL_PLAN_HARD_MAX_BYTES)
        return -1; /* before any multiplication, so it cannot wrap */
    if (*end == 'k' || *end == 'K')
        v *= 1024, end++;
    else if (*end == 'M')
        v *= 1024 * 1024, end++;
    if (*end != '\0' || v == 0 || v > AL_PLAN_HARD_MAX_BYTES)
        return -1;
    lim->max_total = v;
    lim->max_member = v;
    return 0;
}

int64_t
cli_now_ms(void)
{
    return (int64_t)al_monotonic_ms();
}

int
cli_copy(char *dst, size_t dstlen, const char *src)
{
    int n = snprintf(dst, dstlen, "%s", src);

    return n < 0 || (size_t)n >= dstlen ? -1 : 0;
}

/*
 * Where a file we install is: <this program's directory>/<rel>/<name> when that exists (an
 * install under any prefix, `cmake --install --prefix` included), else <full>/<name> (the
 * configured prefix), else <AIRLOCK_SOURCE_DIR>/<src> (a build tree), else NULL.
 */
const char *
cli_installed_file(const char *rel, const char *full, const char *name, const char *src, char *out,
                   size_t outlen)
{
    char self[4096], *slash, *real;
    ssize_t n;

    if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
        self[n] = '\0';
        if ((slash = strrchr(self, '/')) != NULL) {
            *slash = '\0';
            if (snprintf(out, outlen, "%s/%s/%s", self, rel, name) < (int)outlen &&
                (real = realpath(out, NULL)) != NULL) {
                n = snprintf(out, outlen, "%s", real);
                free(real);
                if (n < (ssize_t)outlen)
                    return out;
            }
        }
    }
    if (snprintf(out, outlen, "%s/%s", full, name) < (int)outlen && access(out, R_OK) == 0)
        return out;
    if (snprintf(out, outlen, "%s/%s", AIRLOCK_SOURCE_DIR, src) < (int)outlen &&
        access(out, R_OK) == 0)
        return out;
    return NULL;
}

void
cli_say_deriving(const char *cmd)
{
    fprintf(stderr, "airlock: %s: deriving the key from the passphrase...\n", cmd);
}

/*
 * A byte at a time with read(2), so that no copy of a passphrase is left in a stdio buffer
 * and nothing after the line is taken from a shared stdin.
 */
int
cli_read_line(int fd, char *p, size_t max)
{
    size_t n = 0;
    ssize_t k;
    char c;

    for (;;) {
        k = read(fd, &c, 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        if (c == '\n')
            break;
        if (n + 1 >= max)
            return -2;
        p[n++] = c;
    }
    if (k <= 0 && n == 0)
        return -1;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    p[n] = '\0';
    return (int)n;
}

static int
read_tty(const char *prompt, char *p)
{
    struct termios old, quiet;
    int fd, r;

    if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0) {
        fprintf(stderr, "airlock: cannot open the terminal for the passphrase: %s\n",
                strerror(errno));
        return -1;
    }
    if (tcgetattr(fd, &old) != 0) {
        fprintf(stderr, "airlock: cannot read the terminal's settings: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    fprintf(stderr, "%s", prompt);
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        fprintf(stderr, "\nairlock: cannot turn off echo: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    r = cli_read_line(fd, p, PASSPHRASE_MAX);
    tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', stderr);
    close(fd);
    if (r == -2)
        fprintf(stderr, "airlock: passphrase longer than %d bytes\n", PASSPHRASE_MAX - 1);
    else if (r == -1)
        fprintf(stderr, "airlock: no passphrase given\n");
    return r < 0 ? -1 : 0;
}

int
cli_passphrase(const char *prompt, int confirm, char **out)
{
    char *p = NULL, *q = NULL;
    int r = CLI_FAIL;

    if ((p = sodium_malloc(PASSPHRASE_MAX)) == NULL || (q = sodium_malloc(PASSPHRASE_MAX)) == NULL)
        goto out;
    if (isatty(STDIN_FILENO)) {
        if (read_tty(prompt, p) != 0)
            goto out;
        if (confirm && (read_tty("Again: ", q) != 0 || strcmp(p, q) != 0)) {
            fprintf(stderr, "airlock: passphrases do not match\n");
            goto out;
        }
    } else {
        int n = cli_read_line(STDIN_FILENO, p, PASSPHRASE_MAX);

        if (n < 0) {
            fprintf(stderr,
                    n == -2 ? "airlock: passphrase longer than %d bytes\n"
                            : "airlock: no passphrase on standard input\n",
                    PASSPHRASE_MAX - 1);
            goto out;
        }
    }
    *out = p;
    p = NULL; /* transferred */
    /* success */ r = 0;
out:
    cli_passphrase_free(p);
    cli_passphrase_free(q);
    return r;
}

void
cli_passphrase_free(char *p)
{
    if (p != NULL)
        sodium_free(p);
}

int
main(int argc, char **argv)
{
    size_t i;
    int r;

    al_log_init("airlock");
    if ((r = al_init()) != 0)
        return cli_fail("init", r);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("airlock %s\n", AL_VERSION);
        return CLI_OK;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "airlock: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
