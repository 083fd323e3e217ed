/* cmd_log.c: `airlock log`, reading and verifying the audit log. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <airlock/audit.h>
#include <airlock/file.h>
#include <airlock/json.h>
#include <airlock/paths.h>
#include <airlock/render.h>

#define FOLLOW_POLL_MS 250
#define FOLLOW_LINE_MAX (16 * 1024 * 1024) /* a longer "line" is printed in pieces */

static const char log_help[] =
    "usage: airlock log [--verify | --follow] [FILE]\n"
    "\n"
    "Prints the audit log, one record per line with control characters made visible, or\n"
    "with --verify checks its hash chain and head file: exit 0 if no record was edited,\n"
    "removed, reordered or cut from the end, 1 (naming the first bad line) otherwise.\n"
    "With --follow, after the records already there, keeps printing each record appended\n"
    "to the log until interrupted.\n"
    "FILE defaults to $XDG_STATE_HOME/airlock/audit.jsonl (~/.local/state/airlock/...).\n";

/* Prints data[0..n) (whole lines, or the last piece of an endless one) somehow. */
typedef int (*printer_fn)(const char *data, size_t n, int json);

/* `airlock log`: every line, control characters made visible. */
static int
print_escaped(const char *data, size_t n, int json)
{
    struct al_buf out;
    int r;

    (void)json;
    al_buf_init(&out, n * 10 + 64);
    if ((r = al_render_escape(data, n, 0, &out)) == 0 && out.len > 0)
        fwrite(out.data, 1, out.len, stdout);
    al_buf_close(&out);
    return r;
}

/* Appends s to out with every byte outside printable ASCII as \xNN (a hostile client's
 * host name must not reach the terminal raw; the proxy already refuses such names). */
static int
safe(struct al_buf *out, const char *s)
{
    int r = 0;

    for (; *s != '\0' && r == 0; s++)
        r = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f
                ? al_buf_appendc(out, *s)
                : al_buf_printf(out, "\\x%02x", (unsigned char)*s);
    return r;
}

static const char *
str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static double
num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* `airlock egress`: the proxy's records among the audit log's, one line each. */
static int
print_egress(const char *data, size_t n, int json)
{
    const char *line, *nl, *end = data + n;
    const cJSON *d;
    struct al_buf out;
    cJSON *rec;
    int r = 0;

    al_buf_init(&out, 64 * 1024);
    for (line = data; line < end && r == 0; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(end - line));
        if (nl == NULL)
            nl = end;
        if (al_json_parse(line, (size_t)(nl - line), AL_AUDIT_RECORD_MAX, AL_JSON_MAX_DEPTH,
                          &rec) != 0)
            continue; /* not a record (a torn last line): `airlock log --verify` says more */
        d = cJSON_GetObjectItemCaseSensitive(rec, "data");
        if (strcmp(str(rec, "event"), "egress") == 0 && cJSON_IsObject(d)) {
            al_buf_reset(&out);
            if (json) {
                char *t = cJSON_PrintUnformatted(d);

                r = t != NULL ? safe(&out, t) : AL_ENOMEM;
                cJSON_free(t);
            } else {
                r = al_buf_printf(&out, "%s  ", str(rec, "time"));
                if (r == 0)
                    r = safe(&out, str(d, "session"));
                if (r == 0)
                    r = al_buf_printf(&out, "  %-5s  ", str(d, "verdict"));
                if (r == 0)
                    r = safe(&out, str(d, "method"));
                if (r == 0)
                    r = al_buf_appendc(&out, ' ');
                if (r == 0)
                    r = safe(&out, str(d, "host"));
                if (r == 0)
                    r = al_buf_printf(&out, ":%.0f", num(d, "port"));
                if (r == 0 && str(d, "address")[0] != '\0') {
                    r = al_buf_printf(&out, "  -> ");
                    if (r == 0)
                        r = safe(&out, str(d, "address"));
                    if (r == 0)
                        r = al_buf_printf(&out, " (%s)", str(d, "source"));
                }
                if (r == 0 && str(d, "rule")[0] != '\0') {
                    r = al_buf_printf(&out, "  rule ");
                    if (r == 0)
                        r = safe(&out, str(d, "rule"));
                }
                if (r == 0 && str(d, "reason")[0] != '\0') {
                    r = al_buf_printf(&out, "  ");
                    if (r == 0)
                        r = safe(&out, str(d, "reason"));
                }
                if (r == 0)
                    r = al_buf_printf(&out, "  status %.0f  up %.0f B  down %.0f B  %.0f ms",
                                      num(d, "status"), num(d, "bytes_up"), num(d, "bytes_down"),
                                      num(d, "duration_ms"));
            }
            if (r == 0)
                r = al_buf_appendc(&out, '\n');
            if (r == 0)
                fwrite(out.data, 1, out.len, stdout);
        }
        cJSON_Delete(rec);
        if (nl == end)
            break;
    }
    al_buf_close(&out);
    return r;
}

