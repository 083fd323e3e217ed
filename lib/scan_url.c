/*
 * scan_url.c: links and the markup that hides or fetches things. Every URL is parsed
 * (scheme, userinfo, host, port, path, query, fragment) and listed (url.link); the parts
 * that can carry data out or mislead are flagged: query strings and fragments (high when
 * a value is long, random-looking or encoded), IP-literal hosts, userinfo, non-default
 * ports, punycode or non-ASCII hosts, high-entropy host labels and path segments (DNS and
 * path exfiltration), data:/javascript:/vbscript:/file: URIs and redirector parameters.
 * Markup: HTML comments and elements hidden by style or attribute, HTML <img> and
 * Markdown images (inline and reference style), which a renderer fetches by itself.
 */
#include "scan_internal.h"

#include <string.h>
#include <strings.h>

#define URL_MAX 8192
#define TAG_MAX 4096
#define ELEMENT_MAX 65536

/* ---- markup ---- */

static int
ieq(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    return n >= k && strncasecmp(s, lit, k) == 0;
}

/* Finds lit (lowercase) in s[0..n) ignoring ASCII case; its offset or n. */
static size_t
ifind(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit), i;

    for (i = 0; i + k <= n; i++)
        if (al__tolower((unsigned char)s[i]) == lit[0] && strncasecmp(s + i, lit, k) == 0)
            return i;
    return n;
}

/* The style and attribute text of a tag, lowercased and without white space. */
static size_t
squeeze(const char *s, size_t n, char *out, size_t cap)
{
    size_t i, k = 0;

    for (i = 0; i < n && k + 1 < cap; i++)
        if (!al__isspace((unsigned char)s[i]))
            out[k++] = (char)al__tolower((unsigned char)s[i]);
    out[k] = '\0';
    return k;
}

/* True if "prop:" is followed by a zero value (0, 0px, 0.0em, ...). */
static int
zero_value(const char *sq, const char *prop)
{
    const char *p = sq;
    size_t k = strlen(prop);

    while ((p = strstr(p, prop)) != NULL) {
        p += k;
        while (*p == '0' || *p == '.')
            p++;
        if (p[-1] == '0' || (p[-1] == '.' && p[-2] == '0'))
            if (!al__isdigit((unsigned char)*p))
                return 1;
    }
    return 0;
}

/* The value of "prop:" up to ; or " in sq, copied into out. */
static int
css_value(const char *sq, const char *prop, char *out, size_t cap)
{
    const char *p = sq;
    size_t k = strlen(prop), j = 0;

    while ((p = strstr(p, prop)) != NULL) {
        if (p == sq || p[-1] == ';' || p[-1] == '"' || p[-1] == '\'' || p[-1] == '{') {
            p += k;
            while (*p && *p != ';' && *p != '"' && *p != '\'' && j + 1 < cap)
                out[j++] = *p++;
            out[j] = '\0';
            return j > 0;
        }
        p += k;
    }
    return 0;
}

static const char *
hidden_by(const char *sq, const char *raw, size_t rn)
{
    char fg[64], bg[64];
    size_t i;

    if (strstr(sq, "display:none"))
        return "display:none";
    if (strstr(sq, "visibility:hidden"))
        return "visibility:hidden";
    if (zero_value(sq, "font-size:"))
        return "font-size 0";
    if (zero_value(sq, "opacity:"))
        return "opacity 0";
    if (strstr(sq, "aria-hidden=\"true\"") || strstr(sq, "aria-hidden=true") ||
        strstr(sq, "aria-hidden='true'"))
        return "aria-hidden";
    if (css_value(sq, "color:", fg, sizeof(fg)) &&
        (css_value(sq, "background-color:", bg, sizeof(bg)) ||
         css_value(sq, "background:", bg, sizeof(bg))) &&
        strcmp(fg, bg) == 0)
        return "text in the background colour";
    /* A bare `hidden` attribute. */
    for (i = 0; i + 6 <= rn; i++)
        if (al__isspace((unsigned char)raw[i]) && strncasecmp(raw + i + 1, "hidden", 6) == 0 &&
            (i + 7 == rn || raw[i + 7] == ' ' || raw[i + 7] == '>' || raw[i + 7] == '=' ||
             raw[i + 7] == '/' || raw[i + 7] == '\t' || raw[i + 7] == '\n'))
            return "the hidden attribute";
    return NULL;
}

