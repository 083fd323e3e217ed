/*
 * egress.h: the egress proxy's decisions, as pure functions (no I/O, no allocation).
 *
 * The proxy engine (airlockd/proxy.c) owns the sockets; everything it decides comes from
 * here, so that it can be tested and fuzzed on its own:
 *
 *   - al_egress_parse: a bounded, incremental parser for one HTTP/1.1 proxy request head,
 *     "CONNECT host:port" or an absolute-form "GET http://host[:port]/path", with its
 *     headers. Every malformation is a named AL_EGRESS_E* code with an HTTP status.
 *   - al_egress_host_parse: reads a host as a client wrote it; every spelling of an IP
 *     address (dotted, 2130706433, 0x7f.1, 0177.1, [::1], [::ffff:127.0.0.1]) comes out as
 *     a literal in canonical form, never as a name that a resolver would turn into a number.
 *   - al_egress_decide: the allowlist decision, made before any DNS lookup.
 *   - al_egress_addr_class / al_egress_addr_permitted: whether a resolved address is special
 *     (loopback, private, CGNAT, link-local, multicast, ...) and so refused unless a pin or a
 *     rule names it.
 *   - al_egress_resp_parse: the upstream's response head, for keep-alive towards the client.
 */
#ifndef AIRLOCK_EGRESS_H
#define AIRLOCK_EGRESS_H

#include <stddef.h>
#include <stdint.h>

#include <airlock/config.h>
#include <airlock/error.h>

#define AL_EGRESS_HEAD_MAX 16384      /* default cap on a request head, bytes */
#define AL_EGRESS_HEAD_HARD_MAX 65536 /* no cap may exceed this */
#define AL_EGRESS_HEADERS_MAX 100     /* header lines in one head */
#define AL_EGRESS_METHOD_MAX 16

/* X(NAME, HTTP status, message): every way a request head can be refused by the parser. */
#define AL_EGRESS_ERRORS(X)                                                                        \
    X(TOOBIG, 431, "request head too large")                                                       \
    X(TOOMANY, 431, "too many header lines")                                                       \
    X(BYTE, 400, "control character or non-ASCII byte in the request head")                        \
    X(BARELF, 400, "line not ended by CRLF")                                                       \
    X(LINE, 400, "malformed request line")                                                         \
    X(METHOD, 400, "malformed method")                                                             \
    X(VERSION, 505, "only HTTP/1.0 and HTTP/1.1 are spoken")                                       \
    X(ORIGINFORM, 400,                                                                             \
      "not a proxy request: the target must be http://host/... or CONNECT host:port")              \
    X(SCHEME, 400, "only http:// is forwarded; use CONNECT for https")                             \
    X(USERINFO, 400, "user information in the target is refused")                                  \
    X(TARGET, 400, "malformed request target")                                                     \
    X(HOST, 400, "malformed host")                                                                 \
    X(PORT, 400, "malformed port")                                                                 \
    X(HEADER, 400, "malformed header line")                                                        \
    X(FOLD, 400, "folded header lines are refused")                                                \
    X(LENGTH, 400, "invalid or conflicting Content-Length")                                        \
    X(CODING, 501, "Transfer-Encoding other than chunked, or with Content-Length")                 \
    X(CONNECTBODY, 400, "a CONNECT request carries no body")                                       \
    X(RESPONSE, 502, "malformed response from the upstream server")

enum {
    AL_EGRESS_EBASE = -8192,
#define AL__EGRESS_DEF(name, status, msg) AL_EGRESS_E##name,
    AL_EGRESS_ERRORS(AL__EGRESS_DEF)
#undef AL__EGRESS_DEF
        AL_EGRESS_ELAST
};

/* "ETOOBIG", the message and the HTTP status of an AL_EGRESS_E* code (500 for others). */
const char *al_egress_errname(int e);
const char *al_egress_strerror(int e);
int al_egress_status(int e);

/* A host as a client named it. */
struct al_egress_host {
    enum al_host_kind kind;         /* AL_HOST_NAME, AL_HOST_IPV4, AL_HOST_IPV6 */
    char text[AL_HOSTNAME_MAX + 1]; /* lowercase name, or canonical address (no brackets) */
    unsigned char addr[16];         /* literals: network order (4 bytes for IPv4) */
    int odd;                        /* a literal not written in its canonical form */
};

