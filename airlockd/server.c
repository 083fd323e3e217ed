/*
 * server.c: the control socket (docs/formats/control.md).
 *
 * Only the daemon's own uid may talk to it: the directory is 0700, the socket 0600, and
 * every connection's SO_PEERCRED is checked before a byte of it is read. Requests are
 * JSON lines of bounded length; a client that sends an endless line or does not read its
 * replies is disconnected, so no client can make the daemon hold unbounded memory.
 */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/json.h>
#include <airlock/log.h>
#include <airlock/timefmt.h>

#define READ_CHUNK (64 * 1024)
#define ID_MAX 64
#define DRAIN_MAX (1024 * 1024)

struct conn {
    struct daemon *d;
    struct conn *next;
    uv_pipe_t pipe;
    struct al_ctl_reader rd;
    int subscribed;
    int closing;
    size_t draining; /* finishing: bytes still to read and drop before closing */
    struct actor peer;
    struct session *attached;
};

struct write_req {
    uv_write_t req;
    char data[];
};

static void
on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;

    al_ctl_reader_close(&c->rd);
    free(c);
}

static void
unlink_conn(struct conn *c)
{
    struct conn **p;

    for (p = &c->d->conns; *p != NULL; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
}

void
conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->attached != NULL)
        session_detach(c->attached, c);
    c->attached = NULL;
    unlink_conn(c);
    uv_close((uv_handle_t *)&c->pipe, on_closed);
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->handle->data;

    (void)status;
    free(req);
    /* Closing with unread input would reset the connection and could destroy the reply
     * before the client reads it: the input is read and dropped until the client closes
     * or DRAIN_MAX bytes have gone. */
    if (c->draining == 0 && !uv_is_closing((uv_handle_t *)&c->pipe))
        uv_close((uv_handle_t *)&c->pipe, on_closed);
}

/* Closes c once what was queued to it has been written (uv_close would cancel it), so a
 * refused client still reads why. */
static void
conn_finish(struct conn *c)
{
    uv_shutdown_t *req;

    if (c->closing)
        return;
    req = malloc(sizeof(*req));
    if (req == NULL) {
        conn_close(c);
        return;
    }
    c->closing = 1;
    if (c->attached != NULL)
        session_detach(c->attached, c);
    c->attached = NULL;
    unlink_conn(c);
    c->draining = DRAIN_MAX;
    if (uv_shutdown(req, (uv_stream_t *)&c->pipe, on_shutdown) != 0) {
        free(req);
        uv_close((uv_handle_t *)&c->pipe, on_closed);
    }
}

static void
on_written(uv_write_t *req, int status)
{
    struct conn *c = req->handle->data;

    free(req);
    /* The client went away (EPIPE) while output was still going to it. */
    if (status < 0 && status != UV_ECANCELED)
        conn_close(c);
}

/* Queues len bytes; a client whose queue passes the cap is too slow and is dropped. */
static void
conn_write(struct conn *c, const char *data, size_t len)
{
    struct write_req *w;
    size_t queued;
    uv_buf_t b;

    if (c->closing || len == 0)
        return;
    queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
    /* One large reply (a plan in base64) is fine; a backlog behind one is not. */
    if (queued > 0 && queued + len > CONN_WRITE_QUEUE_MAX) {
        al_warn("control client not reading its replies; disconnected");
        conn_close(c);
        return;
    }
    w = malloc(sizeof(*w) + len);
    if (w == NULL) {
        conn_close(c);
        return;
    }
    memcpy(w->data, data, len);
    b = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, on_written) != 0) {
        free(w);
        conn_close(c);
    }
}

void
conn_send_raw(struct conn *c, const char *data, size_t len)
{
    conn_write(c, data, len);
}

static void
send_json(struct conn *c, const cJSON *msg)
{
    struct al_buf b;

    al_buf_init(&b, AL_CTL_REPLY_MAX);
    if (al_ctl_emit(msg, &b) == 0)
        conn_write(c, b.data, b.len);
    else
        al_error("reply too large to send");
    al_buf_close(&b);
}

void
conn_reply(struct conn *c, cJSON *reply)
{
    send_json(c, reply);
    cJSON_Delete(reply);
}

static void
add_id(cJSON *o, const cJSON *id)
{
    if (id != NULL)
        cJSON_AddItemToObject(o, "tag", cJSON_Duplicate(id, 1));
}

cJSON *
reply_ok(const cJSON *id)
{
    cJSON *o = cJSON_CreateObject();

    add_id(o, id);
    cJSON_AddBoolToObject(o, "ok", 1);
    return o;
}

