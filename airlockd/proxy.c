/*
 * proxy.c: the egress proxy engine on a libuv loop (see proxy.h, docs/internals/egress.md).
 *
 * A connection goes through these states:
 *
 *   HEAD     reading a request head into a buffer of at most header_max bytes
 *   RESOLVE  the allowlist said yes; uv_getaddrinfo runs (names only, never for a pin
 *            or a literal)
 *   CONNECT  uv_tcp_connect to the chosen address, the next permitted one on failure
 *   TUNNEL   CONNECT answered 200: bytes both ways until both sides end
 *   FORWARD  a plain HTTP request sent upstream with "Connection: close"; the response
 *            head is rewritten for the client, the body relayed until the upstream closes;
 *            then back to HEAD when the client can keep the connection
 *   DRAIN    an error response was sent and our side shut down; the client's input is read
 *            and dropped until it closes (closing with unread input would reset the
 *            connection and could destroy the response before the client read it)
 *
 * Relay buffers come from a small pool and are taken only in the read allocation callback,
 * which libuv calls when the socket is readable, and given back as soon as the data is
 * written: an idle tunnel holds no buffer. One write per direction is in flight at most;
 * while it is, that direction does not read (the sender sees TCP back-pressure).
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <airlock/egress.h>

#define RELAY_BUF (128 * 1024) /* one read's worth; see docs/internals/egress.md */
#define POOL_KEEP 16           /* relay buffers kept for reuse */
#define RESP_HEAD_MAX 65536    /* an upstream response head */
#define DRAIN_MAX (256 * 1024) /* input read and dropped after an error response */
#define DRAIN_MS 2000
#define FWD_HEAD_MAX (AL_EGRESS_HEAD_HARD_MAX + 1024)

enum state { S_HEAD, S_RESOLVE, S_CONNECT, S_TUNNEL, S_FORWARD, S_DRAIN, S_CLOSING };

struct pool_buf {
    struct pool_buf *next;
};

struct proxy {
    uv_loop_t *loop;
    uv_tcp_t listener;
    const struct al_config *cfg;
    struct proxy_limits lim;
    proxy_record_cb cb;
    void *arg;
    struct proxy_stats st;
    uint64_t next_id;
    size_t alive; /* struct conn not yet freed: each holds p */
    struct conn *conns;
    struct pool_buf *pool;
    size_t pooled;
    int stopping;
    int listener_open;
};

/* One write in flight; buf is a pool buffer (pooled) or malloc'd. */
struct wreq {
    uv_write_t req;
    struct conn *c;
    char *buf;
    int pooled;
    int dir; /* 0: to upstream, 1: to client, -1: an error response */
    void *dst;
};

struct sreq {
    uv_shutdown_t req;
    struct conn *c;
};

struct conn {
    struct proxy *p;
    struct conn *prev, *next;
    enum state state;
    uv_tcp_t client;
    uv_tcp_t *up; /* the upstream connection (its own allocation: a closing one may linger) */
    uv_timer_t timer;
    uv_getaddrinfo_t gai;
    uv_connect_t creq;
    int handles;      /* handles open (closed through close_cb) */
    int gai_busy;     /* a lookup is in the threadpool */
    int connect_busy; /* a connect request is pending */
    int writing[2];   /* a write in flight: 0 to upstream, 1 to client */
    int eof[2];       /* 0: client ended its input, 1: upstream ended its output */
    int shut[2];      /* 0: upstream's write side shut down, 1: client's */
    int reading[2];   /* 0: client reading, 1: upstream reading */
    struct addrinfo *ai, *ai_next;
    /* the request head */
    char *head;
    size_t head_len;
    struct al_egress_req req;
    /* forwarding */
    uint64_t body_left; /* request body bytes still to pass upstream */
    int body_until_eof; /* chunked request: the client's input until the response ends */
    char *resp;         /* the response head as it arrives */
    size_t resp_len;
    struct al_egress_resp rs;
    int resp_done;    /* head sent to the client */
    int resp_bounded; /* the body has a known length: resp_left */
    uint64_t resp_left;
    int keep; /* the client connection outlives this request */
    /* the record of the current request */
    int active, opened;
    uint64_t id, t0, nup, ndown;
    char method[AL_EGRESS_METHOD_MAX + 1];
    char host[AL_HOSTNAME_MAX + 1];
    unsigned port;
    char address[INET6_ADDRSTRLEN];
    const char *source;
    char rule[AL_HOSTNAME_MAX + 32];
    const char *reason;
    enum proxy_verdict verdict;
    int status;
    unsigned lookups;
    /* timing */
    uint64_t accepted, head_start, connect_start, last;
    uint64_t drained;
};

/* ---- small helpers ------------------------------------------------------------------- */

void
proxy_limits_default(struct proxy_limits *lim)
{
    memset(lim, 0, sizeof(*lim));
    lim->max_conns = 256;
    lim->header_max = AL_EGRESS_HEAD_MAX;
    lim->header_timeout_ms = 10000;
    lim->connect_timeout_ms = 10000;
    lim->idle_timeout_ms = 300000;
    lim->lifetime_ms = 3600000;
}

static char *
pool_get(struct proxy *p)
{
    struct pool_buf *b = p->pool;

    if (b != NULL) {
        p->pool = b->next;
        p->pooled--;
        return (char *)b;
    }
    return malloc(RELAY_BUF);
}

static void
pool_put(struct proxy *p, char *buf)
{
    struct pool_buf *b = (struct pool_buf *)(void *)buf;

    if (buf == NULL)
        return;
    if (p->pooled >= POOL_KEEP || p->stopping) {
        free(buf);
        return;
    }
    b->next = p->pool;
    p->pool = b;
    p->pooled++;
}