/*
 * Reads s[0..n) (no port). Brackets mean IPv6 ("[::1]"; no zone ids). Anything that
 * inet_aton(3) reads as an IPv4 address, and anything whose last label is a number (decimal,
 * 0x hexadecimal, 0-prefixed octal), is a literal or an error, never a name. A name is RFC
 * 1123 (letters, digits, hyphens; labels 1..63 bytes; at most 253; no trailing dot) and is
 * folded to lowercase. Returns 0, or AL_EGRESS_EHOST.
 */
int al_egress_host_parse(const char *s, size_t n, struct al_egress_host *out) AL_WUR;

enum al_egress_kind { AL_EGRESS_CONNECT = 1, AL_EGRESS_FORWARD = 2 };

/* A header line, as offsets into the head. */
struct al_egress_hdr {
    uint16_t name_off, name_len, value_off, value_len;
    uint8_t hop; /* hop-by-hop or rewritten by the proxy: not forwarded */
};

/*
 * A request head being parsed. Zero it (or call al_egress_req_init) before the first call.
 * After al_egress_parse returns 1 the output fields are set; offsets refer to the buffer.
 */
struct al_egress_req {
    /* output */
    enum al_egress_kind kind;
    char method[AL_EGRESS_METHOD_MAX + 1];
    struct al_egress_host host;
    unsigned port;
    size_t authority_off, authority_len; /* forward: "host[:port]" as written in the URL */
    size_t path_off, path_len;           /* forward: "/path?query" ("/" if empty) */
    int minor;                           /* HTTP/1.<minor> */
    int keep_alive;                      /* the client wants the connection kept */
    int has_length;                      /* Content-Length given */
    uint64_t length;                     /* its value */
    int chunked;                         /* Transfer-Encoding: chunked */
    size_t head_len;                     /* bytes of the head, final CRLF CRLF included */
    size_t n_hdrs;
    struct al_egress_hdr hdrs[AL_EGRESS_HEADERS_MAX];
    /* parser state */
    size_t max;  /* cap on head_len; 0: AL_EGRESS_HEAD_MAX */
    size_t pos;  /* bytes examined */
    size_t line; /* start of the current line */
    int lines;   /* complete lines seen */
};

/* Zeroes r and sets its cap (0: AL_EGRESS_HEAD_MAX; capped at AL_EGRESS_HEAD_HARD_MAX). */
void al_egress_req_init(struct al_egress_req *r, size_t max);

/*
 * Continues parsing the head at buf[0..len): buf holds everything received since the head
 * began (the same bytes as before, possibly more). Returns 1 when the head is complete
 * (r->head_len bytes; what follows is body or the tunnel's first bytes), 0 when more bytes
 * are needed, or a negative AL_EGRESS_E* code as soon as the bytes so far are known bad. Each
 * byte is examined once across calls. Bytes beyond r->max are AL_EGRESS_ETOOBIG.
 */
int al_egress_parse(struct al_egress_req *r, const char *buf, size_t len) AL_WUR;

/*
 * Writes the head to send upstream for a parsed forward request: the request line in origin
 * form, then every header that is not hop-by-hop (Connection, Proxy-Connection, Keep-Alive,
 * Proxy-Authorization, TE, Trailer, Upgrade, and the names Connection lists) and not Host,
 * then "Host: <authority>" and "Connection: close". Returns the length written to
 * out[0..cap), or AL_ETOOBIG.
 */
int al_egress_forward_head(const struct al_egress_req *r, const char *buf, char *out,
                           size_t cap) AL_WUR;

/* The allowlist's verdict on a parsed host and port. */
struct al_egress_decision {
    int allow;                       /* 1: go on to resolve/connect */
    const char *rule;                /* the rule that allowed (config's memory) or NULL */
    const char *reason;              /* a static sentence when refused, else NULL */
    const struct al_config_pin *pin; /* the online.resolve pin to use instead of DNS, or NULL */
};

