/*
 * libFuzzer target: the plan scanner on arbitrary bytes, both directions, with canaries.
 * Beyond "no crash, no leak, no timeout": every finding lies inside the input, its
 * message and visible text are terminal-safe (no C0 but nothing, no DEL, no C1, no ESC),
 * the worst severity covers every finding, and the JSON form is built and bounded. The
 * approval question is chosen from the findings as airlock-tui and `airlock approve` do
 * (al_confirm_choose): its answer is short printable ASCII a person can type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/confirm.h>
#include <airlock/scan.h>
#include <airlock/store.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; p != NULL && *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            __builtin_trap();
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            __builtin_trap();
    }
}

/* The answer for the findings of s over data (both members are prefixes of it). */
static void
confirm(const struct al_scan *s, const char *data, size_t size)
{
    struct al_confirm_finding cf[64];
    char answer[AL_CONFIRM_MAX];
    size_t i, n = 0, pick, k;
    int host;

    for (i = 0; i < al_scan_count(s) && n < 64; i++, n++) {
        const struct al_finding *f = al_scan_get(s, i);

        cf[n].rule = f->rule;
        cf[n].severity = f->severity;
        cf[n].data = data;
        cf[n].member = f->member != NULL && strcmp(f->member, "m2") == 0;
        cf[n].len = cf[n].member ? size / 2 : size;
        cf[n].start = f->start;
        cf[n].end = f->end;
    }
    pick = al_confirm_choose(cf, n, "0123456789abcdef0123456789abcdef", answer, &host);
    if (pick != SIZE_MAX && (pick >= n || cf[pick].severity != AL_SEV_HIGH))
        __builtin_trap();
    for (k = 0; answer[k] != '\0'; k++)
        if ((unsigned char)answer[k] <= 0x20 || (unsigned char)answer[k] >= 0x7f)
            __builtin_trap();
    if (k == 0 || k >= AL_CONFIRM_MAX || !al_confirm_matches(answer, answer))
        __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const canaries[] = {"CANARY-7f3a", "fennel-obelisk-3381-zq7",
                                           "AKIANAURNNAVHOA7SLII"};
    static const char workspace[] =
        "the heron counts nine lanterns above Pellworth and the ferry leaves at dawn every "
        "second Tuesday of the month from the old harbour wall";
    static struct al_scan_index *ix;
    struct al_scan_opts o;
    struct al_scan *s = NULL;
    char *json = NULL;
    size_t i;
    int d;

    if (ix == NULL && (al_scan_index_new(64, &ix) != 0 ||
                       al_scan_index_add(ix, "notes.txt", workspace, sizeof(workspace) - 1) != 0))
        __builtin_trap();
    /* The same bytes as a workspace file: indexing takes any text. */
    {
        struct al_scan_index *tmp;

        if (al_scan_index_new(32, &tmp) == 0) {
            if (al_scan_index_add(tmp, "f", (const char *)data, size) != 0 ||
                al_scan_index_entries(tmp) > 32)
                __builtin_trap();
            al_scan_index_free(tmp);
        }
    }
    for (d = 0; d < 2; d++) {
        al_scan_opts_init(&o);
        o.workspace = ix;
        o.direction = d ? AL_SCAN_IN : AL_SCAN_OUT;
        o.canaries = canaries;
        o.n_canaries = 3;
        o.budget_plan = 1000;
        if (al_scan_new(&s) != 0)
            return 0;
        if (al_scan(s, "m", (const char *)data, size, &o) != 0 ||
            al_scan(s, "m2", (const char *)data, size / 2, &o) != 0) {
            al_scan_free(s);
            return 0; /* out of memory only */
        }
        confirm(s, (const char *)data, size);
        for (i = 0; i < al_scan_count(s); i++) {
            const struct al_finding *f = al_scan_get(s, i);

            if (f->start > f->end || f->end > size || f->message == NULL ||
                (int)f->severity > al_scan_worst(s))
                __builtin_trap();
            safe(f->message);
            safe(f->visible);
        }
        if (al_scan_json_text(s, &json) != 0)
            __builtin_trap();
        if (strlen(json) > AL_FINDINGS_MAX)
            __builtin_trap(); /* the store keeps at most this much */
        free(json);
        al_scan_free(s);
    }
    return 0;
}