/* The value of attribute name in a tag's raw text (quoted or not), or NULL. */
static const char *
attr(const char *raw, size_t rn, const char *name, size_t *len)
{
    size_t k = strlen(name), i, j;

    for (i = 0; i + k + 1 < rn; i++) {
        if (!(i == 0 || al__isspace((unsigned char)raw[i - 1])) ||
            strncasecmp(raw + i, name, k) != 0)
            continue;
        j = i + k;
        while (j < rn && al__isspace((unsigned char)raw[j]))
            j++;
        if (j >= rn || raw[j] != '=')
            continue;
        j++;
        while (j < rn && al__isspace((unsigned char)raw[j]))
            j++;
        if (j < rn && (raw[j] == '"' || raw[j] == '\'')) {
            char q = raw[j++];
            size_t e = j;

            while (e < rn && raw[e] != q)
                e++;
            *len = e - j;
            return raw + j;
        }
        i = j;
        while (j < rn && !al__isspace((unsigned char)raw[j]) && raw[j] != '>')
            j++;
        *len = j - i;
        return raw + i;
    }
    return NULL;
}

/*
 * Where the next '<', '!', ']' ... is: each cache holds the next occurrence at or after
 * the position it was asked from, and the positions asked only grow, so every byte is
 * looked at a bounded number of times however many unclosed brackets the text holds.
 */
struct next_cache {
    size_t lt, bang, rbracket, rparen, nl, gt, comment_end;
    char tag[16];
    size_t tag_end; /* the next "</tag" */
};

static size_t
next_byte(const char *s, size_t n, size_t i, char ch, size_t *cache)
{
    const char *p;

    if (*cache != (size_t)-1 && *cache >= i)
        return *cache;
    p = i < n ? memchr(s + i, ch, n - i) : NULL;
    *cache = p ? (size_t)(p - s) : n;
    return *cache;
}

static size_t
next_comment_end(const char *s, size_t n, size_t i, size_t *cache)
{
    const char *p;

    if (*cache != (size_t)-1 && *cache >= i)
        return *cache;
    p = i < n ? memmem(s + i, n - i, "-->", 3) : NULL;
    *cache = p ? (size_t)(p - s) : n;
    return *cache;
}

static void
html_tag(struct al__scan_ctx *c, const char *s, size_t n, size_t i, size_t *next,
         struct next_cache *nc)
{
    char sq[TAG_MAX + 1], name[16];
    size_t j = i + 1, nl = 0, e, close, rn, vlen, gt, lt;
    const char *why, *v;

    while (j < n && (al__isalnum((unsigned char)s[j]) || s[j] == '-') && nl + 1 < sizeof(name))
        name[nl++] = (char)al__tolower((unsigned char)s[j++]);
    name[nl] = '\0';
    gt = next_byte(s, n, j, '>', &nc->gt);
    lt = next_byte(s, n, j, '<', &nc->lt);
    e = gt < lt ? gt : lt;
    if (e - i > TAG_MAX)
        e = i + TAG_MAX;
    rn = e - j;
    *next = e;
    if (nl == 0)
        return;
    if (strcmp(name, "img") == 0) {
        v = attr(s + j, rn, "src", &vlen);
        al__scan_add(c, "markdown.image", AL_SEV_HIGH, i, e < n ? e + 1 : e, v, v ? vlen : 0,
                     "HTML image: a renderer fetches its source by itself (the request can "
                     "carry data)");
    }
    squeeze(s + j, rn, sq, sizeof(sq));
    if ((why = hidden_by(sq, s + j, rn)) == NULL)
        return;
    close = e < n ? e + 1 : e;
    if (al__scan_full(c, "markup.hidden_html")) {
        al__scan_add(c, "markup.hidden_html", AL_SEV_HIGH, i, close, NULL, 0, "hidden element");
        return;
    }
    /* Report the element up to its closing tag, and show its text. */
    {
        char end_tag[24];
        size_t f, lim;

        end_tag[0] = '<';
        end_tag[1] = '/';
        memcpy(end_tag + 2, name, nl + 1);
        if (strcmp(nc->tag, name) != 0 || nc->tag_end < close) {
            memcpy(nc->tag, name, nl + 1);
            nc->tag_end = close + ifind(s + close, n - close, end_tag);
        }
        f = nc->tag_end - close;
        lim = n - close < ELEMENT_MAX ? n - close : ELEMENT_MAX;
        if (f > lim)
            f = lim;
        al__scan_add(c, "markup.hidden_html", AL_SEV_HIGH, i,
                     close + f + (close + f < n && close + f == nc->tag_end ? nl + 3 : 0),
                     s + close, f, "HTML element <%s> hidden by %s: a reader does not see its text",
                     name, why);
    }
}