static void conn_close(struct conn *c);
static void on_write_resume(uv_write_t *req, int status);
static void head_start(struct conn *c);
static void head_more(struct conn *c);
static void arm_timer(struct conn *c);

static void
copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = src == NULL ? 0 : strlen(src);

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src == NULL ? "" : src, n);
    dst[n] = '\0';
}

static void
emit(struct conn *c, enum proxy_phase phase)
{
    struct proxy *p = c->p;
    struct proxy_record rec;

    if (phase == PROXY_END) {
        if (c->verdict == PROXY_DENY)
            p->st.denied++;
        c->active = 0;
    } else {
        c->opened = 1;
    }
    if (p->cb == NULL)
        return;
    memset(&rec, 0, sizeof(rec));
    rec.phase = phase;
    rec.verdict = c->verdict;
    rec.id = c->id;
    rec.method = c->method;
    rec.host = c->host;
    rec.port = c->port;
    rec.address = c->address;
    rec.source = c->source != NULL ? c->source : "";
    rec.rule = c->rule;
    rec.reason = c->reason != NULL ? c->reason : "";
    rec.status = c->status;
    rec.bytes_up = c->nup;
    rec.bytes_down = c->ndown;
    rec.duration_ms = uv_now(p->loop) - c->t0;
    rec.lookups = c->lookups;
    p->cb(&rec, p->arg);
}

/* Ends the current request's record, once. */
static void
finish_request(struct conn *c)
{
    if (c->active)
        emit(c, PROXY_END);
}

static void
begin_request(struct conn *c)
{
    c->active = 1;
    c->opened = 0;
    c->id = ++c->p->next_id;
    c->t0 = uv_now(c->p->loop);
    c->nup = c->ndown = 0;
    c->method[0] = c->host[0] = c->address[0] = c->rule[0] = '\0';
    c->port = 0;
    c->source = c->reason = NULL;
    c->verdict = PROXY_ERROR;
    c->status = 0;
    c->lookups = 0;
    c->p->st.requests++;
}

/* ---- closing ------------------------------------------------------------------------- */

static void proxy_free(struct proxy *p);

static void
maybe_free(struct conn *c)
{
    struct proxy *p = c->p;

    if (c->handles > 0 || c->gai_busy)
        return;
    if (c->ai != NULL)
        uv_freeaddrinfo(c->ai);
    free(c->head);
    free(c->resp);
    free(c);
    p->alive--;
    proxy_free(p);
}

static void
on_close(uv_handle_t *h)
{
    struct conn *c = h->data;

    c->handles--;
    maybe_free(c);
}

static void
on_up_close(uv_handle_t *h)
{
    struct conn *c = h->data;

    free(h);
    c->handles--;
    maybe_free(c);
}

/* Closes the upstream connection, if any. */
static void
up_close(struct conn *c)
{
    if (c->up == NULL)
        return;
    uv_close((uv_handle_t *)c->up, on_up_close);
    c->up = NULL;
    c->reading[1] = 0;
}

/* A new upstream handle; 0 or a libuv error. */
static int
up_open(struct conn *c)
{
    int r;

    if ((c->up = malloc(sizeof(*c->up))) == NULL)
        return UV_ENOMEM;
    if ((r = uv_tcp_init(c->p->loop, c->up)) != 0) {
        free(c->up);
        c->up = NULL;
        return r;
    }
    c->up->data = c;
    c->handles++;
    c->eof[1] = c->shut[0] = c->reading[1] = c->writing[0] = 0;
    return 0;
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
    struct sreq *q = (struct sreq *)req;
    struct conn *c = q->c;

    free(q);
    (void)status;
    /* After an error response: a client that has already gone needs no draining. */
    if (c->state == S_DRAIN && c->eof[0])
        conn_close(c);
}

static int
shut(struct conn *c, uv_stream_t *s)
{
    struct sreq *q = malloc(sizeof(*q));
    int r;

    if (q == NULL)
        return UV_ENOMEM;
    q->c = c;
    if ((r = uv_shutdown(&q->req, s, on_shutdown)) != 0)
        free(q);
    return r;
}

static void
conn_close(struct conn *c)
{
    struct proxy *p = c->p;

    if (c->state == S_CLOSING)
        return;
    if (c->active && c->reason == NULL && c->state != S_TUNNEL && c->state != S_FORWARD)
        c->reason = "the connection ended before the request was complete";
    finish_request(c);
    c->state = S_CLOSING;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        p->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    p->st.active--;
    if (c->gai_busy)
        uv_cancel((uv_req_t *)&c->gai);
    uv_close((uv_handle_t *)&c->client, on_close);
    uv_close((uv_handle_t *)&c->timer, on_close);
    up_close(c);
}

/* ---- writing ------------------------------------------------------------------------- */

/* Lets go of a write's buffer: back to the pool, or freed. */
static void
give_back(struct conn *c, char *buf, int pooled)
{
    if (pooled)
        pool_put(c->p, buf);
    else
        free(buf);
}

static void stop_side(struct conn *c, int d);

/*
 * Writes buf[0..n) to dir's destination (0 upstream, 1 client, -1 client for an error).
 * Takes ownership of buf. What the socket does not take at once is queued; with hold, the
 * source of direction dir stops reading until the queued write is done. Returns 0 or a
 * libuv error (the connection is then closed).
 */
