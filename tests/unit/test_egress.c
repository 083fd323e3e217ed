/*
 * Unit tests: the egress proxy's decisions (lib/egress.c). Request heads whole and a byte at
 * a time, every named malformation, the size cap; every spelling of an IP literal; the
 * allowlist decision (names, ports, wildcards, literals, pins, the empty list); the special
 * address classes with their IPv6 disguises; the forwarded head; response heads.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/egress.h>

static struct al_config *
config(const char *json)
{
    struct al_config *c = NULL;

    assert_int_equal(al_config_parse(json, strlen(json), "/home/u", NULL, &c), 0);
    return c;
}

/* Parses a whole head; returns the parser's result. */
static int
parse(const char *head, struct al_egress_req *r)
{
    al_egress_req_init(r, 0);
    return al_egress_parse(r, head, strlen(head));
}

static void
test_connect(void **state)
{
    struct al_egress_req r;

    (void)state;
    assert_int_equal(parse("CONNECT Example.COM:443 HTTP/1.1\r\nHost: x\r\n\r\n", &r), 1);
    assert_int_equal(r.kind, AL_EGRESS_CONNECT);
    assert_string_equal(r.method, "CONNECT");
    assert_string_equal(r.host.text, "example.com");
    assert_int_equal(r.host.kind, AL_HOST_NAME);
    assert_int_equal(r.port, 443);
    assert_int_equal(r.minor, 1);
    assert_int_equal(r.keep_alive, 1);
    assert_int_equal(parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", &r), 1);
    assert_int_equal(r.host.kind, AL_HOST_IPV6);
    assert_string_equal(r.host.text, "::1");
    assert_int_equal(r.port, 8443);
    /* A port is required, and must be a plain number in range. */
    assert_int_equal(parse("CONNECT example.com HTTP/1.1\r\n\r\n", &r), AL_EGRESS_EPORT);
    assert_int_equal(parse("CONNECT example.com:0 HTTP/1.1\r\n\r\n", &r), AL_EGRESS_EPORT);
    assert_int_equal(parse("CONNECT example.com:65536 HTTP/1.1\r\n\r\n", &r), AL_EGRESS_EPORT);
    assert_int_equal(parse("CONNECT example.com:0443 HTTP/1.1\r\n\r\n", &r), AL_EGRESS_EPORT);
    assert_int_equal(parse("CONNECT example.com:+443 HTTP/1.1\r\n\r\n", &r), AL_EGRESS_EPORT);
    assert_int_equal(parse("CONNECT ::1:443 HTTP/1.1\r\n\r\n", &r), AL_EGRESS_EHOST);
    assert_int_equal(parse("CONNECT x:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &r),
                     AL_EGRESS_ECONNECTBODY);
    assert_int_equal(parse("CONNECT x:443 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &r), 1);
}

static void
test_forward(void **state)
{
    struct al_egress_req r;
    const char *h = "GET http://Example.com:8080/a/b?c=d HTTP/1.1\r\nHost: evil.example\r\n"
                    "Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\nAccept: */*\r\n"
                    "Proxy-Authorization: Basic Zm9v\r\nContent-Length: 3\r\n\r\nabc";
    char out[1024];
    int n;

    (void)state;
    assert_int_equal(parse(h, &r), 1);
    assert_int_equal(r.kind, AL_EGRESS_FORWARD);
    assert_string_equal(r.host.text, "example.com");
    assert_int_equal(r.port, 8080);
    assert_int_equal(r.has_length, 1);
    assert_int_equal(r.length, 3);
    assert_int_equal(r.head_len, strlen(h) - 3);
    n = al_egress_forward_head(&r, h, out, sizeof(out));
    assert_true(n > 0);
    out[n] = '\0';
    assert_string_equal(out, "GET /a/b?c=d HTTP/1.1\r\nAccept: */*\r\nContent-Length: 3\r\n"
                             "Host: Example.com:8080\r\nConnection: close\r\n\r\n");
    /* The default port, an empty path, and a query straight after the authority. */
    assert_int_equal(parse("HEAD http://example.com HTTP/1.0\r\n\r\n", &r), 1);
    assert_int_equal(r.port, 80);
    assert_int_equal(r.keep_alive, 0);
    n = al_egress_forward_head(&r, "HEAD http://example.com HTTP/1.0\r\n\r\n", out, sizeof(out));
    out[n] = '\0';
    assert_string_equal(out, "HEAD / HTTP/1.0\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    assert_int_equal(parse("GET http://example.com?x HTTP/1.1\r\n\r\n", &r), 1);
    assert_int_equal(r.path_len, 2);
    /* Too small an output buffer is an error, not a cut head. */
    assert_int_equal(
        al_egress_forward_head(&r, "GET http://example.com?x HTTP/1.1\r\n\r\n", out, 10),
        AL_ETOOBIG);
    /* Connection: close and HTTP/1.0 keep-alive. */
    assert_int_equal(parse("GET http://a.example/ HTTP/1.1\r\nConnection: close\r\n\r\n", &r), 1);
    assert_int_equal(r.keep_alive, 0);
    assert_int_equal(
        parse("GET http://a.example/ HTTP/1.0\r\nProxy-Connection: Keep-Alive\r\n\r\n", &r), 1);
    assert_int_equal(r.keep_alive, 1);
    /* Blank lines before the request line are skipped. */
    assert_int_equal(parse("\r\n\r\nGET http://a.example/ HTTP/1.1\r\n\r\n", &r), 1);
}

static void
test_malformed(void **state)
{
    static const struct {
        const char *head;
        int r;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", AL_EGRESS_EORIGINFORM},
        {"OPTIONS * HTTP/1.1\r\n\r\n", AL_EGRESS_EORIGINFORM},
        {"GET https://a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_ESCHEME},
        {"GET ftp://a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_ESCHEME},
        {"GET a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_ETARGET},
        {"GET http://a.example/#frag HTTP/1.1\r\n\r\n", AL_EGRESS_ETARGET},
        {"GET http://user:pw@a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_EUSERINFO},
        {"GET http:///x HTTP/1.1\r\n\r\n", AL_EGRESS_EHOST},
        {"GET http://a.example:/x HTTP/1.1\r\n\r\n", AL_EGRESS_EPORT},
        {"GET http://a_b.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_EHOST},
        {"GET http://a.example./ HTTP/1.1\r\n\r\n", AL_EGRESS_EHOST},
        {"GET http://-a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_EHOST},
        {"GET http://[fe80::1%25eth0]/ HTTP/1.1\r\n\r\n", AL_EGRESS_EHOST},
        {"GET http://a.example/ HTTP/2.0\r\n\r\n", AL_EGRESS_EVERSION},
        {"GET http://a.example/ HTTP/1.2\r\n\r\n", AL_EGRESS_EVERSION},
        {"GET http://a.example/ HTTX/1.1\r\n\r\n", AL_EGRESS_ELINE},
        {"GET http://a.example/\r\n\r\n", AL_EGRESS_ELINE},
        {"GET  http://a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_ELINE},
        {"GET http://a.example/ HTTP/1.1 x\r\n\r\n", AL_EGRESS_ELINE},
        {"G(T http://a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_EMETHOD},
        {"GETGETGETGETGETGETGET http://a.example/ HTTP/1.1\r\n\r\n", AL_EGRESS_EMETHOD},
        {"GET http://a.example/ HTTP/1.1\nHost: a\r\n\r\n", AL_EGRESS_EBARELF},
        {"GET http://a.example/ HTTP/1.1\r\rHost: a\r\n\r\n", AL_EGRESS_EBARELF},
        {"GET http://a.example/\x01 HTTP/1.1\r\n\r\n", AL_EGRESS_EBYTE},
        {"GET http://a.example/\xc3\xa9 HTTP/1.1\r\n\r\n", AL_EGRESS_EBYTE},
        {"GET http://a.example/ HTTP/1.1\r\nNo colon\r\n\r\n", AL_EGRESS_EHEADER},
        {"GET http://a.example/ HTTP/1.1\r\nName : v\r\n\r\n", AL_EGRESS_EHEADER},
        {"GET http://a.example/ HTTP/1.1\r\n: v\r\n\r\n", AL_EGRESS_EHEADER},
        {"GET http://a.example/ HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", AL_EGRESS_EFOLD},
        {"POST http://a.example/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
         AL_EGRESS_ELENGTH},
        {"POST http://a.example/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", AL_EGRESS_ELENGTH},
        {"POST http://a.example/ HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", AL_EGRESS_ELENGTH},
        {"POST http://a.example/ HTTP/1.1\r\nContent-Length: 9999999999999999\r\n\r\n",
         AL_EGRESS_ELENGTH},
        {"POST http://a.example/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", AL_EGRESS_ECODING},
        {"POST http://a.example/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: "
         "3\r\n\r\n",
         AL_EGRESS_ECODING},
    };
    struct al_egress_req r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = parse(cases[i].head, &r);

        if (got != cases[i].r)
            fail_msg("case %zu %s: got %s, want %s", i, cases[i].head, al_egress_errname(got),
                     al_egress_errname(cases[i].r));
    }
    /* Every code has a name, a message and a status. */
    for (i = (size_t)(AL_EGRESS_EBASE + 1); (int)i < AL_EGRESS_ELAST; i++) {
        assert_true(al_egress_errname((int)i)[0] == 'E');
        assert_true(al_egress_status((int)i) >= 400);
        assert_true(strlen(al_egress_strerror((int)i)) > 5);
    }
    assert_int_equal(al_egress_status(AL_EGRESS_ETOOBIG), 431);
}

static void
test_incremental_and_cap(void **state)
{
    const char *h = "CONNECT a.example:443 HTTP/1.1\r\nUser-Agent: x\r\n\r\nTLS";
    struct al_egress_req r;
    char big[AL_EGRESS_HEAD_MAX + 200];
    size_t i, n = strlen(h);
    int got = 0;

    (void)state;
    /* A byte at a time: 0 until the last byte of the head, then 1 with the same result. */
    al_egress_req_init(&r, 0);
    for (i = 1; i <= n - 3; i++) {
        got = al_egress_parse(&r, h, i);
        if (i < n - 3)
            assert_int_equal(got, 0);
    }
    assert_int_equal(got, 1);
    assert_int_equal(r.head_len, n - 3);
    /* A CR split from what follows is still checked. */
    al_egress_req_init(&r, 0);
    assert_int_equal(al_egress_parse(&r, "CONNECT a.example:443 HTTP/1.1\r", 31), 0);
    assert_int_equal(al_egress_parse(&r, "CONNECT a.example:443 HTTP/1.1\rX", 32),
                     AL_EGRESS_EBARELF);
    /* An error is found before the end of the head arrives. */
    al_egress_req_init(&r, 0);
    assert_int_equal(al_egress_parse(&r, "BAD\r\n", 5), AL_EGRESS_ELINE);
    /* The cap: a head that does not end within it is ETOOBIG, and so is one header too many. */
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET http://a.example/ HTTP/1.1\r\nX: ", 35);
    al_egress_req_init(&r, 0);
    assert_int_equal(al_egress_parse(&r, big, sizeof(big)), AL_EGRESS_ETOOBIG);
    al_egress_req_init(&r, 100);
    assert_int_equal(al_egress_parse(&r, big, 100), AL_EGRESS_ETOOBIG);
    al_egress_req_init(&r, 100);
    assert_int_equal(al_egress_parse(&r, big, 99), 0);
    {
        char many[8192];
        size_t at = 0;

        at += (size_t)snprintf(many, sizeof(many), "GET http://a.example/ HTTP/1.1\r\n");
        for (i = 0; i <= AL_EGRESS_HEADERS_MAX; i++)
            at += (size_t)snprintf(many + at, sizeof(many) - at, "H%zu: v\r\n", i);
        at += (size_t)snprintf(many + at, sizeof(many) - at, "\r\n");
        al_egress_req_init(&r, 0);
        assert_int_equal(al_egress_parse(&r, many, at), AL_EGRESS_ETOOMANY);
    }
}

static void
test_literals(void **state)
{
    static const struct {
        const char *in;
        enum al_host_kind kind;
        const char *text;
        int odd;
    } ok[] = {
        {"127.0.0.1", AL_HOST_IPV4, "127.0.0.1", 0},
        {"2130706433", AL_HOST_IPV4, "127.0.0.1", 1},
        {"0x7f.1", AL_HOST_IPV4, "127.0.0.1", 1},
        {"0x7F000001", AL_HOST_IPV4, "127.0.0.1", 1},
        {"0177.0.0.1", AL_HOST_IPV4, "127.0.0.1", 1},
        {"127.1", AL_HOST_IPV4, "127.0.0.1", 1},
        {"127.0.1", AL_HOST_IPV4, "127.0.0.1", 1},
        {"169.254.169.254", AL_HOST_IPV4, "169.254.169.254", 0},
        {"[::1]", AL_HOST_IPV6, "::1", 0},
        {"[0:0:0:0:0:0:0:1]", AL_HOST_IPV6, "::1", 1},
        {"[::ffff:127.0.0.1]", AL_HOST_IPV6, "::ffff:127.0.0.1", 0},
        {"[::FFFF:7f00:1]", AL_HOST_IPV6, "::ffff:127.0.0.1", 1},
        {"[2001:DB8::1]", AL_HOST_IPV6, "2001:db8::1", 0}, /* case is not a spelling */
        {"Example.COM", AL_HOST_NAME, "example.com", 0},
        {"1.2.3.4.example", AL_HOST_NAME, "1.2.3.4.example", 0},
        {"0x7f.example", AL_HOST_NAME, "0x7f.example", 0},
    };
    static const char *const bad[] = {"1.2.3.999",    "256.1",      "0x",        "1.2.3.4.5",
                                      "[::1",         "::1",        "[]",        "[1.2.3.4]",
                                      "[::1%lo]",     "a..b",       "",          "a b",
                                      "xn--.example", "-x.example", "x-.example"};
    struct al_egress_host h;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (al_egress_host_parse(ok[i].in, strlen(ok[i].in), &h) != 0)
            fail_msg("%s refused", ok[i].in);
        assert_int_equal(h.kind, ok[i].kind);
        assert_string_equal(h.text, ok[i].text);
        assert_int_equal(h.odd, ok[i].odd);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (al_egress_host_parse(bad[i], strlen(bad[i]), &h) != AL_EGRESS_EHOST)
            fail_msg("%s accepted as %s", bad[i], h.text);
}

/* Parses host and decides for port. */
static int
decide(const struct al_config *c, const char *host, unsigned port, struct al_egress_decision *d)
{
    struct al_egress_host h;

    assert_int_equal(al_egress_host_parse(host, strlen(host), &h), 0);
    return al_egress_decide(c, &h, port, d);
}

static void
test_decide(void **state)
{
    struct al_config *c =
        config("{\"online\":{\"allow\":[\"api.example.com:8443\",\"*.wiki.example\","
               "\"plain.example\",\"127.0.0.1:8080\",\"[::1]:9000\"],"
               "\"resolve\":{\"plain.example:80\":\"10.0.0.7:8000\"}}}");
    struct al_config *empty = config("{}");
    struct al_egress_decision d;

    (void)state;
    assert_int_equal(decide(c, "api.example.com", 8443, &d), 1);
    assert_string_equal(d.rule, "api.example.com:8443");
    assert_null(d.pin);
    assert_int_equal(decide(c, "API.Example.Com", 8443, &d), 1);
    assert_int_equal(decide(c, "api.example.com", 443, &d), 0);
    assert_non_null(d.reason);
    assert_int_equal(decide(c, "x.api.example.com", 8443, &d), 0);
    /* Wildcards: any depth of subdomain, not the domain itself; default ports 80 and 443. */
    assert_int_equal(decide(c, "en.wiki.example", 443, &d), 1);
    assert_int_equal(decide(c, "a.b.wiki.example", 80, &d), 1);
    assert_int_equal(decide(c, "wiki.example", 443, &d), 0);
    assert_int_equal(decide(c, "en.wiki.example", 8080, &d), 0);
    assert_int_equal(decide(c, "evilwiki.example", 443, &d), 0);
    /* A pin comes with the decision. */
    assert_int_equal(decide(c, "plain.example", 80, &d), 1);
    assert_non_null(d.pin);
    assert_int_equal(d.pin->addr_port, 8000);
    assert_int_equal(decide(c, "plain.example", 443, &d), 1);
    assert_null(d.pin);
    /* Literals: only the exact address named by a rule, in any spelling, on its port. */
    assert_int_equal(decide(c, "127.0.0.1", 8080, &d), 1);
    assert_int_equal(decide(c, "2130706433", 8080, &d), 1);
    assert_int_equal(decide(c, "0x7f.1", 8080, &d), 1);
    assert_int_equal(decide(c, "127.0.0.1", 80, &d), 0);
    assert_int_equal(decide(c, "127.0.0.2", 8080, &d), 0);
    assert_int_equal(decide(c, "[::ffff:127.0.0.1]", 8080, &d), 0); /* a v4 rule, not mapped */
    assert_int_equal(decide(c, "[::1]", 9000, &d), 1);
    assert_int_equal(decide(c, "[0::1]", 9000, &d), 1);
    assert_int_equal(decide(c, "8.8.8.8", 443, &d), 0);
    assert_string_equal(d.reason,
                        "an address literal is allowed only by a rule naming that address");
    /* The empty allowlist denies everything. */
    assert_int_equal(decide(empty, "api.example.com", 8443, &d), 0);
    assert_string_equal(d.reason, "the allowlist is empty: no egress at all");
    assert_int_equal(al_egress_decide(NULL, &(struct al_egress_host){0}, 80, &d), 0);
    al_config_free(c);
    al_config_free(empty);
}

static enum al_egress_class
cls(const char *text)
{
    unsigned char a[16];

    if (inet_pton(AF_INET, text, a) == 1)
        return al_egress_addr_class(a, 4);
    assert_int_equal(inet_pton(AF_INET6, text, a), 1);
    return al_egress_addr_class(a, 16);
}

static void
test_classes(void **state)
{
    static const struct {
        const char *addr;
        enum al_egress_class k;
    } cases[] = {
        {"8.8.8.8", AL_EGRESS_PUBLIC},
        {"1.1.1.1", AL_EGRESS_PUBLIC},
        {"0.0.0.0", AL_EGRESS_UNSPECIFIED},
        {"0.1.2.3", AL_EGRESS_UNSPECIFIED},
        {"127.0.0.1", AL_EGRESS_LOOPBACK},
        {"127.255.255.254", AL_EGRESS_LOOPBACK},
        {"10.1.2.3", AL_EGRESS_PRIVATE},
        {"172.16.0.1", AL_EGRESS_PRIVATE},
        {"172.31.255.255", AL_EGRESS_PRIVATE},
        {"172.32.0.1", AL_EGRESS_PUBLIC},
        {"192.168.1.1", AL_EGRESS_PRIVATE},
        {"100.64.0.1", AL_EGRESS_CGNAT},
        {"100.127.255.255", AL_EGRESS_CGNAT},
        {"100.128.0.1", AL_EGRESS_PUBLIC},
        {"169.254.169.254", AL_EGRESS_LINKLOCAL},
        {"224.0.0.1", AL_EGRESS_MULTICAST},
        {"239.255.255.250", AL_EGRESS_MULTICAST},
        {"255.255.255.255", AL_EGRESS_BROADCAST},
        {"240.0.0.1", AL_EGRESS_RESERVED},
        {"192.0.2.1", AL_EGRESS_RESERVED},
        {"198.18.0.1", AL_EGRESS_RESERVED},
        {"::", AL_EGRESS_UNSPECIFIED},
        {"::1", AL_EGRESS_LOOPBACK},
        {"::ffff:127.0.0.1", AL_EGRESS_LOOPBACK},
        {"::ffff:10.0.0.1", AL_EGRESS_PRIVATE},
        {"::ffff:169.254.169.254", AL_EGRESS_LINKLOCAL},
        {"::ffff:8.8.8.8", AL_EGRESS_PUBLIC},
        {"::ffff:0:127.0.0.1", AL_EGRESS_LOOPBACK},
        {"::127.0.0.1", AL_EGRESS_LOOPBACK},
        {"64:ff9b::7f00:1", AL_EGRESS_LOOPBACK},
        {"64:ff9b::a9fe:a9fe", AL_EGRESS_LINKLOCAL},
        {"64:ff9b::808:808", AL_EGRESS_PUBLIC},
        {"64:ff9b:1::1", AL_EGRESS_TUNNEL},
        {"2002:7f00:1::1", AL_EGRESS_LOOPBACK},
        {"2002:c0a8:101::1", AL_EGRESS_PRIVATE},
        {"2002:808:808::1", AL_EGRESS_PUBLIC},
        {"2001::1", AL_EGRESS_TUNNEL},
        {"2001:db8::1", AL_EGRESS_RESERVED},
        {"fc00::1", AL_EGRESS_ULA},
        {"fd12:3456::1", AL_EGRESS_ULA},
        {"fe80::1", AL_EGRESS_LINKLOCAL},
        {"febf::1", AL_EGRESS_LINKLOCAL},
        {"fec0::1", AL_EGRESS_SITELOCAL},
        {"ff02::1", AL_EGRESS_MULTICAST},
        {"2606:4700::1111", AL_EGRESS_PUBLIC},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (cls(cases[i].addr) != cases[i].k)
            fail_msg("%s: got %s", cases[i].addr, al_egress_class_name(cls(cases[i].addr)));
}

static void
test_permitted(void **state)
{
    struct al_config *c = config(
        "{\"online\":{\"allow\":[\"localhost:8080\",\"127.0.0.1:8080\",\"[fd00::5]:443\"]}}");
    unsigned char lo[4] = {127, 0, 0, 1}, pub[4] = {93, 184, 215, 14}, ula[16], mapped[16];
    const char *why = NULL;

    (void)state;
    assert_int_equal(inet_pton(AF_INET6, "fd00::5", ula), 1);
    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", mapped), 1);
    assert_int_equal(al_egress_addr_permitted(c, pub, 4, 443, 0, &why), 1);
    /* Rebinding: a name resolving to loopback is refused unless the address is named. */
    assert_int_equal(al_egress_addr_permitted(c, lo, 4, 8080, 0, &why), 1);
    assert_int_equal(al_egress_addr_permitted(c, lo, 4, 9090, 0, &why), 0);
    assert_non_null(strstr(why, "loopback"));
    assert_int_equal(al_egress_addr_permitted(c, mapped, 16, 8080, 0, &why), 0);
    assert_int_equal(al_egress_addr_permitted(c, ula, 16, 443, 0, &why), 1);
    assert_int_equal(al_egress_addr_permitted(c, ula, 16, 80, 0, &why), 0);
    /* A pin is trusted as it is. */
    assert_int_equal(al_egress_addr_permitted(c, lo, 4, 9090, 1, &why), 1);
    al_config_free(c);
}

static void
test_response(void **state)
{
    const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive, X\r\n"
                    "Keep-Alive: timeout=5\r\nServer: t\r\n\r\nhello";
    struct al_egress_resp r;
    char out[512];
    int n;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r, h, 10, 4096), 0);
    assert_int_equal(al_egress_resp_parse(&r, h, strlen(h), 4096), 1);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.has_length, 1);
    assert_int_equal(r.length, 5);
    assert_int_equal(r.head_len, strlen(h) - 5);
    n = al_egress_resp_head(&r, h, 1, out, sizeof(out));
    assert_true(n > 0);
    out[n] = '\0';
    assert_string_equal(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: t\r\n"
                             "Connection: keep-alive\r\n\r\n");
    assert_int_equal(al_egress_resp_close_delimited(&r, "GET"), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r, "HTTP/1.0 200 OK\n\nbody", 21, 4096), 1);
    assert_int_equal(al_egress_resp_close_delimited(&r, "GET"), 1);
    assert_int_equal(al_egress_resp_close_delimited(&r, "HEAD"), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r, "HTTP/1.1 204 No Content\r\n\r\n", 27, 4096), 1);
    assert_int_equal(al_egress_resp_close_delimited(&r, "GET"), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r,
                                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                          "Content-Length: 9\r\n\r\n",
                                          66, 4096),
                     1);
    assert_int_equal(r.chunked, 1);
    assert_int_equal(r.has_length, 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r, "SSH-2.0-x\r\n\r\n", 13, 4096), AL_EGRESS_ERESPONSE);
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r, "HTTP/1.1 200 OK\r\nA: b", 21, 16),
                     AL_EGRESS_ETOOBIG);
    memset(&r, 0, sizeof(r));
    assert_int_equal(al_egress_resp_parse(&r,
                                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                          "Content-Length: 2\r\n\r\n",
                                          57, 4096),
                     AL_EGRESS_ERESPONSE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect),   cmocka_unit_test(test_forward),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_incremental_and_cap),
        cmocka_unit_test(test_literals),  cmocka_unit_test(test_decide),
        cmocka_unit_test(test_classes),   cmocka_unit_test(test_permitted),
        cmocka_unit_test(test_response),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