/* Prints b's complete lines (all of it if flush) and keeps the rest in b. */
static int
put_lines(struct al_buf *b, int flush, printer_fn print, int json)
{
    size_t n = b->len;
    int r;

    while (!flush && n > 0 && b->data[n - 1] != '\n')
        n--;
    if (n == 0)
        return 0;
    r = print(b->data, n, json);
    fflush(stdout);
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    return r;
}

/*
 * Prints the log and then what is appended to it, a line at a time: a record being
 * written (a line without its newline yet) waits until it is whole. The daemon only ever
 * appends, except when it repairs a torn last line on start, which cuts the file back:
 * then reading goes on from the new end.
 */
static int
follow(const char *path, printer_fn print, int json)
{
    const struct timespec pause = {0, FOLLOW_POLL_MS * 1000000L};
    char chunk[65536];
    struct al_buf pend;
    struct stat st;
    off_t pos = 0;
    ssize_t n;
    int fd, r = 0;

    if ((fd = al_file_open_regular(path, 0, &st)) < 0)
        return fd;
    al_buf_init(&pend, FOLLOW_LINE_MAX);
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = al__fail(-errno, "reading %s", path);
            break;
        }
        if (n > 0) {
            pos += n;
            if (pend.len + (size_t)n > FOLLOW_LINE_MAX &&
                (r = put_lines(&pend, 1, print, json)) != 0)
                break;
            if ((r = al_buf_append(&pend, chunk, (size_t)n)) != 0 ||
                (r = put_lines(&pend, 0, print, json)) != 0)
                break;
            continue;
        }
        if (fstat(fd, &st) == 0 && st.st_size < pos) {
            al_buf_reset(&pend); /* the unfinished line was cut off */
            pos = lseek(fd, 0, SEEK_END);
            fprintf(stderr, "airlock: log: the log was cut back to %lld bytes; following on\n",
                    (long long)pos);
        }
        nanosleep(&pause, NULL);
    }
    al_buf_close(&pend);
    close(fd);
    return r;
}

static const char egress_help[] =
    "usage: airlock egress [--follow] [--json] [FILE]\n"
    "\n"
    "Prints the egress proxy's decisions from the audit log, one line each: time, session,\n"
    "verdict (allow, deny, error), method, host and port, the address connected to and where\n"
    "it came from (dns, pin, literal), the rule that decided or the reason for a refusal,\n"
    "the HTTP status, bytes each way and duration. --json prints each record's data as one\n"
    "JSON object per line instead. With --follow, keeps printing new decisions as they are\n"
    "made until interrupted. FILE defaults to $XDG_STATE_HOME/airlock/audit.jsonl.\n";

/* `airlock log` and `airlock egress`: the same reader, two ways of printing. */
static int
read_log(int argc, char **argv, int egress)
{
    static const struct option opts[] = {{"verify", no_argument, NULL, 'v'},
                                         {"follow", no_argument, NULL, 'f'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *cmd = egress ? "egress" : "log";
    printer_fn print = egress ? print_egress : print_escaped;
    char path[4096], what[4200];
    struct al_buf log;
    uint64_t records = 0;
    int c, r, verify = 0, follow_on = 0, json = 0, rc = CLI_FAIL;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (egress)
                return cli_usage(cmd, "--verify is `airlock log --verify`");
            verify = 1;
            break;
        case 'f':
            follow_on = 1;
            break;
        case 'j':
            if (!egress)
                return cli_usage(cmd, "--json is for `airlock egress`");
            json = 1;
            break;
        case 'h':
            fputs(egress ? egress_help : log_help, stdout);
            return CLI_OK;
        default:
            return cli_usage(cmd, CLI_BADOPT);
        }
    }
    if (optind + 1 < argc)
        return cli_usage(cmd, "takes at most one file");
    if (verify && follow_on)
        return cli_usage(cmd, "--verify and --follow do not go together");
    if (optind < argc ? cli_copy(path, sizeof(path), argv[optind]) != 0
                      : al_paths_state("audit.jsonl", 0, path, sizeof(path)) != 0)
        return cli_usage(cmd, "no usable log path (set XDG_STATE_HOME or HOME)");
    snprintf(what, sizeof(what), "%s: %s", cmd, path);
    if (verify) {
        if ((r = al_audit_verify(path, &records)) != 0)
            return cli_fail(what, r);
        printf("ok: %llu records, chain and head intact\n", (unsigned long long)records);
        return CLI_OK;
    }
    if (follow_on)
        return (r = follow(path, print, json)) != 0 ? cli_fail(what, r) : CLI_OK;
    al_buf_init(&log, (size_t)1 << 30);
    if ((r = cli_read_file(path, &log)) != 0 ||
        (log.len > 0 && (r = print(log.data, log.len, json)) != 0)) {
        rc = cli_fail(what, r);
        goto done;
    }
    rc = CLI_OK;
done:
    al_buf_close(&log);
    return rc;
}

int
cmd_log(int argc, char **argv)
{
    return read_log(argc, argv, 0);
}

int
cmd_egress(int argc, char **argv)
{
    return read_log(argc, argv, 1);
}