cJSON *
reply_error(const cJSON *id, int r)
{
    cJSON *o = cJSON_CreateObject();
    struct al_buf b;
    const char *detail = al_errdetail();
    size_t i;

    add_id(o, id);
    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(o, "error", al_errname(r));
    cJSON_AddStringToObject(o, "message", al_strerror(r));
    /* The detail may quote hostile input (a file name from an outbox): printable ASCII
     * only, so no client prints a control sequence it did not mean to. */
    al_buf_init(&b, 4096);
    for (i = 0; detail[i] != '\0' && b.len + 4 < 4000; i++) {
        unsigned char ch = (unsigned char)detail[i];

        if ((ch >= 0x20 && ch < 0x7f && ch != '\\') ? al_buf_appendc(&b, (char)ch) != 0
                                                    : al_buf_printf(&b, "\\x%02x", ch) != 0)
            break;
    }
    cJSON_AddStringToObject(o, "detail", b.data != NULL ? b.data : "");
    al_buf_close(&b);
    return o;
}

void
server_event(struct daemon *d, cJSON *ev)
{
    struct conn *c, *next;

    for (c = d->conns; c != NULL; c = next) {
        next = c->next;
        if (c->subscribed && c->attached == NULL)
            send_json(c, ev);
    }
    cJSON_Delete(ev);
}

/* ---- requests ---- */

typedef int (*op_fn)(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply);

static int
get_session(struct daemon *d, const cJSON *req, struct session **out)
{
    const char *sid;
    struct session *s = NULL;
    int r;

    if ((r = al_json_string(req, "request", "session", SESSION_ID_LEN, &sid)) != 0)
        return r;
    if ((s = session_find(d, sid)) == NULL)
        return al__fail(AL_ENOTFOUND, "session %s", sid);
    *out = s;
    return 0;
}

static int
get_plan_id(const cJSON *req, const char **out)
{
    int r;

    if ((r = al_json_string(req, "request", "id", AL_ID_HEXLEN, out)) != 0)
        return r;
    if (al_id_check(*out) != 0)
        return al__fail(AL_EFIELD, "id: a plan id is %d lowercase hex digits", AL_ID_HEXLEN);
    return 0;
}

static int
op_hello(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    (void)c, (void)req, (void)id;
    cJSON_AddNumberToObject(reply, "protocol", AL_CTL_PROTOCOL);
    cJSON_AddStringToObject(reply, "version", AIRLOCKD_VERSION);
    return 0;
}

static int
op_status(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct daemon *d = c->d;
    cJSON *plans;
    char keyid[17];
    size_t i, counts[AL_PLAN_EXPIRED + 1] = {0};

    (void)req, (void)id;
    cJSON_AddNumberToObject(reply, "pid", (double)getpid());
    cJSON_AddNumberToObject(reply, "uptime_s", (double)(time(NULL) - d->started));
    cJSON_AddStringToObject(reply, "version", AIRLOCKD_VERSION);
    cJSON_AddStringToObject(reply, "state_dir", d->state_dir);
    if (d->config_used[0] != '\0')
        cJSON_AddStringToObject(reply, "config", d->config_used);
    else
        cJSON_AddNullToObject(reply, "config");
    if (d->have_approver) {
        al_keyid_hex(d->approver.keyid, keyid);
        cJSON_AddStringToObject(reply, "approver", keyid);
    } else {
        cJSON_AddNullToObject(reply, "approver");
    }
    cJSON_AddNumberToObject(reply, "sessions", (double)session_running(d));
    for (i = 0; i < al_store_count(d->store); i++)
        counts[al_store_at(d->store, i)->state]++;
    plans = cJSON_AddObjectToObject(reply, "plans");
    for (i = 0; i <= AL_PLAN_EXPIRED; i++)
        cJSON_AddNumberToObject(plans, al_plan_state_name((enum al_plan_state)i),
                                (double)counts[i]);
    return 0;
}

static int
op_start(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session_start st = {0};
    struct session *s = NULL;
    const char *side, *task;
    int r;

    (void)id;
    if ((r = al_json_string(req, "request", "side", 16, &side)) != 0 ||
        (r = al_json_string(req, "request", "task", AL_TASK_MAX, &task)) != 0)
        return r;
    if ((r = al_side_parse(side, &st.side)) != 0)
        return al__fail(AL_EFIELD, "side must be \"offline\" or \"online\"");
    st.task = task;
    if ((r = crossing_check_task(c->d, task)) != 0 || (r = session_start(c->d, &st, &s)) != 0)
        return r;
    cJSON_AddItemToObject(reply, "session", session_json(s));
    return 0;
}