static int
write_out(struct conn *c, int dir, char *buf, size_t n, int pooled, int hold)
{
    uv_stream_t *dst = dir == 0 ? (uv_stream_t *)c->up : (uv_stream_t *)&c->client;
    uv_buf_t b = uv_buf_init(buf, (unsigned)n);
    struct wreq *w;
    int r;

    /* Most writes complete at once; then the buffer goes straight back to the pool. */
    r = uv_try_write(dst, &b, 1);
    if (r == (int)n || (r < 0 && r != UV_EAGAIN)) {
        give_back(c, buf, pooled);
        return r < 0 ? r : 0;
    }
    if (r > 0) {
        b.base += r;
        b.len -= (size_t)r;
    }
    if ((w = malloc(sizeof(*w))) == NULL) {
        give_back(c, buf, pooled);
        return UV_ENOMEM;
    }
    w->c = c;
    w->buf = buf;
    w->pooled = pooled;
    w->dir = dir;
    w->dst = dst;
    if (dir >= 0)
        c->writing[dir] = 1;
    if (hold && dir >= 0)
        stop_side(c, dir);
    r = uv_write(&w->req, dst, &b, 1, on_write_resume);
    if (r < 0) {
        if (dir >= 0)
            c->writing[dir] = 0;
        give_back(c, buf, pooled);
        free(w);
    }
    return r;
}

static int
send_buf(struct conn *c, int dir, char *buf, size_t n, int pooled)
{
    return write_out(c, dir, buf, n, pooled, 0);
}

static const char *
status_text(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

static void read_side(struct conn *c, int d);

/*
 * Answers the current request with an error and ends the connection: the response, then our
 * write side shut down, then the client's input drained until it closes (DRAIN_MS at most).
 */
static void
fail(struct conn *c, enum proxy_verdict verdict, int status, const char *reason)
{
    char body[512], *msg;
    int n, m, answered = c->state == S_TUNNEL || (c->state == S_FORWARD && c->resp_done);

    if (c->state == S_CLOSING || c->state == S_DRAIN)
        return;
    if (!c->active)
        begin_request(c);
    c->verdict = verdict;
    c->status = answered ? c->status : status;
    c->reason = reason;
    if (answered) {
        /* A response is already on its way: the client sees the connection end. */
        conn_close(c);
        return;
    }
    finish_request(c);
    up_close(c);
    c->state = S_DRAIN;
    c->drained = 0;
    c->head_len = 0;
    if (c->host[0])
        n = snprintf(body, sizeof(body), "airlock egress: %s port %u: %s\n", c->host, c->port,
                     reason);
    else
        n = snprintf(body, sizeof(body), "airlock egress: %s\n", reason);
    if (n < 0 || (size_t)n >= sizeof(body))
        n = (int)strlen(body);
    if ((msg = malloc(1024)) == NULL) {
        conn_close(c);
        return;
    }
    m = snprintf(msg, 1024,
                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                 "Connection: close\r\nX-Airlock: %s\r\n\r\n%s",
                 status, status_text(status), n, reason, body);
    if (m < 0 || m >= 1024 || send_buf(c, -1, msg, (size_t)m, 0) != 0 ||
        shut(c, (uv_stream_t *)&c->client) != 0) {
        conn_close(c);
        return;
    }
    c->last = uv_now(c->p->loop);
    arm_timer(c);
    read_side(c, 0);
}

/* ---- timers -------------------------------------------------------------------------- */

static uint64_t
deadline(struct conn *c, const char **what)
{
    const struct proxy_limits *l = &c->p->lim;
    uint64_t d = c->accepted + l->lifetime_ms, x;

    *what = "the connection reached its lifetime limit";
    switch (c->state) {
    case S_HEAD:
        x = c->head_start + l->header_timeout_ms;
        if (x < d) {
            d = x;
            *what = "the request head did not arrive in time";
        }
        break;
    case S_RESOLVE:
    case S_CONNECT:
        x = c->connect_start + l->connect_timeout_ms;
        if (x < d) {
            d = x;
            *what = "the upstream server did not answer in time";
        }
        break;
    case S_DRAIN:
        x = c->last + DRAIN_MS;
        if (x < d)
            d = x;
        break;
    default:
        x = c->last + l->idle_timeout_ms;
        if (x < d) {
            d = x;
            *what = "idle for too long";
        }
        break;
    }
    return d;
}

static void
on_timer(uv_timer_t *t)
{
    struct conn *c = t->data;
    uint64_t now = uv_now(c->p->loop);
    const char *what;

    if (deadline(c, &what) > now) {
        arm_timer(c);
        return;
    }
    switch (c->state) {
    case S_HEAD:
        if (c->head_len == 0) {
            conn_close(c); /* an idle kept-alive connection: nothing to answer */
            return;
        }
        fail(c, PROXY_ERROR, 408, what);
        return;
    case S_RESOLVE:
    case S_CONNECT:
        fail(c, PROXY_ERROR, 504, what);
        return;
    case S_DRAIN:
        conn_close(c);
        return;
    default:
        if (c->reason == NULL)
            c->reason = what;
        conn_close(c);
        return;
    }
}

static void
arm_timer(struct conn *c)
{
    const char *what;
    uint64_t now = uv_now(c->p->loop), d = deadline(c, &what);

    uv_timer_start(&c->timer, on_timer, d > now ? d - now : 0, 0);
}

/* ---- relaying ------------------------------------------------------------------------ */

static void on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);
static void on_upstream_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

static void
on_alloc_relay(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct conn *c = h->data;
    char *buf;

    (void)hint;
    if (h == (uv_handle_t *)c->up && c->state == S_FORWARD && !c->resp_done) {
        if (c->resp == NULL)
            c->resp = malloc(RESP_HEAD_MAX);
        b->base = c->resp == NULL ? NULL : c->resp + c->resp_len;
        b->len = c->resp == NULL ? 0 : RESP_HEAD_MAX - c->resp_len;
        return;
    }
    buf = pool_get(c->p);
    *b = uv_buf_init(buf, buf == NULL ? 0 : RELAY_BUF);
}

