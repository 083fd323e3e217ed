/*
 * Corpus test: every record of the shared scanner corpora (../shared/corpora) through
 * al_scan(), against the flags each record expects.
 *
 * Fails on: a deterministic flag (unicode.*, control.*, layout.*, markup.*, markdown.*,
 * url.*, encoded.*, secret.*, canary) that a record expects and the scan does not raise;
 * a canary, secret, control or hidden-character flag below the severity flags.json gives
 * it; a flag a secret negative forbids; any high or block finding on a benign record (in
 * either direction, with the canaries configured). The heuristic inject.* flags are
 * counted and printed (expected and decoded separately), never failed: wording is a guess.
 *
 * Skips (77) when the corpora are not there, unless AIRLOCK_MUST_WORK=1.
 * AIRLOCK_CORPORA overrides the directory; -v prints every miss.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include <airlock/buf.h>
#include <airlock/scan.h>

#ifndef AIRLOCK_CORPORA_DIR
#define AIRLOCK_CORPORA_DIR "../shared/corpora"
#endif

static const char *dir;
static cJSON *flags;
static const char *canaries[64];
static size_t n_canaries;
static int verbose, failures;

struct tally {
    const char *name;
    unsigned records, clean;
    unsigned det_expected, det_found;
    unsigned heur_expected, heur_found;
    unsigned dec_expected, dec_found;
    unsigned false_pos;
};

static char *
slurp(const char *name, size_t *len)
{
    char path[4096];
    struct al_buf b;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    al_buf_init(&b, 64u << 20);
    if (al_buf_read_path(&b, path, 0) != 0 || al_buf_appendc(&b, '\0') != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    return al_buf_steal(&b, len);
}

/* flags.json severity of rule: 2 block, 1 high, 0 info or "I/H". */
static int
expected_severity(const char *rule)
{
    const cJSON *f =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(flags, "flags"), rule);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(f, "severity");

    if (!cJSON_IsString(s))
        return 0;
    if (strcmp(s->valuestring, "B") == 0)
        return 2;
    if (strcmp(s->valuestring, "H") == 0)
        return 1;
    return 0;
}

static int
heuristic(const char *rule)
{
    return strncmp(rule, "inject.", 7) == 0;
}

/* Severity at which a missing level is a failure: hidden content, escapes, secrets, canary. */
static int
severity_checked(const char *rule)
{
    return strncmp(rule, "control.", 8) == 0 || strncmp(rule, "secret.", 7) == 0 ||
           strcmp(rule, "canary") == 0 || strcmp(rule, "unicode.tag") == 0 ||
           strcmp(rule, "unicode.zero_width") == 0 || strcmp(rule, "unicode.bidi") == 0 ||
           strcmp(rule, "unicode.variation_selector") == 0;
}

/* The worst severity of rule in s, -1 if not raised. */
static int
raised(const struct al_scan *s, const char *rule)
{
    size_t i;
    int w = -1;

    for (i = 0; i < al_scan_count(s); i++) {
        const struct al_finding *f = al_scan_get(s, i);

        if (strcmp(f->rule, rule) == 0 && (int)f->severity > w)
            w = (int)f->severity;
    }
    return w;
}

static int
in_list(const cJSON *list, const char *rule)
{
    const cJSON *x;

    cJSON_ArrayForEach(x,
                       list) if (cJSON_IsString(x) && strcmp(x->valuestring, rule) == 0) return 1;
    return 0;
}

/*
 * The record's "text" with its real length: cJSON's strings end at an escaped NUL, and
 * the escapes corpus has NULs. Decodes the JSON string after "text": in line.
 */
