/* cmd_log.c: `airlock log`, reading and verifying the audit log. */
#include "cli.h"
#include "paths.h"

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

/* Prints b's complete lines escaped (all of it if flush) and keeps the rest in b. */
static int
put_lines(struct al_buf *b, int flush)
{
    struct al_buf out;
    size_t n = b->len;
    int r = 0;

    while (!flush && n > 0 && b->data[n - 1] != '\n')
        n--;
    if (n == 0)
        return 0;
    al_buf_init(&out, n * 10 + 64);
    if ((r = al_render_escape(b->data, n, 0, &out)) == 0) {
        fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
    }
    al_buf_close(&out);
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
follow(const char *path)
{
    const struct timespec pause = {0, FOLLOW_POLL_MS * 1000000L};
    char chunk[65536];
    struct al_buf pend;
    struct stat st;
    off_t pos = 0;
    ssize_t n;
    int fd, r = 0;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
        return al__fail(-errno, "%s", path);
    if (fstat(fd, &st) != 0) {
        r = al__fail(-errno, "%s", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = al__fail(AL_EFILETYPE, "%s is not a regular file", path);
        goto out;
    }
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
            if (pend.len + (size_t)n > FOLLOW_LINE_MAX && (r = put_lines(&pend, 1)) != 0)
                break;
            if ((r = al_buf_append(&pend, chunk, (size_t)n)) != 0 || (r = put_lines(&pend, 0)) != 0)
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
out:
    close(fd);
    return r;
}

int
cmd_log(int argc, char **argv)
{
    static const struct option opts[] = {{"verify", no_argument, NULL, 'v'},
                                         {"follow", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    char path[4096], what[4200];
    struct al_buf log, out;
    uint64_t records = 0;
    int c, r, verify = 0, follow_on = 0, rc = CLI_FAIL;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            verify = 1;
            break;
        case 'f':
            follow_on = 1;
            break;
        case 'h':
            fputs(log_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("log", CLI_BADOPT);
        }
    }
    if (optind + 1 < argc)
        return cli_usage("log", "takes at most one file");
    if (verify && follow_on)
        return cli_usage("log", "--verify and --follow do not go together");
    if (optind < argc ? cli_copy(path, sizeof(path), argv[optind]) != 0
                      : paths_state("audit.jsonl", 0, path, sizeof(path)) != 0)
        return cli_usage("log", "no usable log path (set XDG_STATE_HOME or HOME)");
    snprintf(what, sizeof(what), "log: %s", path);
    if (verify) {
        if ((r = al_audit_verify(path, &records)) != 0)
            return cli_fail(what, r);
        printf("ok: %llu records, chain and head intact\n", (unsigned long long)records);
        return CLI_OK;
    }
    if (follow_on)
        return (r = follow(path)) != 0 ? cli_fail(what, r) : CLI_OK;
    al_buf_init(&log, (size_t)1 << 30);
    al_buf_init(&out, (size_t)1 << 31);
    if ((r = cli_read_file(path, &log)) != 0 ||
        (r = al_render_escape(log.data ? log.data : "", log.len, 0, &out)) != 0) {
        rc = cli_fail(what, r);
        goto done;
    }
    if (out.len > 0)
        fwrite(out.data, 1, out.len, stdout);
    rc = CLI_OK;
done:
    al_buf_close(&log);
    al_buf_close(&out);
    return rc;
}