/*
 * Decides host:port before any lookup. Deny wins over allow; an empty allowlist denies all.
 * A literal is allowed only by a rule naming that address (the rule's own spelling does not
 * matter, the address does); a name by a name rule (exact or "*."), and then its pin, if
 * any, is returned. Returns 1 if allowed, 0 if not; never negative.
 */
int al_egress_decide(const struct al_config *c, const struct al_egress_host *h, unsigned port,
                     struct al_egress_decision *d) AL_WUR;

/* Special address classes; AL_EGRESS_PUBLIC (0) is an ordinary global address. */
#define AL_EGRESS_CLASSES(X)                                                                       \
    X(PUBLIC, "public")                                                                            \
    X(UNSPECIFIED, "unspecified (0.0.0.0/8, ::)")                                                  \
    X(LOOPBACK, "loopback (127.0.0.0/8, ::1)")                                                     \
    X(PRIVATE, "private (RFC 1918)")                                                               \
    X(CGNAT, "carrier-grade NAT (100.64.0.0/10)")                                                  \
    X(LINKLOCAL, "link-local (169.254.0.0/16, fe80::/10; cloud metadata)")                         \
    X(MULTICAST, "multicast")                                                                      \
    X(BROADCAST, "broadcast")                                                                      \
    X(RESERVED, "reserved or documentation range")                                                 \
    X(ULA, "IPv6 unique local (fc00::/7)")                                                         \
    X(SITELOCAL, "IPv6 site-local (fec0::/10)")                                                    \
    X(TUNNEL, "IPv6 tunnel form hiding an address (Teredo, local NAT64)")

enum al_egress_class {
#define AL__EGRESS_CLS(name, text) AL_EGRESS_##name,
    AL_EGRESS_CLASSES(AL__EGRESS_CLS)
#undef AL__EGRESS_CLS
};

/*
 * Classifies addr (4 or 16 bytes, network order). IPv6 forms that carry an IPv4 address
 * (::ffff:a.b.c.d mapped, ::a.b.c.d compatible, 64:ff9b::/96 NAT64, 2002::/16 6to4) take
 * the class of the address they carry.
 */
enum al_egress_class al_egress_addr_class(const unsigned char *addr, size_t len);
const char *al_egress_class_name(enum al_egress_class k);

/*
 * Whether the proxy may connect to addr (4 or 16 bytes) for a request to port: yes if the
 * address came from a pin (pinned), if it is public, or if an allow rule names that exact
 * address (for port). Returns 1 or 0, never negative; when 0, *why (if not NULL) is a
 * static sentence naming the class.
 */
int al_egress_addr_permitted(const struct al_config *c, const unsigned char *addr, size_t len,
                             unsigned port, int pinned, const char **why) AL_WUR;

/* A response head from upstream. */
struct al_egress_resp {
    int status;      /* 100..999 */
    int minor;       /* HTTP/1.<minor> */
    int has_length;  /* Content-Length given */
    uint64_t length; /* its value */
    int chunked;     /* Transfer-Encoding ends with chunked */
    int close;       /* the server says Connection: close */
    size_t head_len;
    size_t pos; /* parser state */
};

/*
 * Parses buf[0..len) as a response head (at most max bytes). Returns 1 when complete, 0 for
 * more, AL_EGRESS_ETOOBIG or AL_EGRESS_ERESPONSE.
 */
int al_egress_resp_parse(struct al_egress_resp *r, const char *buf, size_t len, size_t max) AL_WUR;

/*
 * Writes the response head to give the client: the status line and every header but
 * Connection, Keep-Alive and Proxy-Connection, then "Connection: keep-alive" or "close".
 * Returns the length written to out[0..cap) or AL_ETOOBIG.
 */
int al_egress_resp_head(const struct al_egress_resp *r, const char *buf, int keep_alive, char *out,
                        size_t cap) AL_WUR;

/*
 * Whether a response to a request with method has a body delimited only by the server
 * closing (no Content-Length, not chunked, and a status and method that carry a body).
 */
int al_egress_resp_close_delimited(const struct al_egress_resp *r, const char *method);

#endif