void
al__scan_markup(struct al__scan_ctx *c, const char *s, size_t n)
{
    struct next_cache nc;
    size_t i = 0, e, k, next, lt, bang;

    memset(&nc, 0xff, sizeof(nc));
    nc.tag[0] = '\0';
    nc.tag_end = 0;
    while (i < n) {
        lt = next_byte(s, n, i, '<', &nc.lt);
        bang = next_byte(s, n, i, '!', &nc.bang);
        if (bang < lt) {
            /* Markdown image: ![alt](target) or ![alt][ref]. */
            i = bang + 1;
            if (i < n && s[i] == '[') {
                size_t rb = next_byte(s, n, i + 1, ']', &nc.rbracket);
                size_t eol = next_byte(s, n, i + 1, '\n', &nc.nl);

                e = rb < eol ? rb : eol;
                if (e - i < 1024 && e + 1 < n && s[e] == ']' &&
                    (s[e + 1] == '(' || s[e + 1] == '[')) {
                    char open = s[e + 1];
                    size_t end = open == '(' ? next_byte(s, n, e + 2, ')', &nc.rparen)
                                             : next_byte(s, n, e + 2, ']', &nc.rbracket);

                    eol = next_byte(s, n, e + 2, '\n', &nc.nl);
                    k = end < eol ? end : eol;
                    if (k - e > URL_MAX)
                        k = e + URL_MAX;
                    al__scan_add(c, "markdown.image", AL_SEV_HIGH, bang, k < n ? k + 1 : k,
                                 s + e + 2, k - e - 2,
                                 "Markdown image%s: a renderer fetches it by itself (the request "
                                 "can carry data)",
                                 open == '[' ? " (reference style)" : "");
                    i = k;
                }
            }
            continue;
        }
        if (lt >= n)
            break;
        i = lt;
        if (ieq(s + i, n - i, "<!--")) {
            size_t from = i + 4;

            e = next_comment_end(s, n, from, &nc.comment_end);
            al__scan_add(c, "markup.hidden_html", AL_SEV_HIGH, i, e < n ? e + 3 : n, s + from,
                         e - from, "HTML comment: not shown when the page is rendered");
            i = e < n ? e + 3 : n;
            continue;
        }
        if (i + 1 < n && al__isalpha((unsigned char)s[i + 1])) {
            html_tag(c, s, n, i, &next, &nc);
            i = next > i ? next : i + 1;
            continue;
        }
        i++;
    }
}

/* ---- URLs ---- */

struct url {
    size_t a, b; /* the whole URL */
    const char *scheme;
    size_t scheme_n;
    const char *user, *host, *port, *path, *query, *frag;
    size_t user_n, host_n, port_n, path_n, query_n, frag_n;
};

static int
url_char(unsigned char ch)
{
    return ch > 0x20 && ch != 0x7f && ch != '<' && ch != '>' && ch != '"' && ch != '`' &&
           ch != '\\' && ch != '{' && ch != '}' && ch != '|' && ch != '^';
}

/* Character classes of s[0..n): bit 0 lower, 1 upper, 2 digit, 3 other. */
static unsigned
classes(const char *s, size_t n)
{
    unsigned m = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        m |= al__islower(ch) ? 1u : al__isupper(ch) ? 2u : al__isdigit(ch) ? 4u : 8u;
    }
    return m;
}

static unsigned
popcount4(unsigned m)
{
    return (m & 1) + (m >> 1 & 1) + (m >> 2 & 1);
}

static unsigned
percent_escapes(const char *s, size_t n)
{
    unsigned k = 0;
    size_t i;

    for (i = 0; i + 2 < n; i++)
        if (s[i] == '%' && al__hexval(s[i + 1]) >= 0 && al__hexval(s[i + 2]) >= 0)
            k++;
    return k;
}

/* A value or label that looks like data rather than a word: long, mixed, random. */
static int
random_looking_at(const char *s, size_t n, size_t min, double bits)
{
    if (n < min || popcount4(classes(s, n)) < 2)
        return 0;
    return al__entropy(s, n) >= bits;
}

