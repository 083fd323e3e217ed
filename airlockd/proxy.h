/*
 * proxy.h: the egress proxy engine, the online compartment's only way out.
 *
 * One engine serves one listening socket (one session) on a libuv loop the caller runs. It
 * speaks HTTP/1.1 CONNECT (tunnels) and plain HTTP forwarding of absolute-form requests
 * (keep-alive towards the client), checks every request against the allowlist of the
 * configuration before any name is resolved (lib/egress.c: al_egress_decide), resolves
 * allowed names with uv_getaddrinfo (or takes the online.resolve pin), refuses special
 * addresses (loopback, private, link-local, ...) unless a rule or pin names them, and
 * reports one record per request to the caller. Every refusal is an HTTP error response
 * with the reason in the body and in an X-Airlock header; nothing waits forever.
 *
 * The engine knows nothing of sessions, the audit log or the control socket: the caller
 * attaches its own meaning to the record through arg.
 *
 * Threading: everything runs on the caller's loop thread, callbacks included. Only name
 * resolution runs in libuv's threadpool (uv_getaddrinfo), and its result comes back on the
 * loop thread. No function here may be called from another thread.
 */
#ifndef AIRLOCK_PROXY_H
#define AIRLOCK_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <airlock/config.h>

/*
 * Per-session limits. A member left 0 takes the default given beside it (proxy_limits_default
 * fills them all in), except the quotas, where 0 means no quota.
 */
struct proxy_limits {
    uint32_t max_conns;          /* client connections at once; default 256. Over it: 503 */
    uint32_t header_max;         /* bytes of one request head; default 16384. Over it: 431 */
    uint32_t header_timeout_ms;  /* the whole head must arrive within; default 10000. 408 */
    uint32_t connect_timeout_ms; /* resolve + connect upstream; default 10000. 504 */
    uint32_t idle_timeout_ms;    /* no byte either way; default 300000 (5 min) */
    uint32_t lifetime_ms;        /* absolute cap on one client connection; default 3600000 */
    uint64_t quota_up;           /* bytes client -> upstream, whole session; 0: none */
    uint64_t quota_down;         /* bytes upstream -> client, whole session; 0: none */
};

/* Fills every member with its default. */
void proxy_limits_default(struct proxy_limits *lim);

enum proxy_phase {
    PROXY_OPEN, /* an allowed request reached its upstream (tunnel up, request forwarded) */
    PROXY_END,  /* the request is finished: refused, failed, or done. Exactly one per request */
};

enum proxy_verdict {
    PROXY_ALLOW, /* the allowlist let it through (it may still have failed upstream) */
    PROXY_DENY,  /* refused by policy: no rule, special address, limit, quota */
    PROXY_ERROR, /* malformed request, resolution or connection failure, timeout */
};

/*
 * One record. Every pointer is valid only during the callback; copy what you keep. Text
 * fields are never NULL ("" when unknown) and hold printable ASCII only (the parser refused
 * anything else), but are otherwise the client's words: escape them for any format.
 */
struct proxy_record {
    enum proxy_phase phase;
    enum proxy_verdict verdict;
    uint64_t id;          /* per engine, counts from 1; OPEN and END of a request share it */
    const char *method;   /* "CONNECT", "GET", ... ("" when the head did not parse) */
    const char *host;     /* as requested, lowercased; an address literal in canonical form */
    unsigned port;        /* 0 when unknown */
    const char *address;  /* the address connected to ("203.0.113.7", "2001:db8::1") or "" */
    const char *source;   /* where address came from: "dns", "pin", "literal" or "" */
    const char *rule;     /* the allow rule (or pin "host:port") that decided, or "" */
    const char *reason;   /* why refused or failed, a short sentence; "" when all went well */
    int status;           /* HTTP status given to the client: 200 for a tunnel, the upstream
                             status for a forward, 403/400/502/504... for a refusal; 0 none */
    uint64_t bytes_up;    /* client -> upstream, payload bytes (request head excluded) */
    uint64_t bytes_down;  /* upstream -> client */
    uint64_t duration_ms; /* from the head's arrival to this record */
    unsigned lookups;     /* DNS lookups made for this request (0 for a denied name: proof) */
};

typedef void (*proxy_record_cb)(const struct proxy_record *rec, void *arg);

/* Engine-wide counters, for status displays and tests. */
struct proxy_stats {
    uint64_t accepted; /* client connections accepted */
    uint64_t active;   /* client connections open now */
    uint64_t requests; /* request heads parsed */
    uint64_t denied;   /* END records with PROXY_DENY */
    uint64_t lookups;  /* uv_getaddrinfo calls made */
    uint64_t bytes_up, bytes_down;
};

struct proxy;

/*
 * Starts serving listen_fd (a listening TCP socket; the engine dup()s it, so the caller keeps
 * and closes its own descriptor) on loop. cfg supplies online.allow and online.resolve and
 * must stay valid until proxy_stop() or the next proxy_set_config(). lim may be NULL for the
 * defaults; it is copied. cb (may be NULL) receives the records with arg.
 * Returns 0 and sets *out, or -errno / AL_ENOMEM / AL_EINVAL.
 */
int proxy_start(uv_loop_t *loop, int listen_fd, const struct al_config *cfg,
                const struct proxy_limits *lim, proxy_record_cb cb, void *arg,
                struct proxy **out) AL_WUR;

/* Replaces the configuration (SIGHUP): new requests use it; open tunnels keep going. */
void proxy_set_config(struct proxy *p, const struct al_config *cfg);

/* Copies the counters. */
void proxy_stats(const struct proxy *p, struct proxy_stats *out);

/*
 * Stops accepting and closes every connection (each open request gets its END record, from
 * inside this call). The memory is released from the handles' close callbacks, so the loop
 * must run once more (uv_run with UV_RUN_NOWAIT or DEFAULT) before it is gone; the callback
 * is not called again after this returns. p must not be used afterwards. NULL is a no-op.
 */
void proxy_stop(struct proxy *p);

#endif