static void
on_alloc_head(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct conn *c = h->data;
    size_t cap = c->p->lim.header_max + 1;

    (void)hint;
    if (c->state != S_HEAD) {
        on_alloc_relay(h, hint, b);
        return;
    }
    if (c->head == NULL && (c->head = malloc(cap)) == NULL) {
        *b = uv_buf_init(NULL, 0);
        return;
    }
    *b = uv_buf_init(c->head + c->head_len, (unsigned)(cap - c->head_len));
}

/* Starts (or restarts) reading side d: 0 client, 1 upstream. */
static void
read_side(struct conn *c, int d)
{
    int r;

    if (c->reading[d] || c->eof[d] || c->state == S_CLOSING || (d == 1 && c->up == NULL))
        return;
    if (d == 0)
        r = uv_read_start((uv_stream_t *)&c->client, on_alloc_head, on_client_read);
    else
        r = uv_read_start((uv_stream_t *)c->up, on_alloc_relay, on_upstream_read);
    if (r == 0)
        c->reading[d] = 1;
}

static void
stop_side(struct conn *c, int d)
{
    if (!c->reading[d] || (d == 1 && c->up == NULL))
        return;
    uv_read_stop(d == 0 ? (uv_stream_t *)&c->client : (uv_stream_t *)c->up);
    c->reading[d] = 0;
}

/* Whether the session's byte quota is spent. */
static int
over_quota(struct conn *c)
{
    const struct proxy_limits *l = &c->p->lim;

    return (l->quota_up != 0 && c->p->st.bytes_up > l->quota_up) ||
           (l->quota_down != 0 && c->p->st.bytes_down > l->quota_down);
}

/* Both directions of a tunnel have ended (each side's EOF passed on, writes done). */
static void
tunnel_check_done(struct conn *c)
{
    if (c->eof[0] && c->eof[1] && !c->writing[0] && !c->writing[1])
        conn_close(c);
}

/* Side d hit its end; in a tunnel, pass the end on once the last write is done. */
static void
pass_eof(struct conn *c, int d)
{
    int to = d == 0 ? 0 : 1; /* client's EOF goes to upstream (write dir 0) */

    if (c->shut[to] || c->writing[to])
        return;
    c->shut[to] = 1;
    if ((to == 0 && c->up == NULL) ||
        shut(c, to == 0 ? (uv_stream_t *)c->up : (uv_stream_t *)&c->client) != 0) {
        conn_close(c);
        return;
    }
    tunnel_check_done(c);
}

/* Called after a write of direction d completed: resume its source, or pass an EOF on. */
static void
resume(struct conn *c, int d)
{
    if (c->state == S_TUNNEL) {
        if (c->eof[d])
            pass_eof(c, d);
        else
            read_side(c, d);
        return;
    }
    if (c->state == S_FORWARD) {
        if (d == 0 && (c->body_left > 0 || c->body_until_eof))
            read_side(c, 0);
        if (d == 1 && !c->eof[1])
            read_side(c, 1);
        if (d == 1 && c->eof[1])
            on_upstream_read((uv_stream_t *)c->up, UV_EOF, NULL);
    }
}

static void
on_write_resume(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct conn *c = w->c;
    int d = w->dir, stale = d == 0 && w->dst != (void *)c->up;

    give_back(c, w->buf, w->pooled);
    free(w);
    /* A write to an upstream connection already let go (the request ended) is no news. */
    if (stale)
        return;
    if (d >= 0)
        c->writing[d] = 0;
    if (c->state == S_CLOSING)
        return;
    if (status < 0) {
        if (c->state == S_DRAIN)
            return;
        conn_close(c);
        return;
    }
    if (d >= 0)
        resume(c, d);
}

/*
 * Relays buf[0..n) (a pool buffer, taken over) in direction d (0: to upstream, 1: to the
 * client). While a write is pending the source does not read.
 */
static int
relay(struct conn *c, int d, char *buf, size_t n)
{
    c->last = uv_now(c->p->loop);
    if (d == 0) {
        c->nup += n;
        c->p->st.bytes_up += n;
    } else {
        c->ndown += n;
        c->p->st.bytes_down += n;
    }
    return write_out(c, d, buf, n, 1, 1);
}

/* Writes a malloc'd buffer (not pooled) in direction d, held like relay's. */
static int
relay_owned(struct conn *c, int d, char *buf, size_t n)
{
    return write_out(c, d, buf, n, 0, 1);
}

static void
quota_cut(struct conn *c)
{
    c->verdict = PROXY_DENY;
    c->reason = "the session's byte quota is spent";
    conn_close(c);
}

/* ---- forwarding: the end of one request ---------------------------------------------- */

/* The response is complete (the upstream closed): keep the client or end it. */
static void
forward_done(struct conn *c)
{
    if (c->resp_bounded && c->resp_left > 0 && c->reason == NULL)
        c->reason = "the upstream server closed before the end of its response";
    if (!c->keep || c->resp_left > 0 || c->body_left > 0 || c->eof[0]) {
        if (!c->writing[1]) {
            finish_request(c);
            conn_close(c);
        }
        return;
    }
    if (c->writing[1])
        return; /* resumed by the write's completion */
    finish_request(c);
    up_close(c);
    free(c->resp);
    c->resp = NULL;
    head_start(c);
}

/* ---- upstream input ------------------------------------------------------------------ */

