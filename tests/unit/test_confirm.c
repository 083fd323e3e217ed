/* Unit tests: the answer a person types to approve a plan with high findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/confirm.h>

static const char id[] = "0123abcd89ef0123456789abcdef0123";

/* A finding of rule and severity on the first occurrence of span in text. */
static struct al_confirm_finding
on(const char *rule, enum al_severity sev, const char *text, const char *span)
{
    struct al_confirm_finding f = {rule, sev, text, strlen(text), 0, 0, 0};
    const char *at = strstr(text, span);

    assert_non_null(at);
    f.start = (size_t)(at - text);
    f.end = f.start + strlen(span);
    return f;
}

static size_t
choose(const struct al_confirm_finding *f, size_t n, char *out, int *is_host)
{
    *is_host = -1;
    memset(out, 'x', AL_CONFIRM_MAX);
    return al_confirm_choose(f, n, id, out, is_host);
}

/* With nothing high the id's first characters are the answer, tied to no finding. */
static void
test_no_high_finding(void **state)
{
    const char *t = "see https://example.org/page";
    struct al_confirm_finding f[] = {on("host", AL_SEV_INFO, t, "https://example.org/page")};
    char out[AL_CONFIRM_MAX];
    int host;

    (void)state;
    assert_int_equal(choose(NULL, 0, out, &host), SIZE_MAX);
    assert_string_equal(out, "0123abcd");
    assert_int_equal(host, 0);
    assert_int_equal(choose(f, 1, out, &host), SIZE_MAX);
    assert_string_equal(out, "0123abcd");
}

/* A flagged URL asks for its host: after a user name, without the port, from a finding on
 * the query alone (the scheme is found before the span), an IPv6 literal whole. */
static void
test_url_host(void **state)
{
    const char *a = "go to https://me:pw@evil.example:8443/x?q=aGVsbG8gd29ybGQ= now";
    const char *b = "http://[2001:db8::1]:80/p";
    struct al_confirm_finding f[] = {on("url.userinfo", AL_SEV_HIGH, a, "me:pw@")};
    struct al_confirm_finding g[] = {on("url.query", AL_SEV_HIGH, a, "q=aGVsbG8gd29ybGQ=")};
    struct al_confirm_finding v[] = {on("url.ip", AL_SEV_HIGH, b, "[2001:db8::1]")};
    char out[AL_CONFIRM_MAX];
    int host;

    (void)state;
    assert_int_equal(choose(f, 1, out, &host), 0);
    assert_int_equal(host, 1);
    assert_string_equal(out, "evil.example");
    assert_int_equal(choose(g, 1, out, &host), 0);
    assert_int_equal(host, 1);
    assert_string_equal(out, "evil.example");
    assert_int_equal(choose(v, 1, out, &host), 0);
    assert_string_equal(out, "[2001:db8::1]");
}

/* A host with a letter outside ASCII is not offered cut short: the marked text's end is. */
static void
test_url_host_not_ascii(void **state)
{
    const char *t = "https://ex\xc3\xa4mple.com/a";
    struct al_confirm_finding f[] = {on("url.confusable", AL_SEV_HIGH, t, t)};
    char out[AL_CONFIRM_MAX];
    int host;

    (void)state;
    assert_int_equal(choose(f, 1, out, &host), 0);
    assert_int_equal(host, 0);
    assert_string_equal(out, "lecoma");
}

/* The end of the flagged text as drawn: a hidden character counts by its token. */
static void
test_tail_as_drawn(void **state)
{
    const char *t = "red X rlo \xe2\x80\xae end\n";
    const char *z = "a\xe2\x80\x8b"
                    "b";
    struct al_confirm_finding f[] = {on("unicode.bidi", AL_SEV_HIGH, t, "\xe2\x80\xae end")};
    struct al_confirm_finding g[] = {on("unicode.zero_width", AL_SEV_HIGH, z, "\xe2\x80\x8b")};
    char out[AL_CONFIRM_MAX];
    int host;

    (void)state;
    assert_int_equal(choose(f, 1, out, &host), 0);
    assert_int_equal(host, 0);
    assert_string_equal(out, "02Eend");
    assert_int_equal(choose(g, 1, out, &host), 0);
    assert_string_equal(out, "u200B");
}

/* A URL finding anywhere wins over an earlier finding's tail; info and block are passed
 * over; a span with no letter or digit, or outside its member, gives the id. */
static void
test_choice(void **state)
{
    const char *t = "hidden: \xf3\xa0\x81\x81\xf3\xa0\x81\x82 then http://198.51.100.7/x";
    const char *p = "!!! ...";
    struct al_confirm_finding f[] = {
        on("canary", AL_SEV_BLOCK, t, "hidden"),
        on("unicode.tag", AL_SEV_HIGH, t, "\xf3\xa0\x81\x81\xf3\xa0\x81\x82"),
        on("url.ip", AL_SEV_HIGH, t, "http://198.51.100.7/x"),
    };
    struct al_confirm_finding g[] = {on("html.hidden", AL_SEV_HIGH, p, "!!! ...")};
    struct al_confirm_finding h[] = {on("unicode.tag", AL_SEV_HIGH, t, "hidden")};
    char out[AL_CONFIRM_MAX];
    int host;

    (void)state;
    assert_int_equal(choose(f, 3, out, &host), 2);
    assert_int_equal(host, 1);
    assert_string_equal(out, "198.51.100.7");
    assert_int_equal(choose(f, 2, out, &host), 1);
    assert_int_equal(host, 0);
    assert_string_equal(out, "tagAB");
    assert_int_equal(choose(g, 1, out, &host), SIZE_MAX);
    assert_string_equal(out, "0123abcd");
    h[0].start = h[0].len + 1;
    h[0].end = h[0].len + 5;
    assert_int_equal(choose(h, 1, out, &host), SIZE_MAX);
    assert_string_equal(out, "0123abcd");
    h[0].data = NULL;
    assert_int_equal(choose(h, 1, out, &host), SIZE_MAX);
}

/* The findings may come in any order: the choice takes them as a person reads them,
 * member by member, then by place (airlock approve passes the daemon's order). */
static void
test_reading_order(void **state)
{
    const char *t = "first \xe2\x80\xae abc then \xe2\x80\xae xyz";
    struct al_confirm_finding f[] = {
        on("unicode.bidi", AL_SEV_HIGH, t, "\xe2\x80\xae xyz"),
        on("unicode.bidi", AL_SEV_HIGH, t, "\xe2\x80\xae abc"),
    };
    char out[AL_CONFIRM_MAX];
    int host;

    (void)state;
    assert_int_equal(choose(f, 2, out, &host), 1);
    assert_string_equal(out, "02Eabc");
    /* A later member comes after, wherever it starts. */
    f[1].member = 1;
    assert_int_equal(choose(f, 2, out, &host), 0);
    assert_string_equal(out, "02Exyz");
}

static void
test_matches(void **state)
{
    (void)state;
    assert_true(al_confirm_matches("02Eend", "02Eend"));
    assert_true(al_confirm_matches("  02eEND ", "02Eend"));
    assert_false(al_confirm_matches("02Een", "02Eend"));
    assert_false(al_confirm_matches("02Eendx", "02Eend"));
    assert_false(al_confirm_matches("", "02Eend"));
    assert_false(al_confirm_matches("0 2Eend", "02Eend"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_high_finding),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_url_host_not_ascii),
        cmocka_unit_test(test_tail_as_drawn),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_reading_order),
        cmocka_unit_test(test_matches),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