static int
op_sessions(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    cJSON *a = cJSON_AddArrayToObject(reply, "sessions");
    struct session *s = NULL;

    (void)req, (void)id;
    /* The list is newest first; clients read oldest first. */
    for (s = c->d->sessions; s != NULL; s = s->next)
        cJSON_InsertItemInArray(a, 0, session_json(s));
    return 0;
}

static int
op_stop(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session *s = NULL;
    int r;

    (void)id;
    if ((r = get_session(c->d, req, &s)) != 0)
        return r;
    if (s->state == SESSION_RUNNING)
        session_stop(s, "stopped");
    cJSON_AddItemToObject(reply, "session", session_json(s));
    return 0;
}

static int
op_collect(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session *s = NULL;
    cJSON *plans, *refused;
    int r;

    (void)id;
    if ((r = get_session(c->d, req, &s)) != 0)
        return r;
    plans = cJSON_AddArrayToObject(reply, "plans");
    refused = cJSON_AddArrayToObject(reply, "refused");
    return crossing_collect(c->d, s, plans, refused);
}

static int
op_plans(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    cJSON *a = cJSON_AddArrayToObject(reply, "plans");
    size_t i;

    (void)req, (void)id;
    for (i = 0; i < al_store_count(c->d->store); i++)
        cJSON_AddItemToArray(a, plan_json(al_store_at(c->d->store, i)));
    return 0;
}

