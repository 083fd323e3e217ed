/* cmd_log.c: `airlock log`, reading and verifying the audit log. */
#include "cli.h"
#include "paths.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/audit.h>
#include <airlock/render.h>

static const char log_help[] =
    "usage: airlock log [--verify] [FILE]\n"
    "\n"
    "Prints the audit log, one record per line with control characters made visible, or\n"
    "with --verify checks its hash chain and head file: exit 0 if no record was edited,\n"
    "removed, reordered or cut from the end, 1 (naming the first bad line) otherwise.\n"
    "FILE defaults to $XDG_STATE_HOME/airlock/audit.jsonl (~/.local/state/airlock/...).\n";

int
cmd_log(int argc, char **argv)
{
    static const struct option opts[] = {
        {"verify", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, {0}};
    char path[4096], what[4200];
    struct al_buf log, out;
    uint64_t records = 0;
    int c, r, verify = 0, rc = CLI_FAIL;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            verify = 1;
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