/* Handles a complete response head in c->resp[0..resp_len). */
static void
response_head(struct conn *c)
{
    char *out;
    size_t rest;
    int n, r;

    for (;;) {
        r = al_egress_resp_parse(&c->rs, c->resp, c->resp_len, RESP_HEAD_MAX);
        if (r == 0)
            return;
        if (r < 0) {
            fail(c, PROXY_ERROR, 502, al_egress_strerror(r));
            return;
        }
        if (c->rs.status >= 100 && c->rs.status < 200 && c->rs.status != 101) {
            /* An interim response (100 Continue): pass it on as it is, then read on. */
            out = malloc(c->rs.head_len);
            if (out == NULL) {
                conn_close(c);
                return;
            }
            memcpy(out, c->resp, c->rs.head_len);
            memmove(c->resp, c->resp + c->rs.head_len, c->resp_len - c->rs.head_len);
            c->resp_len -= c->rs.head_len;
            if (send_buf(c, 1, out, c->rs.head_len, 0) != 0) {
                conn_close(c);
                return;
            }
            memset(&c->rs, 0, sizeof(c->rs));
            continue;
        }
        break;
    }
    c->status = c->rs.status;
    if (c->rs.status == 101 || al_egress_resp_close_delimited(&c->rs, c->method))
        c->keep = 0;
    c->resp_bounded = c->rs.has_length || strcmp(c->method, "HEAD") == 0 || c->rs.status == 204 ||
                      c->rs.status == 304;
    c->resp_left = c->rs.has_length && strcmp(c->method, "HEAD") != 0 && c->rs.status != 204 &&
                           c->rs.status != 304
                       ? c->rs.length
                       : 0;
    rest = c->resp_len - c->rs.head_len;
    if ((out = malloc(RESP_HEAD_MAX + 64 + rest)) == NULL) {
        conn_close(c);
        return;
    }
    n = al_egress_resp_head(&c->rs, c->resp, c->keep, out, RESP_HEAD_MAX + 64);
    if (n < 0) {
        free(out);
        fail(c, PROXY_ERROR, 502, "response head too large");
        return;
    }
    if (c->resp_bounded && rest > c->resp_left)
        rest = (size_t)c->resp_left; /* bytes past the declared length are dropped */
    memcpy(out + n, c->resp + c->rs.head_len, rest);
    c->resp_left -= c->resp_bounded ? rest : 0;
    c->ndown += rest;
    c->p->st.bytes_down += rest;
    c->resp_done = 1;
    free(c->resp);
    c->resp = NULL;
    c->resp_len = 0;
    if (relay_owned(c, 1, out, (size_t)n + rest) != 0)
        conn_close(c);
}

static void
on_upstream_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = s->data;
    size_t take;

    if (c->state == S_FORWARD && !c->resp_done && b != NULL && b->base == c->resp + c->resp_len) {
        if (n > 0) {
            c->resp_len += (size_t)n;
            c->last = uv_now(c->p->loop);
            response_head(c);
            return;
        }
        if (n == 0)
            return;
    } else if (n <= 0 && b != NULL) {
        pool_put(c->p, b->base);
    }
    if (n == 0)
        return;
    if (n < 0) {
        c->eof[1] = 1;
        stop_side(c, 1);
        if (n != UV_EOF && c->reason == NULL)
            c->reason = "the upstream connection failed";
        if (c->state == S_TUNNEL) {
            pass_eof(c, 1);
            return;
        }
        if (c->state == S_FORWARD) {
            if (!c->resp_done) {
                fail(c, PROXY_ERROR, 502, "the upstream server closed without a response");
                return;
            }
            forward_done(c);
        }
        return;
    }
    take = (size_t)n;
    if (c->state == S_FORWARD && c->resp_bounded) {
        if (take > c->resp_left)
            take = (size_t)c->resp_left;
        c->resp_left -= take;
        if (take == 0) {
            pool_put(c->p, b->base);
            return;
        }
    }
    if (relay(c, 1, b->base, take) != 0) {
        conn_close(c);
        return;
    }
    if (over_quota(c))
        quota_cut(c);
}

/* ---- connecting ---------------------------------------------------------------------- */

static void try_connect(struct conn *c);