static int
add_base64(cJSON *o, const char *key, const char *data, size_t len)
{
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(n);

    if (b == NULL)
        return AL_ENOMEM;
    sodium_bin2base64(b, n, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
    cJSON_AddStringToObject(o, key, b);
    free(b);
    return 0;
}

static int
op_plan(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    const struct al_plan_record *p;
    struct al_buf art, sig;
    const char *pid;
    cJSON *findings = NULL;
    int r;

    (void)id;
    if ((r = get_plan_id(req, &pid)) != 0)
        return r;
    if ((p = al_store_find(c->d->store, pid)) == NULL)
        return al__fail(AL_ENOTFOUND, "plan %s", pid);
    al_buf_init(&art, AL_PLAN_HARD_MAX_BYTES * 2);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    if ((r = al_store_artifact(c->d->store, pid, &art)) != 0)
        goto out;
    cJSON_AddItemToObject(reply, "plan", plan_json(p));
    if (al_json_parse(p->findings, strlen(p->findings), AL_FINDINGS_MAX, AL_JSON_MAX_DEPTH,
                      &findings) != 0)
        findings = cJSON_CreateArray();
    cJSON_AddItemToObject(reply, "findings", findings); /* transferred */
    if ((r = add_base64(reply, "artifact", art.data, art.len)) != 0)
        goto out;
    if (p->state == AL_PLAN_APPROVED || p->state == AL_PLAN_DELIVERING ||
        p->state == AL_PLAN_DELIVERED) {
        if ((r = al_store_signature(c->d->store, pid, &sig)) != 0)
            goto out;
        cJSON_AddStringToObject(reply, "signature", sig.data);
    }
    /* success */ r = 0;
out:
    al_buf_close(&art);
    al_buf_close(&sig);
    return r;
}

static int
op_approve(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session *s = NULL;
    const char *pid, *sig;
    int r;

    (void)id;
    if ((r = get_plan_id(req, &pid)) != 0 ||
        (r = al_json_string(req, "request", "signature", AL_SIGFILE_MAX, &sig)) != 0)
        return r;
    r = crossing_approve(c->d, &c->peer, pid, sig, strlen(sig), &s);
    if (r != 0)
        return r;
    cJSON_AddItemToObject(reply, "plan", plan_json(al_store_find(c->d->store, pid)));
    if (s != NULL)
        cJSON_AddItemToObject(reply, "session", session_json(s));
    return 0;
}

static int
op_reject(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    const char *pid, *reason = NULL;
    int r;

    (void)id;
    if ((r = get_plan_id(req, &pid)) != 0)
        return r;
    if (cJSON_GetObjectItemCaseSensitive(req, "reason") != NULL &&
        (r = al_json_string(req, "request", "reason", AL_REASON_MAX, &reason)) != 0)
        return r;
    if ((r = crossing_reject(c->d, &c->peer, pid, reason)) != 0)
        return r;
    cJSON_AddItemToObject(reply, "plan", plan_json(al_store_find(c->d->store, pid)));
    return 0;
}

/*
 * edit: the members arrive as {"name", "data": base64} objects and are decoded here; every
 * rule a plan's files must keep (paths, sizes, text) is the packer's, in crossing_edit.
 * The request line's cap (AL_CTL_REQUEST_MAX) bounds what is decoded.
 */
static int
op_edit(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    static const char *const member_keys[] = {"name", "data"};
    struct al_plan_file *files = NULL;
    const cJSON *members, *m;
    const char *pid, *name, *b64, *end;
    char where[32], newid[AL_ID_HEXLEN + 1];
    size_t i = 0, n, len;
    char *bin;
    int r;

    (void)id;
    if ((r = get_plan_id(req, &pid)) != 0 ||
        (r = al_json_array(req, "request", "members", &members)) != 0)
        return r;
    if ((n = (size_t)cJSON_GetArraySize(members)) == 0)
        return al__fail(AL_EFIELD, "members: an edit keeps at least one file");
    if ((files = calloc(n, sizeof(*files))) == NULL)
        return AL_ENOMEM;
    cJSON_ArrayForEach(m, members)
    {
        snprintf(where, sizeof(where), "members[%zu]", i);
        if ((r = al_json_closed(m, where, member_keys, 2)) != 0 ||
            (r = al_json_string(m, where, "name", AL_CTL_REQUEST_MAX, &name)) != 0 ||
            (r = al_json_string(m, where, "data", AL_CTL_REQUEST_MAX, &b64)) != 0)
            goto out;
        len = strlen(b64);
        if ((bin = malloc(len / 4 * 3 + 3)) == NULL) {
            r = AL_ENOMEM;
            goto out;
        }
        files[i].path = name;
        files[i].data = bin;
        if (sodium_base642bin((unsigned char *)bin, len / 4 * 3 + 3, b64, len, NULL, &files[i].len,
                              &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            end != b64 + len) {
            r = al__fail(AL_EFIELD, "%s.data: not base64 (RFC 4648, padded, no white space)",
                         where);
            goto out;
        }
        i++;
    }
    if ((r = crossing_edit(c->d, &c->peer, pid, files, n, newid)) != 0)
        goto out;
    cJSON_AddItemToObject(reply, "plan", plan_json(al_store_find(c->d->store, newid)));
    cJSON_AddItemToObject(reply, "replaced", plan_json(al_store_find(c->d->store, pid)));
    /* success */ r = 0;
out:
    for (i = 0; i < n; i++)
        free((char *)(uintptr_t)files[i].data);
    free(files);
    return r;
}

static int
op_egress(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    cJSON *records = session_egress_records(c->d);

    (void)req, (void)id;
    if (records == NULL)
        return AL_ENOMEM;
    cJSON_AddItemToObject(reply, "records", records); /* transferred */
    return 0;
}

static int
opt_uint(const cJSON *req, const char *key, uint64_t max, uint64_t *out)
{
    if (cJSON_GetObjectItemCaseSensitive(req, key) == NULL)
        return 0;
    return al_json_uint(req, "request", key, max, out);
}

static int
op_handoff(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session *s = NULL;
    uint64_t offset = 0, length = UINT64_MAX;
    int r;

    (void)id;
    if ((r = get_session(c->d, req, &s)) != 0 ||
        (r = opt_uint(req, "offset", TRANSCRIPT_MAX, &offset)) != 0 ||
        (r = opt_uint(req, "length", TRANSCRIPT_MAX, &length)) != 0)
        return r;
    return crossing_handoff(c->d, s, offset, length, cJSON_AddArrayToObject(reply, "plans"));
}

static int
op_transcript(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session *s = NULL;
    uint64_t offset = 0, max = TRANSCRIPT_READ_MAX, next = 0;
    struct al_buf b;
    int r;

    (void)id;
    if ((r = get_session(c->d, req, &s)) != 0 ||
        (r = opt_uint(req, "offset", UINT32_MAX, &offset)) != 0 ||
        (r = opt_uint(req, "max", TRANSCRIPT_READ_MAX, &max)) != 0)
        return r;
    al_buf_init(&b, TRANSCRIPT_READ_MAX);
    r = session_transcript(s, offset, (size_t)max, &b, &next);
    if (r == 0)
        r = add_base64(reply, "data", b.data != NULL ? b.data : "", b.len);
    al_buf_close(&b);
    if (r != 0)
        return r;
    cJSON_AddNumberToObject(reply, "offset", (double)next);
    cJSON_AddNumberToObject(reply, "size", (double)s->transcript_bytes);
    return 0;
}

static int
op_subscribe(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    (void)req, (void)id, (void)reply;
    c->subscribed = 1;
    return 0;
}

/* attach is answered here but switched to raw mode by the caller, after the reply. */
static int
op_attach(struct conn *c, const cJSON *req, const cJSON *id, cJSON *reply)
{
    struct session *s = NULL;
    uint64_t rows = 0, cols = 0;
    int r;

    (void)id, (void)reply;
    if ((r = get_session(c->d, req, &s)) != 0 || (r = opt_uint(req, "rows", 1000, &rows)) != 0 ||
        (r = opt_uint(req, "cols", 1000, &cols)) != 0)
        return r;
    if (s->state != SESSION_RUNNING || s->c == NULL)
        return al__fail(AL_ESTATE, "session %s has ended", s->id);
    if (rows > 0 && cols > 0) {
        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

        (void)ioctl(al_compartment_pty(s->c), TIOCSWINSZ, &ws);
    }
    return 0;
}

static const struct op {
    const char *name;
    op_fn fn;
    const char *args[4];
} ops[] = {
    {"hello", op_hello, {NULL}},
    {"status", op_status, {NULL}},
    {"start", op_start, {"side", "task", NULL}},
    {"sessions", op_sessions, {NULL}},
    {"stop", op_stop, {"session", NULL}},
    {"collect", op_collect, {"session", NULL}},
    {"plans", op_plans, {NULL}},
    {"plan", op_plan, {"id", NULL}},
    {"approve", op_approve, {"id", "signature", NULL}},
    {"reject", op_reject, {"id", "reason", NULL}},
    {"edit", op_edit, {"id", "members", NULL}},
    {"handoff", op_handoff, {"session", "offset", "length", NULL}},
    {"transcript", op_transcript, {"session", "offset", "max", NULL}},
    {"attach", op_attach, {"session", "rows", "cols", NULL}},
    {"subscribe", op_subscribe, {NULL}},
    {"egress", op_egress, {NULL}},
};

static void
handle(struct conn *c, cJSON *req)
{
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(req, "tag");
    const struct op *op = NULL;
    const char *name, *known[8];
    cJSON *reply;
    size_t i, n;
    int r;

    if (rid != NULL &&
        !(cJSON_IsNumber(rid) || (cJSON_IsString(rid) && strlen(rid->valuestring) <= ID_MAX))) {
        r = al__fail(AL_EJSONTYPE, "tag: a string of at most %d bytes or a number", ID_MAX);
        rid = NULL;
        goto fail;
    }
    if ((r = al_json_string(req, "request", "op", 32, &name)) != 0)
        goto fail;
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(ops[i].name, name) == 0)
            op = &ops[i];
    if (op == NULL) {
        r = al__fail(AL_EPROTO, "unknown op \"%s\"", name);
        goto fail;
    }
    known[0] = "op";
    known[1] = "tag";
    for (n = 2; op->args[n - 2] != NULL; n++)
        known[n] = op->args[n - 2];
    if ((r = al_json_closed(req, "request", known, n)) != 0)
        goto fail;
    reply = reply_ok(rid);
    if ((r = op->fn(c, req, rid, reply)) != 0) {
        cJSON_Delete(reply);
        goto fail;
    }
    conn_reply(c, reply);
    if (op->fn == op_attach) {
        struct session *s = NULL;

        if (get_session(c->d, req, &s) == 0)
            conn_attach(c, s);
    }
    return;
fail:
    conn_reply(c, reply_error(rid, r));
}

void
conn_attach(struct conn *c, struct session *s)
{
    /* The reply may have been the write that made the client too slow to keep. */
    if (c->closing)
        return;
    c->attached = s;
    session_attach(s, c);
    /* Bytes the client sent after the attach line are already terminal input. */
    if (al_ctl_pending(&c->rd) > 0) {
        session_input(s, al_ctl_pending_data(&c->rd), al_ctl_pending(&c->rd));
        al_ctl_reader_close(&c->rd);
        al_ctl_reader_init(&c->rd, AL_CTL_REQUEST_MAX);
    }
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)h, (void)suggested;
    b->base = malloc(READ_CHUNK);
    b->len = b->base != NULL ? READ_CHUNK : 0;
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = st->data;
    cJSON *req;
    int r;

    if (c->draining > 0) {
        if (n < 0 || (size_t)n >= c->draining) {
            c->draining = 0;
            uv_close((uv_handle_t *)&c->pipe, on_closed);
        } else if (n > 0) {
            c->draining -= (size_t)n;
        }
        goto out;
    }
    if (n < 0) {
        conn_close(c);
        goto out;
    }
    if (n == 0 || c->closing)
        goto out;
    if (c->attached != NULL) {
        session_input(c->attached, b->base, (size_t)n);
        goto out;
    }
    if ((r = al_ctl_feed(&c->rd, b->base, (size_t)n)) != 0) {
        /* Framing is lost: answer once and hang up. */
        conn_reply(c, reply_error(NULL, r));
        conn_finish(c);
        goto out;
    }
    while (!c->closing && c->attached == NULL && (r = al_ctl_next(&c->rd, &req)) != 0) {
        if (r < 0) {
            conn_reply(c, reply_error(NULL, r));
            continue;
        }
        handle(c, req);
        cJSON_Delete(req);
    }
out:
    free(b->base);
}