static int
random_looking(const char *s, size_t n, size_t min)
{
    return random_looking_at(s, n, min, 3.3);
}

/*
 * A query value made of words ("hp+305+black+cartridge", "2025-04-12") is ordinary; one
 * with a long mixed piece, or percent escapes, is data.
 */
static int
data_value(const char *v, size_t n)
{
    size_t i = 0, a;

    if (percent_escapes(v, n) >= 3)
        return 1;
    if (n >= 8 && v[n - 1] == '=' && popcount4(classes(v, n - 1)) >= 2)
        return 1;
    while (i < n) {
        a = i;
        while (i < n && !strchr("+-_. ,:/", v[i]))
            i++;
        if (random_looking(v + a, i - a, 16) ||
            (i - a >= 12 && popcount4(classes(v + a, i - a)) == 3 &&
             al__entropy(v + a, i - a) >= 3.3))
            return 1;
        i++;
    }
    return 0;
}

/* A host label made of hex digits or of digits alone, long enough to carry data. */
static int
encoded_label(const char *s, size_t n)
{
    size_t i;

    if (n < 16)
        return 0;
    for (i = 0; i < n; i++)
        if (!al__isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int
ip_literal(const char *h, size_t n)
{
    size_t i, dots = 0;

    if (n > 0 && h[0] == '[')
        return 1;
    if (n > 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
        return 1;
    for (i = 0; i < n; i++) {
        if (h[i] == '.')
            dots++;
        else if (!al__isdigit((unsigned char)h[i]))
            return 0;
    }
    return n > 0; /* dotted quad, or one decimal number (http://2130706433/) */
}

static void
check_labels(struct al__scan_ctx *c, const struct url *u)
{
    size_t i = 0, a;

    while (i < u->host_n) {
        a = i;
        while (i < u->host_n && u->host[i] != '.')
            i++;
        /* Host names are short words; DNS ignores case, so capitals are a sign too. */
        if (random_looking_at(u->host + a, i - a, 12, 3.0) || encoded_label(u->host + a, i - a))
            al__scan_add(c, "url.high_entropy_label", AL_SEV_HIGH, u->a, u->b, u->host + a, i - a,
                         "host label of %zu random-looking characters (data sent through DNS)",
                         i - a);
        i++;
    }
    i = 0;
    while (i < u->path_n) {
        a = i;
        while (i < u->path_n && u->path[i] != '/')
            i++;
        if (random_looking(u->path + a, i - a, 20) || encoded_label(u->path + a, i - a) ||
            percent_escapes(u->path + a, i - a) >= 6)
            al__scan_add(c, "url.high_entropy_label", AL_SEV_HIGH, u->a, u->b, u->path + a, i - a,
                         "path segment of %zu random-looking or encoded characters", i - a);
        i++;
    }
}

static int
redirect_value(const char *v, size_t n)
{
    return ieq(v, n, "http://") || ieq(v, n, "https://") || ieq(v, n, "http%3a") ||
           ieq(v, n, "https%3a") || ieq(v, n, "//") || ieq(v, n, "%2f%2f");
}

static void
check_query(struct al__scan_ctx *c, const struct url *u)
{
    size_t i = 0, a, eq, worst_n = 0;
    int high = 0;
    const char *worst = NULL;

    while (i < u->query_n) {
        a = i;
        while (i < u->query_n && u->query[i] != '&' && u->query[i] != ';')
            i++;
        for (eq = a; eq < i && u->query[eq] != '='; eq++)
            ;
        {
            const char *v = eq < i ? u->query + eq + 1 : u->query + a;
            size_t vn = eq < i ? i - eq - 1 : i - a;

            if (redirect_value(v, vn))
                al__scan_add(c, "url.redirector", AL_SEV_HIGH, u->a, u->b, v, vn,
                             "query parameter whose value is another URL (a redirector)");
            if (data_value(v, vn)) {
                high = 1;
                if (vn > worst_n) {
                    worst = v;
                    worst_n = vn;
                }
            }
        }
        i++;
    }
    if (high)
        al__scan_add(c, "url.query", AL_SEV_HIGH, u->a, u->b, worst, worst_n,
                     "query string with a long, random-looking or encoded value (it can carry "
                     "data out)");
    else
        al__scan_add(c, "url.query", AL_SEV_INFO, u->a, u->b, u->query, u->query_n,
                     "query string with short ordinary values");
}

static void
report_url(struct al__scan_ctx *c, const struct url *u, const char *s)
{
    char port[8] = "";
    unsigned long pv = 0;
    size_t i;

    (void)s;
    al__scan_add(c, "url.link", AL_SEV_INFO, u->a, u->b, u->host, u->host_n,
                 "%.*s link: host %.*s%s%.*s, path %.*s%s%s", (int)u->scheme_n, u->scheme,
                 (int)(u->host_n > 80 ? 80 : u->host_n), u->host, u->port ? " port " : "",
                 (int)u->port_n, u->port ? u->port : "", (int)(u->path_n > 60 ? 60 : u->path_n),
                 u->path_n ? u->path : "/", u->query ? ", with a query" : "",
                 u->frag ? ", with a fragment" : "");
    if (u->user) {
        al__scan_add(c, "url.userinfo", AL_SEV_HIGH, u->a, u->b, u->user, u->user_n,
                     "user name%s before the host (the host shown first is not where it goes)",
                     memchr(u->user, ':', u->user_n) ? " and password" : "");
        if (memchr(u->user, ':', u->user_n))
            al__scan_add(c, "secret.generic_password", AL_SEV_HIGH, u->a, u->b, NULL, 0,
                         "password in a URL's user information");
    }
    if (u->host_n && ip_literal(u->host, u->host_n))
        al__scan_add(c, "url.ip_literal", AL_SEV_HIGH, u->a, u->b, u->host, u->host_n,
                     "host is an IP address, not a name");
    for (i = 0; i < u->host_n; i++)
        if ((unsigned char)u->host[i] >= 0x80 ||
            (i + 4 <= u->host_n && (i == 0 || u->host[i - 1] == '.') &&
             strncasecmp(u->host + i, "xn--", 4) == 0)) {
            al__scan_add(c, "url.punycode", AL_SEV_HIGH, u->a, u->b, u->host, u->host_n,
                         "host name is internationalised (punycode or non-ASCII): it may imitate "
                         "another");
            break;
        }
    if (u->port) {
        for (i = 0; i < u->port_n && i < 6; i++)
            pv = pv * 10 + (unsigned long)(u->port[i] - '0');
        memcpy(port, u->port, u->port_n < 7 ? u->port_n : 7);
        if (!((pv == 443 && ieq(u->scheme, u->scheme_n, "https")) ||
              (pv == 80 && ieq(u->scheme, u->scheme_n, "http"))))
            al__scan_add(c, "url.port", AL_SEV_HIGH, u->a, u->b, NULL, 0,
                         "explicit port %s, not the scheme's default", port);
    }
    check_labels(c, u);
    if (u->query)
        check_query(c, u);
    if (u->frag)
        al__scan_add(c, "url.fragment",
                     random_looking(u->frag, u->frag_n, 24) ? AL_SEV_HIGH : AL_SEV_INFO, u->a, u->b,
                     u->frag, u->frag_n, "URL fragment");
}

/* Parses the URL whose scheme starts at a and whose "://" is at sep; returns its end. */
static size_t
parse_url(const char *s, size_t n, size_t a, size_t sep, struct url *u)
{
    size_t e = sep + 3, i, auth_end, at = 0;
    int paren = 0, bracket = 0;

    memset(u, 0, sizeof(*u));
    /* Parentheses and brackets inside a URL are kept when balanced (Wikipedia titles). */
    while (e < n && e - a < URL_MAX && url_char((unsigned char)s[e])) {
        if (s[e] == '(')
            paren++;
        else if (s[e] == ')' && paren-- == 0)
            break;
        if (s[e] == '[')
            bracket++;
        else if (s[e] == ']' && bracket-- == 0)
            break;
        e++;
    }
    while (e > sep + 3 && strchr(".,;:!?'*", s[e - 1]) != NULL)
        e--;
    u->a = a;
    u->b = e;
    u->scheme = s + a;
    u->scheme_n = sep - a;
    for (auth_end = sep + 3; auth_end < e && !strchr("/?#", s[auth_end]); auth_end++)
        if (s[auth_end] == '@')
            at = auth_end;
    i = sep + 3;
    if (at) {
        u->user = s + i;
        u->user_n = at - i;
        i = at + 1;
    }
    u->host = s + i;
    if (i < auth_end && s[i] == '[') {
        while (i < auth_end && s[i] != ']')
            i++;
        if (i < auth_end)
            i++;
    } else {
        while (i < auth_end && s[i] != ':')
            i++;
    }
    u->host_n = (size_t)(s + i - u->host);
    if (i < auth_end && s[i] == ':' && i + 1 < auth_end) {
        u->port = s + i + 1;
        u->port_n = auth_end - i - 1;
        for (size_t j = 0; j < u->port_n; j++)
            if (!al__isdigit((unsigned char)u->port[j])) {
                u->port = NULL;
                u->port_n = 0;
                break;
            }
    }
    i = auth_end;
    u->path = s + i;
    while (i < e && s[i] != '?' && s[i] != '#')
        i++;
    u->path_n = (size_t)(s + i - u->path);
    if (u->path_n && u->path[0] == '/') {
        u->path++;
        u->path_n--;
    }
    if (i < e && s[i] == '?') {
        u->query = s + i + 1;
        while (i < e && s[i] != '#')
            i++;
        u->query_n = (size_t)(s + i - u->query);
        if (u->query_n == 0)
            u->query = NULL;
    }
    if (i < e && s[i] == '#' && i + 1 < e) {
        u->frag = s + i + 1;
        u->frag_n = e - i - 1;
    }
    return e;
}

static int
scheme_char(unsigned char ch)
{
    return al__isalnum(ch) || ch == '+' || ch == '.' || ch == '-';
}

/* data:, javascript:, vbscript: and file: URIs. */
static size_t
special_scheme(struct al__scan_ctx *c, const char *s, size_t n, size_t i)
{
    static const char *const names[] = {"javascript:", "vbscript:", "data:", "file:"};
    size_t k, e;
    int data_image;

    if (i > 0 && (al__isalnum((unsigned char)s[i - 1]) || s[i - 1] == '-' || s[i - 1] == '_'))
        return 0;
    switch (s[i] | 0x20) {
    case 'j':
        k = 0;
        break;
    case 'v':
        k = 1;
        break;
    case 'd':
        k = 2;
        break;
    default:
        k = 3;
    }
    if (!ieq(s + i, n - i, names[k]))
        return 0;
    e = i + strlen(names[k]);
    if (k == 3 && !(e < n && s[e] == '/'))
        return 0; /* "file:" in prose */
    if (k == 2 && !(e < n && al__isalpha((unsigned char)s[e])))
        return 0; /* "data: 3 rows" */
    if (k == 0 && e < n && s[e] == ' ')
        return 0;
    data_image = k == 2 && ieq(s + e, n - e, "image/") && !ieq(s + e, n - e, "image/svg");
    while (e < n && e - i < URL_MAX && url_char((unsigned char)s[e]))
        e++;
    al__scan_add(c, "url.scheme", data_image ? AL_SEV_INFO : AL_SEV_HIGH, i, e, s + i,
                 e - i < 80 ? e - i : 80, "%s URI%s",
                 k == 0   ? "javascript:"
                 : k == 1 ? "vbscript:"
                 : k == 2 ? "data:"
                          : "file:",
                 data_image ? " (an inline image)" : " (runs code or reads local data)");
    return e - i;
}

void
al__scan_urls(struct al__scan_ctx *c, const char *s, size_t n)
{
    struct url u;
    size_t i = 0, a, e, k;

    while (i + 3 <= n) {
        unsigned char ch = (unsigned char)s[i];

        if ((ch | 0x20) == 'j' || (ch | 0x20) == 'v' || (ch | 0x20) == 'd' || (ch | 0x20) == 'f') {
            if ((k = special_scheme(c, s, n, i)) > 0) {
                i += k;
                continue;
            }
        }
        if (ch != ':' || s[i + 1] != '/' || s[i + 2] != '/') {
            i++;
            continue;
        }
        a = i;
        while (a > 0 && i - a < 32 && scheme_char((unsigned char)s[a - 1]))
            a--;
        while (a < i && !al__isalpha((unsigned char)s[a]))
            a++;
        if (a == i || i + 3 >= n) {
            i += 3;
            continue;
        }
        e = parse_url(s, n, a, i, &u);
        if (u.host_n == 0) {
            i += 3;
            continue;
        }
        report_url(c, &u, s);
        i = e > i + 3 ? e : i + 3;
    }
}