static char *
record_text(const char *line, size_t *len)
{
    const char *p = strstr(line, "\"text\": \"");
    char *o;
    size_t k = 0;

    if (p == NULL)
        return NULL;
    p += 9;
    if ((o = malloc(strlen(p) + 1)) == NULL)
        exit(1);
    while (*p && *p != '"') {
        unsigned v = 0;
        int i;

        if (*p != '\\') {
            o[k++] = *p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'n':
            o[k++] = '\n';
            break;
        case 't':
            o[k++] = '\t';
            break;
        case 'r':
            o[k++] = '\r';
            break;
        case 'b':
            o[k++] = '\b';
            break;
        case 'f':
            o[k++] = '\f';
            break;
        case 'u':
            for (i = 1; i <= 4; i++)
                v = v * 16 + (unsigned)(p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
            p += 4;
            if (v >= 0xd800 && v < 0xdc00 && p[1] == '\\' && p[2] == 'u') {
                unsigned lo = 0;

                for (i = 3; i <= 6; i++)
                    lo = lo * 16 + (unsigned)(p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
                v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
            if (v < 0x80) {
                o[k++] = (char)v;
            } else if (v < 0x800) {
                o[k++] = (char)(0xc0 | v >> 6);
                o[k++] = (char)(0x80 | (v & 63));
            } else if (v < 0x10000) {
                o[k++] = (char)(0xe0 | v >> 12);
                o[k++] = (char)(0x80 | (v >> 6 & 63));
                o[k++] = (char)(0x80 | (v & 63));
            } else {
                o[k++] = (char)(0xf0 | v >> 18);
                o[k++] = (char)(0x80 | (v >> 12 & 63));
                o[k++] = (char)(0x80 | (v >> 6 & 63));
                o[k++] = (char)(0x80 | (v & 63));
            }
            break;
        default:
            o[k++] = *p;
        }
        p++;
    }
    o[k] = '\0';
    *len = k;
    return o;
}

static struct al_scan *
scan(const char *text, size_t len, enum al_scan_direction d, int with_canaries)
{
    struct al_scan_opts o;
    struct al_scan *s;

    al_scan_opts_init(&o);
    o.direction = d;
    if (with_canaries) {
        o.canaries = canaries;
        o.n_canaries = n_canaries;
    }
    if (al_scan_new(&s) != 0 || al_scan(s, NULL, text, len, &o) != 0) {
        fprintf(stderr, "al_scan failed\n");
        exit(1);
    }
    return s;
}

static void miss(struct tally *t, const char *id, const char *fmt, const char *rule, int fail)
    __attribute__((format(printf, 3, 0)));

static void
miss(struct tally *t, const char *id, const char *fmt, const char *rule, int fail)
{
    if (fail)
        failures++;
    if (verbose || fail) {
        printf("  %s %s: ", fail ? "FAIL" : "miss", id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        printf(fmt, rule);
#pragma GCC diagnostic pop
        printf("\n");
    }
    (void)t;
}

static void
check_expected(struct tally *t, const char *id, const struct al_scan *s, const cJSON *expect,
               int decoded)
{
    const cJSON *x;

    cJSON_ArrayForEach(x, expect)
    {
        const char *rule = x->valuestring;
        int got = raised(s, rule);

        if (!cJSON_IsString(x))
            continue;
        if (decoded) {
            t->dec_expected++;
            if (got >= 0)
                t->dec_found++;
            else
                miss(t, id, "decoded %s not raised", rule, 0);
        } else if (heuristic(rule)) {
            t->heur_expected++;
            if (got >= 0)
                t->heur_found++;
            else
                miss(t, id, "heuristic %s not raised", rule, 0);
        } else {
            t->det_expected++;
            if (got < 0) {
                miss(t, id, "%s not raised", rule, 1);
            } else if (severity_checked(rule) && got < expected_severity(rule)) {
                miss(t, id, "%s below its severity", rule, 1);
            } else {
                t->det_found++;
            }
        }
    }
}

/* No high or block finding except those the record allows at low severity (none). */
static void
check_benign(struct tally *t, const char *id, const struct al_scan *s)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < al_scan_count(s); i++) {
        const struct al_finding *f = al_scan_get(s, i);

        if (f->severity >= AL_SEV_HIGH) {
            bad = 1;
            printf("  FAIL %s: %s %s at %zu-%zu: %s\n", id, al_severity_name(f->severity), f->rule,
                   f->start, f->end, f->message);
        }
    }
    if (al_scan_worst(s) >= AL_SEV_HIGH && !bad) {
        bad = 1;
        printf("  FAIL %s: an omitted finding is high\n", id);
    }
    if (bad) {
        failures++;
        t->false_pos++;
    }
}

static void
run_file(struct tally *t, const char *name, int kind)
{
    size_t len;
    char *text = slurp(name, &len), *line, *save = NULL;

    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *r = cJSON_Parse(line);
        const cJSON *tx = cJSON_GetObjectItemCaseSensitive(r, "text");
        const char *id = cJSON_GetObjectItemCaseSensitive(r, "id")->valuestring;
        struct al_scan *s, *s2;
        unsigned before = (unsigned)failures;
        size_t tl = 0;
        char *txt = record_text(line, &tl);

        if (!cJSON_IsString(tx) || txt == NULL) {
            fprintf(stderr, "%s: record without text\n", name);
            exit(1);
        }
        t->records++;
        switch (kind) {
        case 'i': /* inbound injection */
            s = scan(txt, tl, AL_SCAN_IN, 0);
            check_expected(t, id, s, cJSON_GetObjectItemCaseSensitive(r, "expect_flags"), 0);
            check_expected(t, id, s, cJSON_GetObjectItemCaseSensitive(r, "decoded_flags"), 1);
            al_scan_free(s);
            break;
        case 'x': /* outbound exfiltration */
        case 'r': /* render escapes */
            s = scan(txt, tl, kind == 'x' ? AL_SCAN_OUT : AL_SCAN_IN, kind == 'x');
            check_expected(t, id, s, cJSON_GetObjectItemCaseSensitive(r, "expect_flags"), 0);
            if (kind == 'r' &&
                cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "expect_flags")) == 0)
                check_benign(t, id, s);
            al_scan_free(s);
            break;
        case 's': { /* secrets */
            const cJSON *x, *low = cJSON_GetObjectItemCaseSensitive(r, "expect_low_flags");
            int negative =
                strcmp(cJSON_GetObjectItemCaseSensitive(r, "label")->valuestring, "negative") == 0;
            size_t i;

            s = scan(txt, tl, AL_SCAN_OUT, 0);
            check_expected(t, id, s, cJSON_GetObjectItemCaseSensitive(r, "expect_flags"), 0);
            cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(r, "forbid_flags"))
            {
                if (raised(s, x->valuestring) >= 0) {
                    miss(t, id, "forbidden %s raised", x->valuestring, 1);
                    t->false_pos++;
                }
            }
            for (i = 0; negative && i < al_scan_count(s); i++) {
                const struct al_finding *f = al_scan_get(s, i);

                if (f->severity >= AL_SEV_HIGH && !in_list(low, f->rule)) {
                    miss(t, id, "%s high on a negative", f->rule, 1);
                    t->false_pos++;
                } else if (f->severity >= AL_SEV_HIGH) {
                    miss(t, id, "%s allowed only at low severity", f->rule, 1);
                    t->false_pos++;
                }
            }
            al_scan_free(s);
            break;
        }
        case 'b': /* benign */
            s = scan(txt, tl, AL_SCAN_OUT, 1);
            s2 = scan(txt, tl, AL_SCAN_IN, 0);
            check_benign(t, id, s);
            if ((unsigned)failures == before)
                check_benign(t, id, s2);
            al_scan_free(s);
            al_scan_free(s2);
            break;
        }
        if ((unsigned)failures == before)
            t->clean++;
        cJSON_Delete(r);
        free(txt);
    }
    free(text);
}

