/* cmd_plan.c: `airlock pack` and `airlock show`. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include <sodium.h>

#include <airlock/artifact.h>
#include <airlock/file.h>
#include <airlock/render.h>
#include <airlock/timefmt.h>

static const char pack_help[] =
    "usage: airlock pack --from SIDE --to SIDE [OPTIONS] FILE... -o OUT.airlock\n"
    "\n"
    "Packs text files into a plan artifact. SIDE is 'offline' or 'online'. Each FILE is\n"
    "stored under its base name, or, with -C DIR, under its path relative to DIR.\n"
    "\n"
    "  -o OUT          the artifact to write (required; not replaced if it exists)\n"
    "  -C DIR          read FILEs relative to DIR and keep their relative paths\n"
    "  --task TEXT     the person's original request, recorded in the manifest\n"
    "  --session NAME  the originating session (default 'cli')\n"
    "  --id HEX        plan id, 32 hex digits (default: random)\n"
    "  --created TIME  creation time as 2026-01-31T12:00:00Z (default: now)\n"
    "  --max-bytes N   allow up to N bytes of content (default 64k)\n"
    "  -f              replace OUT if it exists\n"
    "\n"
    "--id and --created make the output reproducible: the same files and values give\n"
    "the same bytes.\n";

int
cmd_pack(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'F'},
                                         {"to", required_argument, NULL, 'T'},
                                         {"task", required_argument, NULL, 't'},
                                         {"session", required_argument, NULL, 's'},
                                         {"id", required_argument, NULL, 'i'},
                                         {"created", required_argument, NULL, 'c'},
                                         {"max-bytes", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *from = NULL, *to = NULL, *outpath = NULL, *dir = NULL, *created = NULL;
    struct al_plan_meta meta = {.session = "cli", .task = ""};
    struct al_plan_file *files = NULL;
    struct al_buf *bufs = NULL, out;
    struct al_plan_limits lim;
    char path[4096];
    size_t n = 0, i;
    int c, r, force = 0, rc = CLI_FAIL;

    al_plan_limits_default(&lim);
    while ((c = getopt_long(argc, argv, "o:C:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            from = optarg;
            break;
        case 'T':
            to = optarg;
            break;
        case 't':
            meta.task = optarg;
            break;
        case 's':
            meta.session = optarg;
            break;
        case 'i':
            meta.id = optarg;
            break;
        case 'c':
            created = optarg;
            break;
        case 'm':
            if (cli_max_bytes(optarg, &lim) != 0)
                return cli_usage("pack", "--max-bytes takes a byte count up to 64M");
            break;
        case 'o':
            outpath = optarg;
            break;
        case 'C':
            dir = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'h':
            fputs(pack_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("pack", CLI_BADOPT);
        }
    }
    if (from == NULL || to == NULL || outpath == NULL)
        return cli_usage("pack", "--from, --to and -o are required");
    if (al_side_parse(from, &meta.from) != 0 || al_side_parse(to, &meta.to) != 0)
        return cli_usage("pack", "--from and --to take 'offline' or 'online'");
    if (meta.from == meta.to)
        return cli_usage("pack", "--from and --to must differ");
    if (created != NULL && al_time_parse(created, &meta.created) != 0)
        return cli_usage("pack", "--created takes a UTC time like 2026-01-31T12:00:00Z");
    if (created == NULL)
        meta.created = time(NULL);
    n = (size_t)(argc - optind);
    if (n > lim.max_entries)
        return cli_fail("pack", al__fail(AL_ECOUNT, "%zu files, limit %u", n, lim.max_entries));
    al_buf_init(&out, al_artifact_max_bytes(&lim));
    if (n > 0 && ((files = calloc(n, sizeof(*files))) == NULL ||
                  (bufs = calloc(n, sizeof(*bufs))) == NULL)) {
        rc = cli_fail("pack", AL_ENOMEM);
        goto out;
    }
    for (i = 0; i < n; i++) {
        const char *arg = argv[optind + (int)i], *slash = strrchr(arg, '/');

        al_buf_init(&bufs[i], lim.max_member);
        if ((dir != NULL ? snprintf(path, sizeof(path), "%s/%s", dir, arg)
                         : snprintf(path, sizeof(path), "%s", arg)) >= (int)sizeof(path)) {
            rc = cli_usage("pack", "file path too long");
            goto out;
        }
        if ((r = cli_read_file(path, &bufs[i])) != 0) {
            rc = cli_fail("pack", r == AL_ETOOBIG ? AL_EMEMBERSIZE : r);
            goto out;
        }
        files[i].path = dir != NULL ? arg : (slash != NULL ? slash + 1 : arg);
        files[i].data = bufs[i].data != NULL ? bufs[i].data : "";
        files[i].len = bufs[i].len;
    }
    if ((r = al_artifact_pack(&meta, files, n, &lim, &out)) != 0 ||
        (r = al_file_write(outpath, out.data, out.len, 0644, force ? 0 : AL_FILE_EXCL)) != 0) {
        rc = cli_fail("pack", r);
        goto out;
    }
    printf("%s: %zu file%s, %zu bytes\n", outpath, n, n == 1 ? "" : "s", out.len);
    rc = CLI_OK;
out:
    for (i = 0; bufs != NULL && i < n; i++)
        al_buf_close(&bufs[i]);
    free(bufs);
    free(files);
    al_buf_close(&out);
    return rc;
}

static const char show_help[] =
    "usage: airlock show [--max-bytes N] [--socket PATH] PLAN.airlock|PLAN-ID\n"
    "\n"
    "Prints a plan's manifest and every file in it, each line of a file after \"| \".\n"
    "Nothing is written raw: control, invisible and direction-changing characters\n"
    "appear as visible escapes (\\e, \\r, \\x07, \\u{202E}), and a literal backslash\n"
    "appears doubled. Showing a plan does not check its signature; use 'airlock verify'\n"
    "for that.\n"
    "\n"
    "A PLAN-ID (32 hex digits) with no file of that name is fetched from airlockd's queue\n"
    "and shown the same way, followed by the findings of airlockd's scan (--socket PATH:\n"
    "its control socket).\n";

/*
 * Renders one untrusted string to stdout with the given flags. With a gutter, every line
 * starts with "| ", so text can never pass for one of show's own header lines.
 */
