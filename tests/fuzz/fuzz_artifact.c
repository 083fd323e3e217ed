/* libFuzzer target: the strict artifact reader, and safe rendering of what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <airlock/airlock.h>
#include <airlock/artifact.h>
#include <airlock/render.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct al_manifest *m;
    struct al_artifact *a = NULL;
    struct al_plan_limits lim;
    struct al_buf out;
    const char *p;
    size_t i, n;

    al_plan_limits_default(&lim);
    if (al_artifact_read((const char *)data, size, &lim, &a) != 0)
        return 0;
    m = al_artifact_manifest(a);
    al_buf_init(&out, 16 * 1024 * 1024);
    for (i = 0; i < m->n_entries; i++) {
        al_artifact_member(a, i, &p, &n);
        if (n != m->entries[i].size || al_render_escape(p, n, 0, &out) != 0)
            __builtin_trap();
        /* Rendered text never carries ESC or other C0 controls besides newline. */
        for (size_t k = 0; k < out.len; k++)
            if ((unsigned char)out.data[k] < 0x20 && out.data[k] != '\n')
                __builtin_trap();
        al_buf_reset(&out);
    }
    al_buf_close(&out);
    al_artifact_free(a);
    return 0;
}