static void
on_connection(uv_stream_t *server, int status)
{
    struct daemon *d = server->data;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    struct conn *c;
    uv_os_fd_t fd;

    if (status != 0)
        return;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return;
    c->d = d;
    al_ctl_reader_init(&c->rd, AL_CTL_REQUEST_MAX);
    uv_pipe_init(d->loop, &c->pipe, 0);
    c->pipe.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->pipe, on_closed);
        return;
    }
    c->next = d->conns;
    d->conns = c;
    cred.uid = (uid_t)-1;
    cred.pid = 0;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != getuid()) {
        al_warn("control connection from uid %ld refused", (long)cred.uid);
        /* Read (and drop) what it sends, so that its end of the connection closing is
         * noticed and the connection freed. */
        uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
        conn_reply(c, reply_error(NULL, al__fail(AL_EPEER, "only uid %ld may use this socket",
                                                 (long)getuid())));
        conn_finish(c);
        return;
    }
    c->peer.uid = (long)cred.uid;
    c->peer.pid = (long)cred.pid;
    uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

/* Makes the socket's directory, refusing one that someone else owns or others can enter. */
static int
socket_dir(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct stat st;
    char *slash;

    memcpy(dir, path, strlen(path) + 1);
    slash = strrchr(dir, '/');
    *slash = '\0';
    if (lstat(dir, &st) != 0)
        return al__fail(-errno, "%s", dir);
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077) != 0)
        return al__fail(AL_EINVAL, "%s must be a directory of uid %ld with mode 0700", dir,
                        (long)getuid());
    return 0;
}