static int
put(const char *s, size_t n, unsigned flags, int gutter)
{
    struct al_buf b;
    size_t i, start = 0;
    int r;

    al_buf_init(&b, n * 10 + 64); /* worst case: every byte a \u{XXXXX} token */
    if ((r = al_render_escape(s, n, flags, &b)) != 0 || b.len == 0)
        goto out;
    if (!gutter) {
        fwrite(b.data, 1, b.len, stdout);
        goto out;
    }
    for (i = 0; i <= b.len; i++) {
        if (i == b.len || b.data[i] == '\n') {
            if (i == b.len && i == start)
                break;
            fputs("| ", stdout);
            fwrite(b.data + start, 1, i - start, stdout);
            fputc('\n', stdout);
            start = i + 1;
        }
    }
out:
    al_buf_close(&b);
    return r;
}

int
cli_show_artifact(const char *what, const struct al_artifact *art)
{
    const struct al_manifest *m = al_artifact_manifest(art);
    char when[AL_TIME_LEN + 1], hex[AL_HASH_LEN * 2 + 1];
    const char *mdata;
    size_t i, mlen;
    int r;

    if ((r = al_time_format(m->created, when)) != 0)
        return cli_fail(what, r);
    printf("plan     %s\nroute    %s -> %s\nsession  %s\ncreated  %s\ntask     ", m->id,
           al_side_name(m->from), al_side_name(m->to), m->session, when);
    r = put(m->task, strlen(m->task), AL_RENDER_ESCAPE_NEWLINE, 0);
    printf("\nfiles    %zu\n", m->n_entries);
    for (i = 0; r == 0 && i < m->n_entries; i++) {
        al_artifact_member(art, i, &mdata, &mlen);
        sodium_bin2hex(hex, sizeof(hex), m->entries[i].blake2b, AL_HASH_LEN);
        printf("\n=== ");
        r = put(m->entries[i].path, strlen(m->entries[i].path), AL_RENDER_ESCAPE_NEWLINE, 0);
        printf("  (%s, %zu bytes, blake2b %.16s...)\n", m->entries[i].media_type, mlen, hex);
        if (r == 0)
            r = put(mdata, mlen, 0, 1);
        if (mlen > 0 && mdata[mlen - 1] != '\n')
            printf("[no newline at end of file]\n");
    }
    return r != 0 ? cli_fail(what, r) : CLI_OK;
}

int
cli_show_plan(const char *what, const char *data, size_t len, const struct al_plan_limits *lim)
{
    struct al_artifact *art = NULL;
    int r, rc;

    if ((r = al_artifact_read(data, len, lim, &art)) != 0)
        return cli_fail(what, r);
    rc = cli_show_artifact(what, art);
    al_artifact_free(art);
    return rc;
}

int
cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {{"max-bytes", required_argument, NULL, 'm'},
                                         {"socket", required_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    struct al_plan_limits lim;
    const char *sock = NULL, *arg;
    char what[4200];
    struct al_buf plan;
    struct stat st;
    int c, r, have_lim = 0, rc = CLI_FAIL;

    al_plan_limits_default(&lim);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (cli_max_bytes(optarg, &lim) != 0)
                return cli_usage("show", "--max-bytes takes a byte count up to 64M");
            have_lim = 1;
            break;
        case 'S':
            if (strlen(optarg) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
                return cli_usage("show", "--socket path too long for a socket address");
            sock = optarg;
            break;
        case 'h':
            fputs(show_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("show", CLI_BADOPT);
        }
    }
    if (optind + 1 != argc)
        return cli_usage("show", "needs exactly one plan file or plan id");
    arg = argv[optind];
    snprintf(what, sizeof(what), "show: %s", arg);
    /* A plan id names a plan in airlockd's queue, unless a file of that name is here. */
    if (cli_plan_id(arg) && stat(arg, &st) != 0 && errno == ENOENT) {
        struct cli_fetched f;
        struct al_artifact *art = NULL;

        if ((rc = cli_plan_fetch(what, sock, arg, have_lim ? &lim : NULL, &f)) != CLI_OK)
            return rc;
        if ((r = al_artifact_read(f.artifact.data ? f.artifact.data : "", f.artifact.len,
                                  have_lim ? &lim : &f.lim, &art)) != 0)
            rc = cli_fail(what, r);
        else
            rc = cli_show_artifact(what, art);
        /* The findings of airlockd's scan too, as approve lists them: a person reading a
         * queued plan first should not meet them only when approving. */
        if (rc == CLI_OK)
            cli_put_findings(cJSON_GetObjectItemCaseSensitive(f.reply, "findings"), art);
        al_artifact_free(art);
        cli_fetched_close(&f);
        return rc;
    }
    if (sock != NULL)
        return cli_usage("show", "--socket is for a plan id, not a file");
    al_buf_init(&plan, al_artifact_max_bytes(&lim));
    if ((r = cli_read_file(arg, &plan)) != 0) {
        rc = cli_fail(what, r);
        goto out;
    }
    rc = cli_show_plan(what, plan.data ? plan.data : "", plan.len, &lim);
out:
    al_buf_close(&plan);
    return rc;
}