static void
report(const struct tally *t)
{
    printf("%-22s %4u records, %4u clean; deterministic %u/%u; heuristic %u/%u; decoded %u/%u; "
           "false positives %u\n",
           t->name, t->records, t->clean, t->det_found, t->det_expected, t->heur_found,
           t->heur_expected, t->dec_found, t->dec_expected, t->false_pos);
}

int
main(int argc, char **argv)
{
    struct tally t[5] = {{.name = "render/escapes"},
                         {.name = "injection/inbound"},
                         {.name = "exfil/outbound"},
                         {.name = "secrets/samples"},
                         {.name = "benign/plans"}};
    const char *must = getenv("AIRLOCK_MUST_WORK");
    struct stat st;
    cJSON *cj, *x;
    char *text;
    size_t len, i;

    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    dir = getenv("AIRLOCK_CORPORA") ? getenv("AIRLOCK_CORPORA") : AIRLOCK_CORPORA_DIR;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("corpora not found at %s\n", dir);
        return must && strcmp(must, "1") == 0 ? 1 : 77;
    }
    text = slurp("flags.json", &len);
    flags = cJSON_Parse(text);
    free(text);
    text = slurp("exfil/canaries.json", &len);
    cj = cJSON_Parse(text);
    free(text);
    cJSON_ArrayForEach(x, cj)
    {
        if (n_canaries < 64)
            canaries[n_canaries++] = cJSON_GetObjectItemCaseSensitive(x, "value")->valuestring;
    }
    run_file(&t[0], "render/escapes.jsonl", 'r');
    run_file(&t[1], "injection/inbound.jsonl", 'i');
    run_file(&t[2], "exfil/outbound.jsonl", 'x');
    run_file(&t[3], "secrets/samples.jsonl", 's');
    run_file(&t[4], "benign/plans.jsonl", 'b');
    for (i = 0; i < 5; i++)
        report(&t[i]);
    printf("%d failure%s\n", failures, failures == 1 ? "" : "s");
    cJSON_Delete(cj);
    cJSON_Delete(flags);
    return failures ? 1 : 0;
}
