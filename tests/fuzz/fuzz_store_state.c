/*
 * libFuzzer target: the plan store's state.json reader (strict JSON, closed schema, the
 * consistency rules open relies on) and its writer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <airlock/error.h>
#include <airlock/store.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const struct al_plan_record *a, const struct al_plan_record *b)
{
    return strcmp(a->id, b->id) == 0 && a->from == b->from && a->to == b->to &&
           a->state == b->state && strcmp(a->session, b->session) == 0 &&
           strcmp(a->delivered_to, b->delivered_to) == 0 && a->created == b->created &&
           a->changed == b->changed && a->size == b->size &&
           memcmp(a->hash, b->hash, sizeof(a->hash)) == 0 && strcmp(a->task, b->task) == 0 &&
           strcmp(a->findings, b->findings) == 0 &&
           (a->reason == NULL ? b->reason == NULL
                              : b->reason != NULL && strcmp(a->reason, b->reason) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct al_plan_record rec, again;
    struct al_buf out, out2;
    uint64_t seq, seq2;
    int r;

    al_errclear();
    if ((r = al__store_state_parse((const char *)data, size, &rec, &seq)) != 0) {
        if (r != AL_ENOMEM && al_errdetail()[0] == '\0')
            __builtin_trap(); /* every rejection says what was wrong */
        return 0;
    }
    if (rec.state == AL_PLAN_DELIVERING || rec.state == AL_PLAN_DELIVERED) {
        if (rec.delivered_to[0] == '\0')
            __builtin_trap();
    } else if (rec.delivered_to[0] != '\0') {
        __builtin_trap();
    }
    if (rec.reason != NULL && rec.state != AL_PLAN_REJECTED)
        __builtin_trap();
    /* Whatever is read is written back, and the written form reads back the same, and
     * writing that again gives the very same bytes. */
    al_buf_init(&out, AL__STORE_STATE_MAX);
    al_buf_init(&out2, AL__STORE_STATE_MAX);
    if (al__store_state_emit(&rec, seq, &out) != 0 ||
        al__store_state_parse(out.data, out.len, &again, &seq2) != 0)
        __builtin_trap();
    if (seq2 != seq || !same(&rec, &again))
        __builtin_trap();
    if (al__store_state_emit(&again, seq2, &out2) != 0 || out2.len != out.len ||
        memcmp(out.data, out2.data, out.len) != 0)
        __builtin_trap();
    al__store_record_clear(&again);
    al__store_record_clear(&rec);
    al_buf_close(&out);
    al_buf_close(&out2);
    return 0;
}
