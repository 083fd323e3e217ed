/* Unit tests: nothing a terminal would obey or hide survives rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/render.h>

static char out[4096];

static const char *
render(const char *s, size_t n, unsigned flags)
{
    struct al_buf b;

    al_buf_init(&b, sizeof(out) - 1);
    assert_int_equal(al_render_escape(s, n, flags, &b), 0);
    memcpy(out, b.data ? b.data : "", b.len);
    out[b.len] = '\0';
    al_buf_close(&b);
    return out;
}

/* No byte below 0x20 except \n (and \t when kept), no DEL, no C1, no ESC survives. */
static void
assert_terminal_safe(const char *s, int keep_tab)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        assert_false(*p < 0x20 && *p != '\n' && !(keep_tab && *p == '\t'));
        assert_false(*p == 0x7f);
        if (p[0] == 0xc2)
            assert_false(p[1] >= 0x80 && p[1] <= 0x9f);
    }
}

static void
test_controls_become_tokens(void **state)
{
    (void)state;
    assert_string_equal(render("a\x1b[31mb", 7, 0), "a\\e[31mb");
    assert_string_equal(render("x\ry\n", 4, 0), "x\\ry\n");
    assert_string_equal(render("bell\a", 5, 0), "bell\\x07");
    assert_string_equal(render("n\0l", 3, 0), "n\\0l");
    assert_string_equal(render("del\x7f", 4, 0), "del\\x7F");
    assert_string_equal(render("\xc2\x9b"
                               "31m",
                               5, 0),
                        "\\u{009B}31m"); /* C1 CSI */
    assert_string_equal(render("t\tt", 3, 0), "t\\tt");
    assert_string_equal(render("t\tt", 3, AL_RENDER_KEEP_TAB), "t\tt");
    assert_string_equal(render("l1\nl2", 5, AL_RENDER_ESCAPE_NEWLINE), "l1\\nl2");
}

static void
test_invisible_and_bidi(void **state)
{
    (void)state;
    assert_string_equal(render("a\xe2\x80\xae"
                               "b",
                               5, 0),
                        "a\\u{202E}b"); /* RLO */
    assert_string_equal(render("a\xe2\x80\x8b"
                               "b",
                               5, 0),
                        "a\\u{200B}b");                                  /* ZWSP */
    assert_string_equal(render("\xf3\xa0\x81\x81", 4, 0), "\\u{E0041}"); /* tag A */
    assert_string_equal(render("\xef\xbb\xbf", 3, 0), "\\u{FEFF}");
    /* Visible text passes unchanged: Greek, CJK, emoji. */
    assert_string_equal(render("\xce\xb1 \xe6\x97\xa5 \xf0\x9f\x98\x80", 11, 0),
                        "\xce\xb1 \xe6\x97\xa5 \xf0\x9f\x98\x80");
}

static void
test_tokens_cannot_be_forged(void **state)
{
    (void)state;
    /* Text that spells a token comes out with its backslash doubled. */
    assert_string_equal(render("\\e[31m", 6, 0), "\\\\e[31m");
    assert_string_equal(render("\\u{202E}", 8, 0), "\\\\u{202E}");
}

static void
test_invalid_utf8_bytes(void **state)
{
    (void)state;
    assert_string_equal(render("a\xff"
                               "b",
                               3, 0),
                        "a\\xFFb");
    assert_string_equal(render("\xe2\x80", 2, 0), "\\xE2\\x80");
}

static void
test_every_byte_value_is_safe(void **state)
{
    char all[256];
    int i;

    (void)state;
    for (i = 0; i < 256; i++)
        all[i] = (char)i;
    assert_terminal_safe(render(all, sizeof(all), 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_become_tokens),   cmocka_unit_test(test_invisible_and_bidi),
        cmocka_unit_test(test_tokens_cannot_be_forged),  cmocka_unit_test(test_invalid_utf8_bytes),
        cmocka_unit_test(test_every_byte_value_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
