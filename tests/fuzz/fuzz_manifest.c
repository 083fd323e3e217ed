/* libFuzzer target: the manifest parser (strict JSON, closed schema) and its emitter. */
#include <stddef.h>
#include <stdint.h>

#include <airlock/manifest.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct al_manifest *m = NULL, *again = NULL;
    struct al_plan_limits lim;
    struct al_buf out;

    al_plan_limits_default(&lim);
    if (al_manifest_parse((const char *)data, size, &lim, &m) != 0)
        return 0;
    /* Whatever parses must emit, and the emitted form must parse back. */
    al_buf_init(&out, AL_MANIFEST_MAX);
    if (al_manifest_emit(m, &out) != 0 || al_manifest_parse(out.data, out.len, &lim, &again) != 0)
        __builtin_trap();
    al_manifest_free(again);
    al_manifest_free(m);
    al_buf_close(&out);
    return 0;
}
