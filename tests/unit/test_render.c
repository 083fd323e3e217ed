/* Unit tests: nothing a terminal would obey or hide survives rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <locale.h>
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

/* The pieces of s, concatenated as a screen would show them, into out; checks that they
 * cover every byte exactly once and that no piece carries a control or hidden character. */
static const char *
pieces(const char *s, size_t n, unsigned flags, int *cols)
{
    struct al_render_piece p;
    size_t pos = 0, len = 0;

    *cols = 0;
    while (pos < n) {
        al_render_next(s, n, pos, flags, &p);
        assert_int_equal(p.start, pos);
        assert_true(p.end > pos && p.end <= n);
        assert_true(p.width >= 0);
        assert_int_equal(strlen(p.text), p.len);
        assert_terminal_safe(p.text, 0);
        assert_null(strchr(p.text, '\n'));
        if (p.kind == AL_PIECE_NEWLINE) {
            assert_true(len + 1 < sizeof(out));
            out[len++] = '\n';
        } else if (p.kind == AL_PIECE_TAB) {
            out[len++] = '\t';
        } else {
            assert_true(len + p.len < sizeof(out));
            memcpy(out + len, p.text, p.len);
            len += p.len;
        }
        *cols += p.width;
        pos = p.end;
    }
    out[len] = '\0';
    return out;
}

static void
test_pieces(void **state)
{
    struct al_render_piece p;
    int cols;

    (void)state;
    /* Plain ASCII: one column a byte. */
    assert_string_equal(pieces("abc", 3, 0, &cols), "abc");
    assert_int_equal(cols, 3);
    /* A CJK character is two columns; an accent goes with its base letter. */
    assert_string_equal(pieces("\xe6\x97\xa5", 3, 0, &cols), "\xe6\x97\xa5");
    assert_int_equal(cols, 2);
    al_render_next("e\xcc\x81x", 4, 0, 0, &p);
    assert_int_equal(p.kind, AL_PIECE_TEXT);
    assert_int_equal(p.end, 3);
    assert_int_equal(p.width, 1);
    /* ... but an accent with nothing before it is a token. */
    al_render_next("\xcc\x81", 2, 0, 0, &p);
    assert_int_equal(p.kind, AL_PIECE_TOKEN);
    assert_string_equal(p.text, "\\u{0301}");
    /* Tag characters spell their ASCII in one token; } and \ in it are escaped. */
    al_render_next("\xf3\xa0\x81\x88\xf3\xa0\x81\x89\xf3\xa0\x81\xbd\xf3\xa0\x81\x9c!", 17, 0, 0,
                   &p);
    assert_int_equal(p.kind, AL_PIECE_TOKEN);
    assert_string_equal(p.text, "\\tag{HI\\}\\\\}");
    assert_int_equal(p.end, 16);
    /* ESC, CSI and friends are tokens; CRLF is one line break; a lone CR is a token. */
    assert_string_equal(pieces("a\x1b[8mb\r\nc\rd", 11, 0, &cols), "a\\e[8mb\nc\\rd");
    /* A literal backslash is doubled, so text cannot pose as a token. */
    assert_string_equal(pieces("\\e", 2, 0, &cols), "\\\\e");
    /* Tabs: a token, or a TAB piece the caller expands. */
    assert_string_equal(pieces("\t", 1, 0, &cols), "\\t");
    al_render_next("\t", 1, 0, AL_RENDER_KEEP_TAB, &p);
    assert_int_equal(p.kind, AL_PIECE_TAB);
    /* One-line fields: the line break is a token too. */
    assert_string_equal(pieces("a\nb", 3, AL_RENDER_ESCAPE_NEWLINE, &cols), "a\\nb");
    /* A pile of combining marks: a few stay with the base, the rest are tokens. */
    assert_string_equal(pieces("a\xcc\x81\xcc\x81\xcc\x81\xcc\x81\xcc\x81", 11, 0, &cols),
                        "a\xcc\x81\xcc\x81\xcc\x81\xcc\x81\\u{0301}");
}

/* Random bytes, biased towards the interesting ones, always come out safe and covered. */
static void
test_pieces_random(void **state)
{
    static const char alphabet[][5] = {"a",
                                       "\\",
                                       "\n",
                                       "\r",
                                       "\x1b",
                                       "\xcc\x81",
                                       "\xe2\x80\xae",
                                       "\xf3\xa0\x81\x81",
                                       "\xe6\x97\xa5",
                                       "\xc2\x9b",
                                       "\xff",
                                       "\xf0\x9f\x98\x80",
                                       "\t",
                                       "\xef\xb8\x8f",
                                       "}",
                                       "\x7f"};
    char s[256];
    size_t n, k, i;
    unsigned seed = 12345;
    int round, cols;

    (void)state;
    for (round = 0; round < 20000; round++) {
        n = 0;
        for (i = 0; i < 40; i++) {
            seed = seed * 1103515245u + 12345u;
            k = strlen(alphabet[(seed >> 16) % 16]);
            memcpy(s + n, alphabet[(seed >> 16) % 16], k);
            n += k;
        }
        /* Cut anywhere, even inside a character. */
        pieces(s, n - (seed >> 8) % 3, round & 1 ? AL_RENDER_KEEP_TAB : 0, &cols);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_become_tokens),
        cmocka_unit_test(test_invisible_and_bidi),
        cmocka_unit_test(test_tokens_cannot_be_forged),
        cmocka_unit_test(test_invalid_utf8_bytes),
        cmocka_unit_test(test_every_byte_value_is_safe),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_pieces_random),
    };
    /* Widths follow the locale; the pieces tests want a UTF-8 one. */
    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