static void
on_connect(uv_connect_t *req, int status)
{
    struct conn *c = req->data;
    char *fwd;
    size_t extra;
    int n;

    c->connect_busy = 0;
    if (c->state == S_CLOSING)
        return;
    if (c->state != S_CONNECT)
        return;
    if (status < 0) {
        up_close(c);
        if (c->ai_next != NULL) {
            try_connect(c);
            return;
        }
        fail(c, PROXY_ERROR, 502,
             status == UV_ECONNREFUSED ? "the upstream server refused the connection"
             : status == UV_ETIMEDOUT  ? "the upstream server did not answer in time"
                                       : "the connection to the upstream server failed");
        return;
    }
    uv_tcp_nodelay(c->up, 1);
    c->verdict = PROXY_ALLOW;
    c->last = uv_now(c->p->loop);
    extra = c->head_len - c->req.head_len;
    if (c->req.kind == AL_EGRESS_CONNECT) {
        static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        char *msg = malloc(sizeof(ok));

        c->state = S_TUNNEL;
        c->status = 200;
        emit(c, PROXY_OPEN);
        if (msg == NULL) {
            conn_close(c);
            return;
        }
        memcpy(msg, ok, sizeof(ok) - 1);
        if (send_buf(c, -1, msg, sizeof(ok) - 1, 0) != 0) {
            conn_close(c);
            return;
        }
        /* Bytes the client sent after the head (a TLS ClientHello, eagerly) go first. */
        if (extra > 0) {
            char *buf = pool_get(c->p);

            if (buf == NULL) {
                conn_close(c);
                return;
            }
            memcpy(buf, c->head + c->req.head_len, extra);
            free(c->head);
            c->head = NULL;
            c->head_len = 0;
            if (relay(c, 0, buf, extra) != 0) {
                conn_close(c);
                return;
            }
        }
        free(c->head);
        c->head = NULL;
        c->head_len = 0;
        if (!c->writing[0])
            read_side(c, 0);
        read_side(c, 1);
        arm_timer(c);
        return;
    }
    /* Forward: the rewritten head and whatever body bytes came with it. */
    c->state = S_FORWARD;
    c->keep = c->req.keep_alive;
    c->resp_done = 0;
    c->resp_len = 0;
    memset(&c->rs, 0, sizeof(c->rs));
    c->body_left = c->req.has_length ? c->req.length : 0;
    c->body_until_eof = c->req.chunked;
    if ((fwd = malloc(FWD_HEAD_MAX + extra)) == NULL) {
        conn_close(c);
        return;
    }
    n = al_egress_forward_head(&c->req, c->head, fwd, FWD_HEAD_MAX);
    if (n < 0) {
        free(fwd);
        fail(c, PROXY_ERROR, 431, "request head too large to forward");
        return;
    }
    if (!c->body_until_eof && extra > c->body_left) {
        /* The client pipelined its next request: it waits for this one's end. */
        size_t body = (size_t)c->body_left, next = extra - body;

        memcpy(fwd + n, c->head + c->req.head_len, body);
        memmove(c->head, c->head + c->req.head_len + body, next);
        c->head_len = next;
        extra = body;
    } else {
        memcpy(fwd + n, c->head + c->req.head_len, extra);
        c->head_len = 0;
    }
    c->body_left -= c->body_until_eof ? 0 : extra;
    c->nup += extra;
    c->p->st.bytes_up += extra;
    emit(c, PROXY_OPEN);
    if (relay_owned(c, 0, fwd, (size_t)n + extra) != 0) {
        conn_close(c);
        return;
    }
    read_side(c, 1);
    arm_timer(c);
}

