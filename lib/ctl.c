/*
 * ctl.c: JSON-lines framing for the control socket.
 *
 * A reader keeps the bytes of at most one incomplete line plus the complete lines not yet
 * taken, two lines' worth in all, so a peer that never sends a newline costs at most max
 * bytes: after that the line can no longer be framed and the reader stays broken. So does
 * one whose complete lines would not fit: dropping some of them loses framing too.
 */
#include <string.h>

#include <airlock/ctl.h>
#include <airlock/json.h>

void
al_ctl_reader_init(struct al_ctl_reader *r, size_t max)
{
    /* Room for one full line, its newline, and one full line after it that arrived in
     * the same read. */
    al_buf_init(&r->buf, 2 * (max + 1));
    r->off = 0;
    r->tail = 0;
    r->max = max;
    r->broken = 0;
}

void
al_ctl_reader_close(struct al_ctl_reader *r)
{
    al_buf_close(&r->buf);
}

/* Why a reader is broken; each gives the detail of every later failure. */
#define TOO_LONG 1
#define TOO_MANY 2

static int
broken_fail(const struct al_ctl_reader *r)
{
    if (r->broken == TOO_MANY)
        return al__fail(AL_ETOOBIG, "too many lines sent before the replies were read");
    return al__fail(AL_ETOOBIG, "line longer than %zu bytes", r->max);
}

#ifdef AL_CTL_COUNT_SEARCHED
extern size_t al__ctl_searched;
size_t al__ctl_searched;
#endif

/* Every search for a newline goes through here. A peer may send a long line a byte per
 * read, so no byte is searched twice: feed searches only the bytes it is given and
 * remembers the length of the unframed tail, and next searches only before that tail.
 * Searching the whole tail again on every feed held the daemon's loop for a third of a
 * second (33 s with a byte loop) on one 256 KiB line sent that way. tests/unit/test_ctl.c
 * builds this file with AL_CTL_COUNT_SEARCHED to count the bytes searched. */
static const char *
find_nl(const char *s, size_t n)
{
    const char *nl = memchr(s, '\n', n);

#ifdef AL_CTL_COUNT_SEARCHED
    al__ctl_searched += nl != NULL ? (size_t)(nl - s) + 1 : n;
#endif
    return nl;
}

/* Drops the lines already framed, once per feed: moving the rest after every line would
 * make a read full of short lines cost its length squared. */
static void
compact(struct al_ctl_reader *r)
{
    if (r->off == 0)
        return;
    memmove(r->buf.data, r->buf.data + r->off, r->buf.len - r->off);
    r->buf.len -= r->off;
    r->buf.data[r->buf.len] = '\0';
    r->off = 0;
}

int
al_ctl_feed(struct al_ctl_reader *r, const char *data, size_t len)
{
    const char *nl;
    size_t first;
    int rc;

    if (r->broken)
        return broken_fail(r);
    compact(r);
    while (len > 0) {
        /* Append at most up to and including the next newline, so the buffer never holds
         * more than complete lines plus one bounded tail. */
        nl = find_nl(data, len);
        first = nl != NULL ? (size_t)(nl - data) + 1 : len;
        if (r->tail + first - (nl != NULL) > r->max) {
            r->broken = TOO_LONG;
            return broken_fail(r);
        }
        rc = al_buf_append(&r->buf, data, first);
        if (rc == AL_ETOOBIG) {
            /* Full of complete lines not yet taken: dropping this one and the rest of data
             * loses framing as surely as a long line does. */
            r->broken = TOO_MANY;
            return broken_fail(r);
        }
        if (rc != 0)
            return rc;
        r->tail = nl != NULL ? 0 : r->tail + first;
        data += first;
        len -= first;
    }
    return 0;
}

int
al_ctl_next(struct al_ctl_reader *r, cJSON **msg)
{
    const char *start, *nl;
    size_t n;
    cJSON *v = NULL;
    int rc;

    /* A complete line ends before the tail, which has been searched already. */
    if (r->buf.len - r->off <= r->tail)
        return r->broken ? broken_fail(r) : 0;
    start = r->buf.data + r->off;
    nl = find_nl(start, r->buf.len - r->off - r->tail);
    if (nl == NULL)
        return r->broken ? broken_fail(r) : 0;
    n = (size_t)(nl - start);
    rc = al_json_parse(start, n, r->max, AL_JSON_MAX_DEPTH, &v);
    if (rc == 0 && !cJSON_IsObject(v))
        rc = al__fail(AL_EJSONTYPE, "a message must be a JSON object");
    r->off += n + 1;
    if (r->off == r->buf.len)
        r->off = r->buf.len = 0;
    if (rc != 0) {
        cJSON_Delete(v);
        return rc;
    }
    *msg = v;
    return 1;
}

int
al_ctl_emit(const cJSON *msg, struct al_buf *out)
{
    char *text;
    int r;

    text = cJSON_PrintUnformatted(msg);
    if (text == NULL)
        return AL_ENOMEM;
    r = al_buf_append(out, text, strlen(text));
    if (r == 0)
        r = al_buf_appendc(out, '\n');
    cJSON_free(text);
    return r;
}

size_t
al_ctl_pending(const struct al_ctl_reader *r)
{
    return r->buf.len - r->off;
}

const char *
al_ctl_pending_data(const struct al_ctl_reader *r)
{
    return r->buf.data != NULL ? r->buf.data + r->off : "";
}
