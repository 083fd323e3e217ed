/*
 * cmd_scan.c: `airlock scan`, the plan scanner on one file, for a person or a script.
 *
 * Everything printed that comes from the file (messages quote it, visible renderings
 * decode it) is escaped again here: a finding is plan-derived text.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/render.h>
#include <airlock/scan.h>

/* Plans are capped far below this; the scanner's own limit is larger still. */
#define SCAN_FILE_MAX (16u * 1024 * 1024)

static const char scan_help[] =
    "usage: airlock scan [--direction out|in] [--canary STRING]... [--workspace DIR] [--json]\n"
    "                    FILE\n"
    "\n"
    "Scans FILE as plan text and lists what a reviewer could miss: terminal escapes and\n"
    "control characters, hidden Unicode (tag, zero-width, bidi, variation selectors, ...),\n"
    "look-alike letters, hidden HTML and images, URLs and their exfiltration channels,\n"
    "encoded blobs (decoded and scanned again), credentials, the canary strings given,\n"
    "injection phrasing (a heuristic, marked as such) and text copied from the workspace.\n"
    "\n"
    "  --direction out   the plan leaves the offline side (the default)\n"
    "  --direction in    the plan enters the offline side (injection wording counts more)\n"
    "  --canary STRING   a seeded secret to look for in every encoding (repeatable, 4 to\n"
    "                    256 bytes, at most 64)\n"
    "  --workspace DIR   for an outbound plan, find passages copied verbatim from the text\n"
    "                    files under DIR (links not followed)\n"
    "  --json            print {\"file\", \"direction\", \"worst\", \"findings\": [...]} instead\n"
    "\n"
    "Exit status: 0 when no finding is high or block, 1 when one is, 2 on an error.\n";

/*
 * Messages and visible renderings were made by al_render_escape() when the finding was
 * made: a backslash in the plan is already doubled and every control is a token, so they
 * are printed as they are (escaping them again would double the tokens' backslashes). A
 * string that is somehow not terminal-safe is escaped again rather than trusted.
 */
static void
put_rendered(const char *s)
{
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            break;
    if (*p == '\0')
        fputs(s, stdout);
    else
        cli_put_escaped(stdout, s);
}

static void
put_finding(const struct al_finding *f)
{
    printf("%-5s  %s%s  bytes %zu-%zu", al_severity_name(f->severity), f->rule,
           f->heuristic ? " [heuristic]" : "", f->start, f->end);
    if (f->member != NULL) {
        fputs("  in ", stdout);
        cli_put_escaped(stdout, f->member);
    }
    fputs("\n       ", stdout);
    put_rendered(f->message);
    if (f->visible != NULL) {
        fputs("\n       shows as: ", stdout);
        put_rendered(f->visible);
    }
    fputc('\n', stdout);
}

static int
print_human(const char *path, const struct al_scan *s, enum al_scan_direction d)
{
    size_t i, n = al_scan_count(s), counts[3] = {0, 0, 0};

    for (i = 0; i < n; i++)
        counts[al_scan_get(s, i)->severity]++;
    cli_put_escaped(stdout, path);
    printf(": %zu finding%s (%zu block, %zu high, %zu info), direction %s\n", n, n == 1 ? "" : "s",
           counts[AL_SEV_BLOCK], counts[AL_SEV_HIGH], counts[AL_SEV_INFO],
           d == AL_SCAN_IN ? "in" : "out");
    for (i = 0; i < n; i++)
        put_finding(al_scan_get(s, i));
    if (al_scan_omitted(s) > 0)
        printf("... and %zu more finding%s not kept (the worst of them: %s)\n", al_scan_omitted(s),
               al_scan_omitted(s) == 1 ? "" : "s",
               al_severity_name((enum al_severity)al_scan_worst(s)));
    return 0;
}

static int
print_json(const char *path, const struct al_scan *s, enum al_scan_direction d)
{
    cJSON *o = cJSON_CreateObject(), *a = NULL;
    char *t = NULL;
    int r = AL_ENOMEM, w = al_scan_worst(s);

    if (o == NULL || al_scan_json(s, &a) != 0)
        goto out;
    cJSON_AddItemToObject(o, "findings", a); /* transferred */
    if (cJSON_AddStringToObject(o, "file", path) == NULL ||
        cJSON_AddStringToObject(o, "direction", d == AL_SCAN_IN ? "in" : "out") == NULL ||
        (w < 0 ? cJSON_AddNullToObject(o, "worst")
               : cJSON_AddStringToObject(o, "worst", al_severity_name((enum al_severity)w))) ==
            NULL ||
        (t = cJSON_PrintUnformatted(o)) == NULL)
        goto out;
    /* cJSON escapes every control character in strings; the output is one line. */
    puts(t);
    /* success */ r = 0;
out:
    free(t);
    cJSON_Delete(o);
    return r;
}

int
cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {{"direction", required_argument, NULL, 'd'},
                                         {"canary", required_argument, NULL, 'c'},
                                         {"workspace", required_argument, NULL, 'w'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *canaries[AL_SCAN_CANARIES_MAX];
    struct al_scan_opts o;
    struct al_scan *s = NULL;
    struct al_buf text;
    size_t n_canaries = 0;
    int ch, json = 0, r, status = CLI_FAIL;
    const char *path, *workspace = NULL;
    struct al_scan_index *ix = NULL;

    al_scan_opts_init(&o);
    al_buf_init(&text, SCAN_FILE_MAX);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            if (strcmp(optarg, "out") == 0)
                o.direction = AL_SCAN_OUT;
            else if (strcmp(optarg, "in") == 0)
                o.direction = AL_SCAN_IN;
            else
                return cli_usage("scan", "--direction is out or in");
            break;
        case 'c':
            if (strlen(optarg) < AL_SCAN_CANARY_MIN || strlen(optarg) > AL_SCAN_CANARY_MAX)
                return cli_usage("scan", "a canary is 4 to 256 bytes");
            if (n_canaries == AL_SCAN_CANARIES_MAX)
                return cli_usage("scan", "at most 64 canaries");
            canaries[n_canaries++] = optarg;
            break;
        case 'w':
            workspace = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(scan_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("scan", CLI_BADOPT);
        }
    }
    if (argc - optind != 1)
        return cli_usage("scan", "one FILE to scan");
    path = argv[optind];
    o.canaries = canaries;
    o.n_canaries = n_canaries;
    if (workspace != NULL) {
        if ((r = al_scan_index_new(0, &ix)) != 0 ||
            (r = al_scan_index_add_dir(ix, workspace)) != 0) {
            cli_fail(workspace, r);
            status = CLI_USAGE;
            goto out;
        }
        o.workspace = ix;
    }
    if ((r = cli_read_file(path, &text)) != 0) {
        cli_fail(path, r);
        status = CLI_USAGE;
        goto out;
    }
    if ((r = al_scan_new(&s)) != 0 ||
        (r = al_scan(s, NULL, text.data ? text.data : "", text.len, &o)) != 0 ||
        (r = json ? print_json(path, s, o.direction) : print_human(path, s, o.direction)) != 0) {
        cli_fail("scan", r);
        status = CLI_USAGE;
        goto out;
    }
    status = al_scan_worst(s) >= AL_SEV_HIGH ? CLI_FAIL : CLI_OK;
out:
    al_scan_free(s);
    al_scan_index_free(ix);
    al_buf_close(&text);
    return status;
}
