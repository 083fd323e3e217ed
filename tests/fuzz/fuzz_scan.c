/*
 * libFuzzer target: the plan scanner on arbitrary bytes, both directions, with canaries.
 * Beyond "no crash, no leak, no timeout": every finding lies inside the input, its
 * message and visible text are terminal-safe (no C0 but nothing, no DEL, no C1, no ESC),
 * the worst severity covers every finding, and the JSON form is built and bounded.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
