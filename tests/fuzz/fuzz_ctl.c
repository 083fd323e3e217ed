/*
 * libFuzzer target: the control protocol's reader (al_ctl_feed, al_ctl_next) fed in pieces
 * whose sizes the input chooses, every message it frames emitted and read back (the round
 * trip must be stable), and the client's reading of a reply (al_client_transcript,
 * al_client_code) on every message.
 *
 * The first byte is the plan: its low bit chooses a small line limit (so that ETOOBIG is
 * reached within libFuzzer's input size) or the real one, the rest seeds the piece sizes.
 * The bytes after it are what a peer sends.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <airlock/client.h>
#include <airlock/ctl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMALL_MAX 512

/* The client's reading of msg as a reply: never more than it may, out untouched on error. */
static void
client_side(const cJSON *msg)
{
    static const uint64_t offsets[] = {0, 1, 4096, UINT64_C(1) << 53};
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(msg, "error");
    uint64_t next, total;
    struct al_buf out;
    size_t i;
    int r;

    if (cJSON_IsString(e)) {
        r = al_client_code(e->valuestring);
        if (r >= 0 || (r != AL_EPROTO && strcmp(al_errname(r), e->valuestring) != 0))
            __builtin_trap();
    }
    for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        al_buf_init(&out, 1024);
        next = total = 7;
        r = al_client_transcript(msg, offsets[i], &out, &next, &total);
        if (r == 0 && (next < offsets[i] || next - offsets[i] != out.len))
            __builtin_trap();
        if (r != 0 && (out.len != 0 || next != 7 || total != 7))
            __builtin_trap();
        al_buf_close(&out);
    }
}

/* msg emits to one line that reads back as a message emitting to the same bytes. */
static void
round_trip(const cJSON *msg)
{
    struct al_ctl_reader rd;
    struct al_buf one, two;
    cJSON *again = NULL;

    al_buf_init(&one, AL_CTL_REPLY_MAX);
    al_buf_init(&two, AL_CTL_REPLY_MAX);
    al_ctl_reader_init(&rd, AL_CTL_REPLY_MAX);
    if (al_ctl_emit(msg, &one) != 0)
        __builtin_trap();
    if (one.len == 0 || one.data[one.len - 1] != '\n' || memchr(one.data, '\n', one.len - 1))
        __builtin_trap();
    if (al_ctl_feed(&rd, one.data, one.len) != 0 || al_ctl_next(&rd, &again) != 1)
        __builtin_trap();
    if (al_ctl_emit(again, &two) != 0 || two.len != one.len ||
        memcmp(two.data, one.data, one.len) != 0)
        __builtin_trap();
    if (al_ctl_pending(&rd) != 0)
        __builtin_trap();
    cJSON_Delete(again);
    al_ctl_reader_close(&rd);
    al_buf_close(&one);
    al_buf_close(&two);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct al_ctl_reader rd;
    uint32_t seed;
    size_t max, at = 1, n;
    cJSON *msg;
    int r = 0, fed = 0;

    if (size < 1)
        return 0;
    max = (data[0] & 1) ? SMALL_MAX : AL_CTL_REQUEST_MAX;
    seed = data[0] | 0x100u;
    al_ctl_reader_init(&rd, max);
    while (fed == 0 && at < size) {
        /* A small linear congruential sequence: pieces of 1 to 128 bytes, or the rest. */
        seed = seed * 1103515245u + 12345u;
        n = (seed >> 16) % 9 == 0 ? size - at : 1 + (seed >> 16) % 128;
        if (n > size - at)
            n = size - at;
        fed = al_ctl_feed(&rd, (const char *)data + at, n);
        at += n;
        /* ETOOBIG is the one failure allowed: a line too long, or one piece holding more
         * complete lines than the buffer keeps (two lines' worth). Either breaks the
         * reader for good, and the caller hangs up, as airlockd does. */
        if (fed != 0 && fed != AL_ETOOBIG)
            __builtin_trap();
        for (;;) {
            msg = NULL;
            if ((r = al_ctl_next(&rd, &msg)) == 0)
                break;
            if (r == 1) {
                if (!cJSON_IsObject(msg))
                    __builtin_trap();
                round_trip(msg);
                client_side(msg);
                cJSON_Delete(msg);
                continue;
            }
            if (msg != NULL || al_errdetail()[0] == '\0')
                __builtin_trap();
            if (r == AL_ETOOBIG)
                break;
        }
        if (r == AL_ETOOBIG) {
            /* Framing is lost for good. */
            if (!rd.broken || al_ctl_feed(&rd, "{}\n", 3) != AL_ETOOBIG ||
                al_ctl_next(&rd, &msg) != AL_ETOOBIG)
                __builtin_trap();
            break;
        }
    }
    /* What is left is at most one incomplete line, never longer than the limit. */
    if (!rd.broken && (al_ctl_pending(&rd) > max ||
                       memchr(al_ctl_pending_data(&rd), '\n', al_ctl_pending(&rd)) != NULL))
        __builtin_trap();
    al_ctl_reader_close(&rd);
    return 0;
}