/* Connects to the next permitted address in c->ai_next. */
static void
try_connect(struct conn *c)
{
    struct addrinfo *ai;
    const char *why = NULL;
    int r;

    for (ai = c->ai_next; ai != NULL; ai = ai->ai_next) {
        const unsigned char *a;
        size_t alen;

        if (ai->ai_family == AF_INET) {
            a = (const unsigned char *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
            alen = 4;
        } else if (ai->ai_family == AF_INET6) {
            a = (const unsigned char *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr;
            alen = 16;
        } else {
            continue;
        }
        if (al_egress_addr_permitted(c->p->cfg, a, alen, c->port, 0, &why)) {
            inet_ntop(ai->ai_family, a, c->address, sizeof(c->address));
            break;
        }
        if (c->address[0] == '\0')
            inet_ntop(ai->ai_family, a, c->address, sizeof(c->address));
    }
    if (ai == NULL) {
        if (why != NULL) {
            fail(c, PROXY_DENY, 403, why);
            return;
        }
        fail(c, PROXY_ERROR, 502, "the upstream server could not be reached");
        return;
    }
    c->ai_next = ai->ai_next;
    if (ai->ai_family == AF_INET)
        ((struct sockaddr_in *)(void *)ai->ai_addr)->sin_port = htons((uint16_t)c->port);
    else
        ((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_port = htons((uint16_t)c->port);
    c->state = S_CONNECT;
    if (up_open(c) != 0) {
        fail(c, PROXY_ERROR, 502, "out of resources");
        return;
    }
    c->creq.data = c;
    if ((r = uv_tcp_connect(&c->creq, c->up, ai->ai_addr, on_connect)) != 0) {
        fail(c, PROXY_ERROR, 502,
             r == UV_EMFILE || r == UV_ENFILE ? "out of file descriptors"
                                              : "the connection to the upstream server failed");
        return;
    }
    c->connect_busy = 1;
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct conn *c = req->data;

    c->gai_busy = 0;
    if (c->state == S_CLOSING) {
        if (res != NULL)
            uv_freeaddrinfo(res);
        maybe_free(c);
        return;
    }
    if (c->state != S_RESOLVE) {
        if (res != NULL)
            uv_freeaddrinfo(res);
        return;
    }
    if (status < 0 || res == NULL) {
        if (res != NULL)
            uv_freeaddrinfo(res);
        fail(c, PROXY_ERROR, 502, "the name does not resolve");
        return;
    }
    if (c->ai != NULL)
        uv_freeaddrinfo(c->ai);
    c->ai = c->ai_next = res;
    try_connect(c);
}

/* A pinned or literal address, as a one-item addrinfo list of our own. */
static void
connect_fixed(struct conn *c, int family, const unsigned char *addr, unsigned port)
{
    struct {
        struct addrinfo ai;
        struct sockaddr_in6 sa;
    } * fx;

    if (c->ai != NULL)
        uv_freeaddrinfo(c->ai);
    c->ai = c->ai_next = NULL;
    /* uv_freeaddrinfo is freeaddrinfo, which must not see our memory: keep it apart. */
    fx = calloc(1, sizeof(*fx));
    if (fx == NULL) {
        conn_close(c);
        return;
    }
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&fx->sa;

        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, addr, 4);
        s4->sin_port = htons((uint16_t)port);
        fx->ai.ai_addrlen = sizeof(*s4);
    } else {
        fx->sa.sin6_family = AF_INET6;
        memcpy(&fx->sa.sin6_addr, addr, 16);
        fx->sa.sin6_port = htons((uint16_t)port);
        fx->ai.ai_addrlen = sizeof(fx->sa);
    }
    fx->ai.ai_family = family;
    fx->ai.ai_addr = (struct sockaddr *)&fx->sa;
    inet_ntop(family, addr, c->address, sizeof(c->address));
    c->state = S_CONNECT;
    if (up_open(c) != 0) {
        free(fx);
        fail(c, PROXY_ERROR, 502, "out of resources");
        return;
    }
    c->creq.data = c;
    if (uv_tcp_connect(&c->creq, c->up, fx->ai.ai_addr, on_connect) != 0) {
        free(fx);
        fail(c, PROXY_ERROR, 502, "the connection to the upstream server failed");
        return;
    }
    c->connect_busy = 1;
    free(fx); /* uv_tcp_connect copied the address */
}

/* ---- the request head ---------------------------------------------------------------- */

static void
decide(struct conn *c)
{
    struct proxy *p = c->p;
    struct al_egress_decision d;
    struct addrinfo hints;
    const char *why = NULL;
    int r;

    copy_text(c->method, sizeof(c->method), c->req.method);
    copy_text(c->host, sizeof(c->host), c->req.host.text);
    c->port = c->req.port;
    if (over_quota(c)) {
        fail(c, PROXY_DENY, 403, "the session's byte quota is spent");
        return;
    }
    if (!al_egress_decide(p->cfg, &c->req.host, c->req.port, &d)) {
        fail(c, PROXY_DENY, 403, d.reason);
        return;
    }
    copy_text(c->rule, sizeof(c->rule), d.rule);
    c->verdict = PROXY_ALLOW;
    c->connect_start = uv_now(p->loop);
    stop_side(c, 0);
    if (d.pin != NULL) {
        c->source = "pin";
        snprintf(c->rule + strlen(c->rule), sizeof(c->rule) - strlen(c->rule), " (pin %s:%u)",
                 d.pin->host, d.pin->port);
        connect_fixed(c, d.pin->kind == AL_HOST_IPV4 ? AF_INET : AF_INET6, d.pin->addr,
                      d.pin->addr_port);
        arm_timer(c);
        return;
    }
    if (c->req.host.kind != AL_HOST_NAME) {
        c->source = "literal";
        /* A rule names this address (the decision checked), so a special one is allowed. */
        if (!al_egress_addr_permitted(p->cfg, c->req.host.addr,
                                      c->req.host.kind == AL_HOST_IPV4 ? 4 : 16, c->port, 0,
                                      &why)) {
            fail(c, PROXY_DENY, 403, why);
            return;
        }
        connect_fixed(c, c->req.host.kind == AL_HOST_IPV4 ? AF_INET : AF_INET6, c->req.host.addr,
                      c->port);
        arm_timer(c);
        return;
    }
    c->source = "dns";
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    c->state = S_RESOLVE;
    c->gai.data = c;
    c->lookups++;
    p->st.lookups++;
    if ((r = uv_getaddrinfo(p->loop, &c->gai, on_resolved, c->host, NULL, &hints)) != 0) {
        fail(c, PROXY_ERROR, 502, "the name could not be looked up");
        return;
    }
    c->gai_busy = 1;
    arm_timer(c);
}

/* Looks at the head bytes so far. */
static void
head_more(struct conn *c)
{
    int r;

    if (c->head_len > 0 && !c->active)
        begin_request(c);
    r = al_egress_parse(&c->req, c->head, c->head_len);
    if (r == 0) {
        if (c->head_len > c->p->lim.header_max)
            fail(c, PROXY_ERROR, 431, al_egress_strerror(AL_EGRESS_ETOOBIG));
        return;
    }
    if (r < 0) {
        fail(c, PROXY_ERROR, al_egress_status(r), al_egress_strerror(r));
        return;
    }
    decide(c);
}

/* Begins waiting for a request head (a new connection, or the next on a kept one). */
static void
head_start(struct conn *c)
{
    c->state = S_HEAD;
    c->head_start = uv_now(c->p->loop);
    c->eof[1] = c->shut[0] = 0;
    c->resp_done = 0;
    c->body_left = 0;
    c->body_until_eof = 0;
    al_egress_req_init(&c->req, c->p->lim.header_max);
    arm_timer(c);
    if (c->head_len > 0) {
        head_more(c);
        if (c->state != S_HEAD)
            return;
    }
    read_side(c, 0);
}

static void
on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = s->data;
    size_t take;

    if (c->state == S_HEAD) {
        if (n > 0) {
            c->head_len += (size_t)n;
            c->last = uv_now(c->p->loop);
            head_more(c);
            return;
        }
        if (n == 0)
            return;
        if (n == UV_ENOBUFS) {
            conn_close(c);
            return;
        }
        c->eof[0] = 1;
        conn_close(c);
        return;
    }
    if (c->state == S_DRAIN) {
        if (b != NULL && b->base != NULL)
            pool_put(c->p, b->base);
        if (n < 0 || (c->drained += (n > 0 ? (size_t)n : 0)) > DRAIN_MAX)
            conn_close(c);
        return;
    }
    if (n <= 0) {
        if (b != NULL && b->base != NULL)
            pool_put(c->p, b->base);
        if (n == 0)
            return;
        c->eof[0] = 1;
        stop_side(c, 0);
        if (c->state == S_TUNNEL) {
            pass_eof(c, 0);
            return;
        }
        if (c->state == S_FORWARD && (c->body_left > 0 || c->body_until_eof)) {
            if (c->body_until_eof && n == UV_EOF) {
                pass_eof(c, 0); /* the chunked body ends with the client's input */
                return;
            }
            c->reason = "the client went away during the request body";
            conn_close(c);
            return;
        }
        if (c->state != S_FORWARD)
            conn_close(c);
        return;
    }
    take = (size_t)n;
    if (c->state == S_FORWARD && !c->body_until_eof) {
        if (take > c->body_left) {
            /* The start of the next request: keep it for when this one is done. */
            size_t next = take - (size_t)c->body_left;

            if (c->head == NULL && (c->head = malloc(c->p->lim.header_max + 1)) == NULL) {
                pool_put(c->p, b->base);
                conn_close(c);
                return;
            }
            if (next > c->p->lim.header_max + 1 - c->head_len)
                next = c->p->lim.header_max + 1 - c->head_len;
            memcpy(c->head + c->head_len, b->base + c->body_left, next);
            c->head_len += next;
            take = (size_t)c->body_left;
            stop_side(c, 0);
        }
        c->body_left -= take;
        if (c->body_left == 0)
            stop_side(c, 0);
        if (take == 0) {
            pool_put(c->p, b->base);
            return;
        }
    }
    if (relay(c, 0, b->base, take) != 0) {
        conn_close(c);
        return;
    }
    if (over_quota(c))
        quota_cut(c);
}

/* ---- accepting ----------------------------------------------------------------------- */

static void
on_connection(uv_stream_t *server, int status)
{
    struct proxy *p = server->data;
    struct conn *c;

    if (status < 0 || p->stopping)
        return;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return;
    c->p = p;
    if (uv_tcp_init(p->loop, &c->client) != 0) {
        free(c);
        return;
    }
    p->alive++;
    c->client.data = c;
    c->handles = 1;
    if (uv_accept(server, (uv_stream_t *)&c->client) != 0) {
        c->state = S_CLOSING;
        uv_close((uv_handle_t *)&c->client, on_close);
        return;
    }
    uv_timer_init(p->loop, &c->timer);
    c->timer.data = c;
    c->handles++;
    uv_tcp_nodelay(&c->client, 1);
    c->next = p->conns;
    if (p->conns != NULL)
        p->conns->prev = c;
    p->conns = c;
    p->st.accepted++;
    p->st.active++;
    c->accepted = c->last = uv_now(p->loop);
    c->state = S_HEAD;
    if (p->st.active > p->lim.max_conns) {
        begin_request(c);
        fail(c, PROXY_DENY, 503, "too many connections open at once for this session");
        return;
    }
    head_start(c);
}

/* ---- the engine ---------------------------------------------------------------------- */

int
proxy_start(uv_loop_t *loop, int listen_fd, const struct al_config *cfg,
            const struct proxy_limits *lim, proxy_record_cb cb, void *arg, struct proxy **out)
{
    struct proxy_limits def;
    struct proxy *p = NULL;
    int r = AL_EINVAL, fd = -1;

    if (loop == NULL || listen_fd < 0 || out == NULL)
        goto out;
    proxy_limits_default(&def);
    if (lim != NULL) {
        if (lim->max_conns)
            def.max_conns = lim->max_conns;
        if (lim->header_max)
            def.header_max = lim->header_max > AL_EGRESS_HEAD_HARD_MAX ? AL_EGRESS_HEAD_HARD_MAX
                                                                       : lim->header_max;
        if (lim->header_timeout_ms)
            def.header_timeout_ms = lim->header_timeout_ms;
        if (lim->connect_timeout_ms)
            def.connect_timeout_ms = lim->connect_timeout_ms;
        if (lim->idle_timeout_ms)
            def.idle_timeout_ms = lim->idle_timeout_ms;
        if (lim->lifetime_ms)
            def.lifetime_ms = lim->lifetime_ms;
        def.quota_up = lim->quota_up;
        def.quota_down = lim->quota_down;
    }
    if ((fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 3)) < 0) {
        r = -errno;
        goto out;
    }
    if ((p = calloc(1, sizeof(*p))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    p->loop = loop;
    p->cfg = cfg;
    p->lim = def;
    p->cb = cb;
    p->arg = arg;
    if ((r = uv_tcp_init(loop, &p->listener)) != 0)
        goto out;
    p->listener.data = p;
    p->listener_open = 1;
    if ((r = uv_tcp_open(&p->listener, fd)) != 0)
        goto out;
    fd = -1; /* transferred */
    if ((r = uv_listen((uv_stream_t *)&p->listener, 1024, on_connection)) != 0)
        goto out;
    *out = p;
    p = NULL;
    /* success */ r = 0;
out:
    if (fd >= 0)
        close(fd);
    if (p != NULL) {
        if (p->listener_open)
            proxy_stop(p);
        else
            free(p);
        p = NULL;
    }
    return r;
}

void
proxy_set_config(struct proxy *p, const struct al_config *cfg)
{
    p->cfg = cfg;
}

void
proxy_stats(const struct proxy *p, struct proxy_stats *out)
{
    *out = p->st;
}

/* Frees p once its listener and every connection are gone (their callbacks use p). */
static void
proxy_free(struct proxy *p)
{
    struct pool_buf *b;

    if (!p->stopping || p->listener_open || p->alive > 0)
        return;
    while ((b = p->pool) != NULL) {
        p->pool = b->next;
        free(b);
    }
    free(p);
}

static void
on_listener_close(uv_handle_t *h)
{
    struct proxy *p = h->data;

    p->listener_open = 0;
    proxy_free(p);
}

void
proxy_stop(struct proxy *p)
{
    if (p == NULL)
        return;
    p->stopping = 1;
    while (p->conns != NULL) {
        struct conn *c = p->conns;

        if (c->active && c->reason == NULL)
            c->reason = "the proxy stopped";
        conn_close(c);
    }
    p->cb = NULL;
    /* p is freed when the last of the listener and the connections has closed. */
    uv_close((uv_handle_t *)&p->listener, on_listener_close);
}
