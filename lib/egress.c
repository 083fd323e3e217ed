/* egress.c: the egress proxy's decisions (see egress.h and docs/internals/egress.md). */
#include <airlock/egress.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- errors -------------------------------------------------------------------------- */

static const struct {
    const char *name, *msg;
    int status;
} errs[] = {
#define AL__EGRESS_ROW(name, status, msg) {"E" #name, msg, status},
    AL_EGRESS_ERRORS(AL__EGRESS_ROW)
#undef AL__EGRESS_ROW
};

static int
err_index(int e)
{
    return e > AL_EGRESS_EBASE && e < AL_EGRESS_ELAST ? e - AL_EGRESS_EBASE - 1 : -1;
}

const char *
al_egress_errname(int e)
{
    int i = err_index(e);

    return i >= 0 ? errs[i].name : al_errname(e);
}

const char *
al_egress_strerror(int e)
{
    int i = err_index(e);

    return i >= 0 ? errs[i].msg : al_strerror(e);
}

int
al_egress_status(int e)
{
    int i = err_index(e);

    return i >= 0 ? errs[i].status : 500;
}

/* ---- characters ---------------------------------------------------------------------- */

/* RFC 9110 tchar: the bytes of a method or a header name. */
static int
is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int
is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char
lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of s[0..n) with the lowercase word w. */
static int
word_is(const char *s, size_t n, const char *w)
{
    size_t i;

    if (strlen(w) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)w[i])
            return 0;
    return 1;
}

/* ---- hosts --------------------------------------------------------------------------- */

/* Whether label[0..n) is written as a number (decimal, 0x hexadecimal, octal). */
static int
numeric_label(const char *s, size_t n)
{
    size_t i;

    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < n; i++)
            if (!is_hex((unsigned char)s[i]))
                return 0;
        return 1;
    }
    for (i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return 0;
    return n > 0;
}

