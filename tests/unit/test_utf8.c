/* Unit tests: strict UTF-8 (RFC 3629) validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/utf8.h>

static int
valid(const char *s, size_t n)
{
    return al_utf8_validate(s, n, NULL) == 0;
}

static void
test_accepts_well_formed(void **state)
{
    (void)state;
    assert_true(valid("", 0));
    assert_true(valid("plain ascii", 11));
    assert_true(valid("\xce\xb1\xce\xb2", 4));         /* Greek */
    assert_true(valid("\xe6\x97\xa5\xe6\x9c\xac", 6)); /* Japanese */
    assert_true(valid("\xf0\x9f\x98\x80", 4));         /* emoji, U+1F600 */
    assert_true(valid("\xf4\x8f\xbf\xbf", 4));         /* U+10FFFF */
    assert_true(valid("\xef\xbb\xbf", 3));             /* BOM is valid UTF-8 */
}

static void
test_rejects_ill_formed(void **state)
{
    size_t bad = 99;

    (void)state;
    assert_false(valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(valid("\xed\xa0\x80", 3));     /* surrogate U+D800 */
    assert_false(valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(valid("\xf8\x88\x80\x80\x80", 5));
    assert_false(valid("\x80", 1)); /* lone continuation */
    assert_false(valid("\xce", 1)); /* truncated */
    assert_int_equal(al_utf8_validate("ok\xff", 3, &bad), AL_EUTF8);
    assert_int_equal(bad, 2);
    /* Past the eight-byte ASCII fast path, and inside a word it skips. */
    assert_int_equal(al_utf8_validate("0123456789abcdef\xc0\xaf", 18, &bad), AL_EUTF8);
    assert_int_equal(bad, 16);
    assert_int_equal(al_utf8_validate("0123\x80"
                                      "56789abcdef",
                                      16, &bad),
                     AL_EUTF8);
    assert_int_equal(bad, 4);
    assert_true(valid("0123456789abcdef\xce\xb1xyz0123456", 28));
}

static void
test_text_rejects_nul(void **state)
{
    size_t bad = 0;

    (void)state;
    assert_int_equal(al_utf8_check_text("ab\0cd", 5, &bad), AL_ENUL);
    assert_int_equal(bad, 2);
    assert_int_equal(al_utf8_check_text("abcd", 4, &bad), 0);
}

static void
test_decode(void **state)
{
    uint32_t cp = 0;

    (void)state;
    assert_int_equal(al_utf8_decode("\xe2\x80\xae", 3, &cp), 3);
    assert_int_equal(cp, 0x202e);
    assert_int_equal(al_utf8_decode("\xe2\x80", 2, &cp), 0);
    assert_int_equal(al_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_well_formed),
        cmocka_unit_test(test_rejects_ill_formed),
        cmocka_unit_test(test_text_rejects_nul),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
