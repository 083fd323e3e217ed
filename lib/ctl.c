/*
 * ctl.c: JSON-lines framing for the control socket.
 *
 * A reader keeps the bytes of at most one incomplete line plus whatever complete lines
 * arrived with it, so a peer that never sends a newline costs at most max bytes: after
 * that the line can no longer be framed and the reader stays broken.
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
    r->max = max;
    r->broken = 0;
}

void
al_ctl_reader_close(struct al_ctl_reader *r)
{
    al_buf_close(&r->buf);
}

/* The length of the unframed tail: bytes after the last newline. A peer that sends a long
 * line a byte per read makes every feed search the whole tail again: with a byte loop, one
 * 256 KiB line sent that way held the daemon's event loop for 33 s (a debug build); with
 * memrchr it takes a third of a second. Remembering how far the tail has been searched would
 * make it linear, but needs a field in struct al_ctl_reader. */
static size_t
tail_len(const struct al_ctl_reader *r)
{
    const char *nl = memrchr(r->buf.data + r->off, '\n', r->buf.len - r->off);

    return nl != NULL ? r->buf.len - (size_t)(nl + 1 - r->buf.data) : r->buf.len - r->off;
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
    size_t first, tail;
    int rc;

    if (r->broken)
        return al__fail(AL_ETOOBIG, "a line longer than %zu bytes was sent", r->max);
    compact(r);
    while (len > 0) {
        /* Append at most up to and including the next newline, so the buffer never holds
         * more than complete lines plus one bounded tail. */
        nl = memchr(data, '\n', len);
        first = nl != NULL ? (size_t)(nl - data) + 1 : len;
        tail = r->buf.len == 0 ? 0 : tail_len(r);
        if (tail + first - (nl != NULL) > r->max) {
            r->broken = 1;
            return al__fail(AL_ETOOBIG, "line longer than %zu bytes", r->max);
        }
        rc = al_buf_append(&r->buf, data, first);
        if (rc == AL_ETOOBIG)
            return al__fail(AL_ETOOBIG, "too many lines sent before the replies were read");
        if (rc != 0)
            return rc;
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

    if (r->off >= r->buf.len)
        return r->broken ? al__fail(AL_ETOOBIG, "line longer than %zu bytes", r->max) : 0;
    start = r->buf.data + r->off;
    nl = memchr(start, '\n', r->buf.len - r->off);
    if (nl == NULL)
        return r->broken ? al__fail(AL_ETOOBIG, "line longer than %zu bytes", r->max) : 0;
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