int
al_egress_host_parse(const char *s, size_t n, struct al_egress_host *out)
{
    char tmp[AL_HOSTNAME_MAX + 1];
    struct al_egress_host h;
    struct in_addr a4;
    size_t i, label = 0, last;

    memset(&h, 0, sizeof(h));
    if (n == 0 || n > AL_HOSTNAME_MAX)
        return AL_EGRESS_EHOST;
    if (s[0] == '[') {
        /* "[v6]": no zone id ("%eth0" names an interface of this machine). */
        if (n < 4 || s[n - 1] != ']' || n - 2 > INET6_ADDRSTRLEN)
            return AL_EGRESS_EHOST;
        for (i = 1; i < n - 1; i++) {
            if (!is_hex((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
                return AL_EGRESS_EHOST;
            tmp[i - 1] = (char)lower((unsigned char)s[i]);
        }
        tmp[n - 2] = '\0';
        if (inet_pton(AF_INET6, tmp, h.addr) != 1 ||
            inet_ntop(AF_INET6, h.addr, h.text, sizeof(h.text)) == NULL)
            return AL_EGRESS_EHOST;
        h.kind = AL_HOST_IPV6;
        h.odd = strcmp(tmp, h.text) != 0;
        goto done;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
              c == '.'))
            return AL_EGRESS_EHOST;
        tmp[i] = (char)lower(c);
    }
    tmp[n] = '\0';
    if (tmp[n - 1] == '.')
        return AL_EGRESS_EHOST; /* "example.com.": no rule names it, and it is not a literal */
    for (last = n; last > 0 && tmp[last - 1] != '.'; last--)
        ;
    /* The C library reads "2130706433", "0x7f.1", "0177.0.0.1" and "127.1" as addresses, and
     * so would the resolver behind getaddrinfo: such a host is a literal, never a name. A
     * last label that looks like a number but is not an address ("1.2.3.999") is refused. */
    if (numeric_label(tmp + last, n - last) || inet_aton(tmp, &a4) != 0) {
        if (inet_aton(tmp, &a4) == 0)
            return AL_EGRESS_EHOST;
        memcpy(h.addr, &a4, 4);
        if (inet_ntop(AF_INET, h.addr, h.text, sizeof(h.text)) == NULL)
            return AL_EGRESS_EHOST;
        h.kind = AL_HOST_IPV4;
        h.odd = strcmp(tmp, h.text) != 0;
        goto done;
    }
    for (i = 0; i <= n; i++) {
        if (i == n || tmp[i] == '.') {
            if (label == 0 || tmp[i - 1] == '-')
                return AL_EGRESS_EHOST;
            label = 0;
            continue;
        }
        if (label == 0 && tmp[i] == '-')
            return AL_EGRESS_EHOST;
        if (++label > 63)
            return AL_EGRESS_EHOST;
    }
    memcpy(h.text, tmp, n + 1);
    h.kind = AL_HOST_NAME;
done:
    *out = h;
    return 0;
}

/* "1".."65535", no sign, no leading zero. */
static int
parse_port(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    if (n == 0 || n > 5 || s[0] == '0')
        return AL_EGRESS_EPORT;
    for (i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return AL_EGRESS_EPORT;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return AL_EGRESS_EPORT;
    *out = v;
    return 0;
}

/* "host:port", "[v6]:port", or (need_port 0) "host". */
static int
parse_authority(const char *s, size_t n, int need_port, unsigned defport, struct al_egress_host *h,
                unsigned *port)
{
    const char *colon = NULL;
    size_t hn = n;
    int r;

    if (n > 0 && s[0] == '[') {
        const char *end = memchr(s, ']', n);

        if (end == NULL)
            return AL_EGRESS_EHOST;
        hn = (size_t)(end - s) + 1;
        if (hn < n) {
            if (s[hn] != ':')
                return AL_EGRESS_EHOST;
            colon = s + hn;
        }
    } else {
        colon = memchr(s, ':', n);
        if (colon != NULL) {
            hn = (size_t)(colon - s);
            if (memchr(colon + 1, ':', n - hn - 1) != NULL)
                return AL_EGRESS_EHOST; /* an IPv6 address without brackets */
        }
    }
    if ((r = al_egress_host_parse(s, hn, h)) != 0)
        return r;
    if (colon == NULL) {
        if (need_port)
            return AL_EGRESS_EPORT;
        *port = defport;
        return 0;
    }
    return parse_port(colon + 1, n - hn - 1, port);
}

/* ---- request heads ------------------------------------------------------------------- */

void
al_egress_req_init(struct al_egress_req *r, size_t max)
{
    memset(r, 0, sizeof(*r));
    r->max = max == 0                        ? AL_EGRESS_HEAD_MAX
             : max > AL_EGRESS_HEAD_HARD_MAX ? AL_EGRESS_HEAD_HARD_MAX
                                             : max;
}

static int
request_line(struct al_egress_req *r, const char *buf, size_t start, size_t end)
{
    const char *s = buf + start, *sp1, *sp2, *t, *a, *slash;
    size_t n = end - start, mn, tn, i;

    sp1 = memchr(s, ' ', n);
    if (sp1 == NULL)
        return AL_EGRESS_ELINE;
    sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s));
    if (sp2 == NULL || memchr(sp2 + 1, ' ', n - (size_t)(sp2 + 1 - s)) != NULL)
        return AL_EGRESS_ELINE;
    mn = (size_t)(sp1 - s);
    if (mn == 0 || mn > AL_EGRESS_METHOD_MAX)
        return AL_EGRESS_EMETHOD;
    for (i = 0; i < mn; i++)
        if (!is_tchar((unsigned char)s[i]))
            return AL_EGRESS_EMETHOD;
    memcpy(r->method, s, mn);
    r->method[mn] = '\0';
    /* The version: exactly HTTP/1.0 or HTTP/1.1. */
    if ((size_t)(s + n - (sp2 + 1)) != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0)
        return AL_EGRESS_ELINE;
    if (sp2[6] != '1' || sp2[7] != '.' || (sp2[8] != '0' && sp2[8] != '1'))
        return is_digit((unsigned char)sp2[6]) && sp2[7] == '.' && is_digit((unsigned char)sp2[8])
                   ? AL_EGRESS_EVERSION
                   : AL_EGRESS_ELINE;
    r->minor = sp2[8] - '0';
    t = sp1 + 1;
    tn = (size_t)(sp2 - t);
    if (tn == 0)
        return AL_EGRESS_ELINE;
    if (strcmp(r->method, "CONNECT") == 0) {
        r->kind = AL_EGRESS_CONNECT;
        return parse_authority(t, tn, 1, 0, &r->host, &r->port);
    }
    r->kind = AL_EGRESS_FORWARD;
    if (t[0] == '/' || (tn == 1 && t[0] == '*'))
        return AL_EGRESS_EORIGINFORM;
    a = NULL;
    for (i = 0; i + 2 < tn; i++) {
        if (t[i] == ':' && t[i + 1] == '/' && t[i + 2] == '/') {
            a = t + i + 3;
            break;
        }
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
              (i > 0 &&
               (is_digit((unsigned char)t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.'))))
            return AL_EGRESS_ETARGET;
    }
    if (a == NULL)
        return AL_EGRESS_ETARGET;
    if (!word_is(t, (size_t)(a - 3 - t), "http"))
        return AL_EGRESS_ESCHEME;
    if (memchr(t, '#', tn) != NULL)
        return AL_EGRESS_ETARGET; /* a fragment is never sent */
    /* The authority ends at the first "/" or "?". */
    for (slash = a; slash < sp2 && *slash != '/' && *slash != '?'; slash++)
        if (*slash == '@')
            return AL_EGRESS_EUSERINFO;
    r->authority_off = (size_t)(a - buf);
    r->authority_len = (size_t)(slash - a);
    r->path_off = (size_t)(slash - buf);
    r->path_len = (size_t)(sp2 - slash);
    if (r->authority_len == 0)
        return AL_EGRESS_EHOST;
    return parse_authority(a, r->authority_len, 0, 80, &r->host, &r->port);
}

/* Parses a Content-Length value: digits only, at most 15 of them. */
static int
parse_length(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    size_t i;

    if (n == 0 || n > 15)
        return AL_EGRESS_ELENGTH;
    for (i = 0; i < n; i++) {
        if (!is_digit((unsigned char)v[i]))
            return AL_EGRESS_ELENGTH;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

/* Applies a Connection (or Proxy-Connection) value to keep_alive: 1 keep-alive, 0 close. */
static void
connection_tokens(const char *v, size_t n, int *close_seen, int *keep_seen)
{
    size_t i = 0, j;

    while (i < n) {
        while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
            i++;
        for (j = i; j < n && v[j] != ',' && v[j] != ' ' && v[j] != '\t'; j++)
            ;
        if (word_is(v + i, j - i, "close"))
            *close_seen = 1;
        else if (word_is(v + i, j - i, "keep-alive"))
            *keep_seen = 1;
        i = j;
    }
}

static int
header_line(struct al_egress_req *r, const char *buf, size_t start, size_t end)
{
    const char *s = buf + start, *colon, *v;
    struct al_egress_hdr *h;
    size_t n = end - start, nn, vn, i;
    int e;

    if (s[0] == ' ' || s[0] == '\t')
        return AL_EGRESS_EFOLD;
    if (r->n_hdrs >= AL_EGRESS_HEADERS_MAX)
        return AL_EGRESS_ETOOMANY;
    colon = memchr(s, ':', n);
    if (colon == NULL || colon == s)
        return AL_EGRESS_EHEADER;
    nn = (size_t)(colon - s);
    for (i = 0; i < nn; i++)
        if (!is_tchar((unsigned char)s[i]))
            return AL_EGRESS_EHEADER; /* includes whitespace before the colon */
    v = colon + 1;
    vn = n - nn - 1;
    while (vn > 0 && (v[0] == ' ' || v[0] == '\t'))
        v++, vn--;
    while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
        vn--;
    h = &r->hdrs[r->n_hdrs++];
    h->name_off = (uint16_t)start;
    h->name_len = (uint16_t)nn;
    h->value_off = (uint16_t)(v - buf);
    h->value_len = (uint16_t)vn;
    if (word_is(s, nn, "content-length")) {
        uint64_t x;

        if (r->has_length || (e = parse_length(v, vn, &x)) != 0)
            return AL_EGRESS_ELENGTH;
        r->has_length = 1;
        r->length = x;
    } else if (word_is(s, nn, "transfer-encoding")) {
        if (r->chunked || !word_is(v, vn, "chunked"))
            return AL_EGRESS_ECODING;
        r->chunked = 1;
    } else if (word_is(s, nn, "connection") || word_is(s, nn, "proxy-connection")) {
        h->hop = 1; /* its tokens are read in finish() */
    } else if (word_is(s, nn, "keep-alive") || word_is(s, nn, "proxy-authorization") ||
               word_is(s, nn, "te") || word_is(s, nn, "trailer") || word_is(s, nn, "upgrade") ||
               word_is(s, nn, "host")) {
        h->hop = 1;
    }
    return 0;
}

/* After the whole head: the rules that span lines. */
static int
finish(struct al_egress_req *r, const char *buf)
{
    int close_seen = 0, keep_seen = 0;
    size_t i;

    for (i = 0; i < r->n_hdrs; i++) {
        const struct al_egress_hdr *h = &r->hdrs[i];

        if (word_is(buf + h->name_off, h->name_len, "connection") ||
            word_is(buf + h->name_off, h->name_len, "proxy-connection"))
            connection_tokens(buf + h->value_off, h->value_len, &close_seen, &keep_seen);
    }
    if (r->has_length && r->chunked)
        return AL_EGRESS_ECODING; /* the classic request-smuggling ambiguity */
    if (r->kind == AL_EGRESS_CONNECT && (r->chunked || (r->has_length && r->length > 0)))
        return AL_EGRESS_ECONNECTBODY;
    r->keep_alive = r->minor == 1 ? !close_seen : keep_seen && !close_seen;
    /* A request whose body ends only with the connection cannot be followed by another. */
    if (r->chunked)
        r->keep_alive = 0;
    /* Names that Connection lists are hop-by-hop too. */
    for (i = 0; i < r->n_hdrs; i++) {
        struct al_egress_hdr *h = &r->hdrs[i];
        size_t j;

        for (j = 0; j < r->n_hdrs && !h->hop; j++) {
            const struct al_egress_hdr *c = &r->hdrs[j];
            const char *v = buf + c->value_off;
            size_t k = 0, m;

            if (!word_is(buf + c->name_off, c->name_len, "connection"))
                continue;
            while (k < c->value_len) {
                while (k < c->value_len && (v[k] == ',' || v[k] == ' ' || v[k] == '\t'))
                    k++;
                for (m = k; m < c->value_len && v[m] != ',' && v[m] != ' ' && v[m] != '\t'; m++)
                    ;
                if (m > k && m - k == h->name_len &&
                    strncasecmp(v + k, buf + h->name_off, m - k) == 0)
                    h->hop = 1;
                k = m;
            }
        }
    }
    return 1;
}

int
al_egress_parse(struct al_egress_req *r, const char *buf, size_t len)
{
    size_t i;
    int e;

    if (r->max == 0)
        r->max = AL_EGRESS_HEAD_MAX;
    for (i = r->pos; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (i >= r->max)
            return AL_EGRESS_ETOOBIG;
        if (c == '\r') {
            if (i + 1 < len && buf[i + 1] != '\n')
                return AL_EGRESS_EBARELF;
            continue;
        }
        if (c != '\n') {
            if ((c < 0x20 && c != '\t') || c >= 0x7f)
                return AL_EGRESS_EBYTE;
            continue;
        }
        if (i == r->line || buf[i - 1] != '\r')
            return AL_EGRESS_EBARELF;
        if (i - 1 == r->line) {
            /* An empty line: the end of the head, or (before the request line) one of the
             * blank lines RFC 9112 says to skip. They count against the cap all the same. */
            r->line = i + 1;
            if (r->lines == 0)
                continue;
            r->pos = i + 1;
            r->head_len = i + 1;
            return finish(r, buf);
        }
        e = r->lines == 0 ? request_line(r, buf, r->line, i - 1)
                          : header_line(r, buf, r->line, i - 1);
        if (e != 0)
            return e;
        r->lines++;
        r->line = i + 1;
    }
    /* A CR at the end is looked at again with the byte after it. */
    r->pos = len > 0 && buf[len - 1] == '\r' ? len - 1 : len;
    if (len >= r->max)
        return AL_EGRESS_ETOOBIG;
    return 0;
}

/* Appends s[0..n) to out at *at, or fails if it does not fit. */
static int
put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
    if (n > cap - *at)
        return -1;
    memcpy(out + *at, s, n);
    *at += n;
    return 0;
}

#define PUTS(s) put(out, cap, &at, (s), strlen(s))

int
al_egress_forward_head(const struct al_egress_req *r, const char *buf, char *out, size_t cap)
{
    size_t at = 0, i;
    int bad = 0;

    if (r->kind != AL_EGRESS_FORWARD || cap > INT32_MAX)
        return AL_EINVAL;
    bad |= PUTS(r->method) | PUTS(" ");
    if (r->path_len == 0 || buf[r->path_off] != '/')
        bad |= PUTS("/");
    bad |= put(out, cap, &at, buf + r->path_off, r->path_len);
    bad |= PUTS(r->minor == 1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
    for (i = 0; i < r->n_hdrs; i++) {
        const struct al_egress_hdr *h = &r->hdrs[i];

        if (h->hop)
            continue;
        bad |= put(out, cap, &at, buf + h->name_off, h->name_len) | PUTS(": ") |
               put(out, cap, &at, buf + h->value_off, h->value_len) | PUTS("\r\n");
    }
    bad |= PUTS("Host: ") | put(out, cap, &at, buf + r->authority_off, r->authority_len) |
           PUTS("\r\nConnection: close\r\n\r\n");
    return bad ? AL_ETOOBIG : (int)at;
}

/* ---- the decision -------------------------------------------------------------------- */

int
al_egress_decide(const struct al_config *c, const struct al_egress_host *h, unsigned port,
                 struct al_egress_decision *d)
{
    const char *rule = NULL;

    memset(d, 0, sizeof(*d));
    if (c == NULL || c->side[AL_SIDE_ONLINE].n_allow == 0) {
        d->reason = "the allowlist is empty: no egress at all";
        return 0;
    }
    if (port == 0 || port > 65535) {
        d->reason = "no such port";
        return 0;
    }
    /* Deny rules, when the configuration grows them, are checked here, before any allow
     * rule, so that deny wins. online.allow has only allow rules today. */
    if (!al_allow_match(c, h->text, port, &rule)) {
        d->reason = h->kind == AL_HOST_NAME
                        ? "no allow rule matches this host and port"
                        : "an address literal is allowed only by a rule naming that address";
        return 0;
    }
    d->allow = 1;
    d->rule = rule;
    if (h->kind == AL_HOST_NAME)
        d->pin = al_config_pin_find(c, h->text, port);
    return 1;
}

/* ---- addresses ----------------------------------------------------------------------- */

static enum al_egress_class
class4(const unsigned char *a)
{
    if (a[0] == 0)
        return AL_EGRESS_UNSPECIFIED;
    if (a[0] == 127)
        return AL_EGRESS_LOOPBACK;
    if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168))
        return AL_EGRESS_PRIVATE;
    if (a[0] == 100 && (a[1] & 0xc0) == 64)
        return AL_EGRESS_CGNAT;
    if (a[0] == 169 && a[1] == 254)
        return AL_EGRESS_LINKLOCAL;
    if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
        return AL_EGRESS_BROADCAST;
    if ((a[0] & 0xf0) == 224)
        return AL_EGRESS_MULTICAST;
    if ((a[0] & 0xf0) == 240 || (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) ||
        (a[0] == 192 && a[1] == 88 && a[2] == 99) || (a[0] == 198 && (a[1] & 0xfe) == 18) ||
        (a[0] == 198 && a[1] == 51 && a[2] == 100) || (a[0] == 203 && a[1] == 0 && a[2] == 113))
        return AL_EGRESS_RESERVED;
    return AL_EGRESS_PUBLIC;
}

static int
zeros(const unsigned char *a, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (a[i] != 0)
            return 0;
    return 1;
}

enum al_egress_class
al_egress_addr_class(const unsigned char *a, size_t len)
{
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};

    if (len == 4)
        return class4(a);
    if (len != 16)
        return AL_EGRESS_RESERVED;
    if (zeros(a, 16))
        return AL_EGRESS_UNSPECIFIED;
    if (zeros(a, 15) && a[15] == 1)
        return AL_EGRESS_LOOPBACK;
    /* Forms that carry an IPv4 address: the kernel or a translator turns them into it. */
    if (zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) /* ::ffff:a.b.c.d, mapped */
        return class4(a + 12);
    if (zeros(a, 8) && a[8] == 0xff && a[9] == 0xff && zeros(a + 10, 2)) /* ::ffff:0:a.b.c.d */
        return class4(a + 12);
    if (zeros(a, 12)) /* ::a.b.c.d, the deprecated compatible form */
        return class4(a + 12);
    if (memcmp(a, nat64, 12) == 0) /* 64:ff9b::/96 */
        return class4(a + 12);
    if (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 && a[5] == 1)
        return AL_EGRESS_TUNNEL;      /* 64:ff9b:1::/48, local-use NAT64 */
    if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16, 6to4 */
        return class4(a + 2);
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
        return AL_EGRESS_TUNNEL; /* 2001::/32, Teredo */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return AL_EGRESS_RESERVED; /* 2001:db8::/32, documentation */
    if (a[0] == 0x01 && zeros(a + 1, 7))
        return AL_EGRESS_RESERVED; /* 100::/64, discard */
    if ((a[0] & 0xfe) == 0xfc)
        return AL_EGRESS_ULA;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return AL_EGRESS_LINKLOCAL;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return AL_EGRESS_SITELOCAL;
    if (a[0] == 0xff)
        return AL_EGRESS_MULTICAST;
    return AL_EGRESS_PUBLIC;
}

const char *
al_egress_class_name(enum al_egress_class k)
{
    static const char *const names[] = {
#define AL__EGRESS_CLSNAME(name, text) text,
        AL_EGRESS_CLASSES(AL__EGRESS_CLSNAME)
#undef AL__EGRESS_CLSNAME
    };

    return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

int
al_egress_addr_permitted(const struct al_config *c, const unsigned char *addr, size_t len,
                         unsigned port, int pinned, const char **why)
{
    static const char *const reasons[] = {
#define AL__EGRESS_WHY(name, text) "the name resolved to a special address: " text,
        AL_EGRESS_CLASSES(AL__EGRESS_WHY)
#undef AL__EGRESS_WHY
    };
    enum al_egress_class k;
    char text[INET6_ADDRSTRLEN];

    if (pinned)
        return 1;
    k = al_egress_addr_class(addr, len);
    if (k == AL_EGRESS_PUBLIC)
        return 1;
    if ((len == 4 || len == 16) &&
        inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)) != NULL &&
        al_allow_match(c, text, port, NULL))
        return 1;
    if (why != NULL)
        *why = reasons[k];
    return 0;
}

/* ---- responses ----------------------------------------------------------------------- */

/* The next line of buf[*at..end): sets [*ls, *le) without its line end; 0 at the end. */
static int
next_line(const char *buf, size_t end, size_t *at, size_t *ls, size_t *le)
{
    const char *nl;

    if (*at >= end)
        return 0;
    nl = memchr(buf + *at, '\n', end - *at);
    if (nl == NULL)
        return 0;
    *ls = *at;
    *le = (size_t)(nl - buf);
    if (*le > *ls && buf[*le - 1] == '\r')
        (*le)--;
    *at = (size_t)(nl - buf) + 1;
    return 1;
}

int
al_egress_resp_parse(struct al_egress_resp *r, const char *buf, size_t len, size_t max)
{
    size_t i, end = 0, at, ls, le;
    int first = 1;

    /* Find the blank line that ends the head; servers may end lines with a bare LF. */
    for (i = r->pos; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i >= 1 && buf[i - 1] == '\n') {
            end = i + 1;
            break;
        }
        if (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n') {
            end = i + 1;
            break;
        }
    }
    if (end == 0) {
        r->pos = len > 2 ? len - 2 : 0;
        return len >= max ? AL_EGRESS_ETOOBIG : 0;
    }
    if (end > max)
        return AL_EGRESS_ETOOBIG;
    r->has_length = r->chunked = r->close = 0;
    at = 0;
    while (next_line(buf, end, &at, &ls, &le) && le > ls) {
        const char *s = buf + ls, *colon, *v;
        size_t n = le - ls, vn;

        for (i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
                return AL_EGRESS_ERESPONSE;
        if (first) {
            if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
                s[8] != ' ' || !is_digit((unsigned char)s[9]) || !is_digit((unsigned char)s[10]) ||
                !is_digit((unsigned char)s[11]) || (n > 12 && s[12] != ' ') || s[9] == '0')
                return AL_EGRESS_ERESPONSE;
            r->minor = s[7] - '0';
            r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
            first = 0;
            continue;
        }
        if (s[0] == ' ' || s[0] == '\t' || (colon = memchr(s, ':', n)) == NULL || colon == s)
            return AL_EGRESS_ERESPONSE;
        v = colon + 1;
        vn = n - (size_t)(v - s);
        while (vn > 0 && (v[0] == ' ' || v[0] == '\t'))
            v++, vn--;
        while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
            vn--;
        if (word_is(s, (size_t)(colon - s), "content-length")) {
            uint64_t x;

            if (parse_length(v, vn, &x) != 0 || (r->has_length && x != r->length))
                return AL_EGRESS_ERESPONSE;
            r->has_length = 1;
            r->length = x;
        } else if (word_is(s, (size_t)(colon - s), "transfer-encoding")) {
            r->chunked = vn >= 7 && word_is(v + vn - 7, 7, "chunked");
        } else if (word_is(s, (size_t)(colon - s), "connection")) {
            int close_seen = 0, keep_seen = 0;

            connection_tokens(v, vn, &close_seen, &keep_seen);
            r->close |= close_seen;
        }
    }
    if (first)
        return AL_EGRESS_ERESPONSE;
    if (r->chunked)
        r->has_length = 0; /* RFC 9112 6.3: chunked overrides Content-Length */
    r->head_len = end;
    r->pos = end;
    return 1;
}

int
al_egress_resp_head(const struct al_egress_resp *r, const char *buf, int keep_alive, char *out,
                    size_t cap)
{
    size_t at = 0, pos = 0, ls, le;
    int bad = 0, first = 1;

    if (cap > INT32_MAX)
        return AL_EINVAL;
    while (next_line(buf, r->head_len, &pos, &ls, &le) && le > ls) {
        const char *s = buf + ls, *colon = memchr(s, ':', le - ls);

        if (!first && colon != NULL &&
            (word_is(s, (size_t)(colon - s), "connection") ||
             word_is(s, (size_t)(colon - s), "keep-alive") ||
             word_is(s, (size_t)(colon - s), "proxy-connection")))
            continue;
        first = 0;
        bad |= put(out, cap, &at, s, le - ls) | PUTS("\r\n");
    }
    bad |= PUTS(keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
    return bad ? AL_ETOOBIG : (int)at;
}

int
al_egress_resp_close_delimited(const struct al_egress_resp *r, const char *method)
{
    if (strcmp(method, "HEAD") == 0 || (r->status >= 100 && r->status < 200) || r->status == 204 ||
        r->status == 304)
        return 0;
    return !r->has_length && !r->chunked;
}