int
server_start(struct daemon *d)
{
    struct stat st;
    mode_t old;
    int r, fd;

    if ((r = socket_dir(d->socket_path)) != 0)
        return r;
    /* A socket left by a daemon that died is replaced; a live daemon is not. */
    if (lstat(d->socket_path, &st) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        if (!S_ISSOCK(st.st_mode))
            return al__fail(AL_EEXISTS, "%s exists and is not a socket", d->socket_path);
        memcpy(sa.sun_path, d->socket_path, strlen(d->socket_path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(fd);
            return al__fail(AL_EEXISTS, "another airlockd is listening on %s", d->socket_path);
        }
        if (fd >= 0)
            close(fd);
        if (unlink(d->socket_path) != 0)
            return al__fail(-errno, "%s", d->socket_path);
    }
    uv_pipe_init(d->loop, &d->server, 0);
    d->server.data = d;
    /* The socket is created 0600 from the start: no window in which it is wider. */
    old = umask(0177);
    r = uv_pipe_bind(&d->server, d->socket_path);
    umask(old);
    if (r != 0)
        return al__fail(r, "bind %s", d->socket_path);
    if ((r = uv_listen((uv_stream_t *)&d->server, 64, on_connection)) != 0)
        return al__fail(r, "listen %s", d->socket_path);
    return 0;
}

/* Connections being drained after a refusal are no longer listed: find them by walking. */
static void
close_draining(uv_handle_t *h, void *arg)
{
    if (h->type == UV_NAMED_PIPE && h != arg && !uv_is_closing(h))
        uv_close(h, on_closed);
}

void
server_stop(struct daemon *d)
{
    while (d->conns != NULL)
        conn_close(d->conns);
    uv_walk(d->loop, close_draining, &d->server);
    uv_close((uv_handle_t *)&d->server, NULL);
    unlink(d->socket_path);
}
