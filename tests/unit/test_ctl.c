/*
 * Unit tests: the control protocol's line reader (lib/ctl.c, built here with
 * AL_CTL_COUNT_SEARCHED so that the bytes it searches for a newline can be counted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/ctl.h>

extern size_t al__ctl_searched;

/* Takes the next message and checks that it is {"n": want}. */
static void
take_n(struct al_ctl_reader *rd, int want)
{
    const cJSON *n;
    cJSON *msg = NULL;

    assert_int_equal(al_ctl_next(rd, &msg), 1);
    n = cJSON_GetObjectItemCaseSensitive(msg, "n");
    assert_true(cJSON_IsNumber(n));
    assert_int_equal(n->valueint, want);
    cJSON_Delete(msg);
}

/* A line of exactly len bytes, newline excluded: {"s":"xxx..."}. */
static char *
long_line(size_t len)
{
    char *s = malloc(len + 2);

    assert_non_null(s);
    memset(s, 'x', len);
    memcpy(s, "{\"s\":\"", 6);
    memcpy(s + len - 2, "\"}\n", 3);
    s[len + 1] = '\0';
    return s;
}

/* A 256 KiB line sent a byte per read, taken after every byte as airlockd does: each byte
 * is searched once as it arrives and once more when its line is taken, not once per read. */
static void
test_slow_line_is_searched_once(void **state)
{
    struct al_ctl_reader rd;
    size_t len = AL_CTL_REQUEST_MAX, i;
    char *line = long_line(len);
    cJSON *msg = NULL;

    (void)state;
    al_ctl_reader_init(&rd, AL_CTL_REQUEST_MAX);
    al__ctl_searched = 0;
    for (i = 0; i < len; i++) {
        assert_int_equal(al_ctl_feed(&rd, line + i, 1), 0);
        assert_int_equal(al_ctl_next(&rd, &msg), 0);
    }
    assert_int_equal(al_ctl_pending(&rd), len);
    assert_int_equal(al__ctl_searched, len);
    assert_int_equal(al_ctl_feed(&rd, "\n", 1), 0);
    assert_int_equal(al_ctl_next(&rd, &msg), 1);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(msg, "s")));
    cJSON_Delete(msg);
    assert_int_equal(al__ctl_searched, 2 * (len + 1));
    assert_int_equal(al_ctl_pending(&rd), 0);
    al_ctl_reader_close(&rd);
    free(line);
}

/* Lines split anywhere come out whole and in order; a bad line is consumed on its own. */
static void
test_lines_across_feeds(void **state)
{
    static const char in[] = "{\"n\":1}\n{\"n\":2}\n[3]\n{\"n\":4}\n{\"n\":5";
    struct al_ctl_reader rd;
    cJSON *msg = NULL;

    (void)state;
    al_ctl_reader_init(&rd, 64);
    assert_int_equal(al_ctl_feed(&rd, in, 3), 0);
    assert_int_equal(al_ctl_next(&rd, &msg), 0);
    assert_int_equal(al_ctl_feed(&rd, in + 3, 9), 0); /* the end of 1, then {"n" */
    take_n(&rd, 1);
    assert_int_equal(al_ctl_next(&rd, &msg), 0);
    assert_int_equal(al_ctl_pending(&rd), 4);
    assert_int_equal(al_ctl_feed(&rd, in + 12, sizeof(in) - 1 - 12), 0);
    take_n(&rd, 2);
    assert_int_equal(al_ctl_next(&rd, &msg), AL_EJSONTYPE);
    assert_null(msg);
    take_n(&rd, 4);
    assert_int_equal(al_ctl_next(&rd, &msg), 0);
    assert_int_equal(al_ctl_pending(&rd), 6);
    assert_memory_equal(al_ctl_pending_data(&rd), "{\"n\":5", 6);
    assert_int_equal(al_ctl_feed(&rd, "}\n", 2), 0);
    take_n(&rd, 5);
    assert_int_equal(al_ctl_pending(&rd), 0);
    al_ctl_reader_close(&rd);
}

/* A line of max bytes is taken; one byte more breaks the reader for good, whether the
 * line came whole or a byte at a time, and the lines before it are still taken. */
static void
test_line_limit(void **state)
{
    struct al_ctl_reader rd;
    size_t max = 100, i;
    char *fits = long_line(max), *over = long_line(max + 1);
    cJSON *msg = NULL;
    int whole;

    (void)state;
    al_ctl_reader_init(&rd, max);
    assert_int_equal(al_ctl_feed(&rd, fits, max + 1), 0);
    assert_int_equal(al_ctl_next(&rd, &msg), 1);
    cJSON_Delete(msg);
    al_ctl_reader_close(&rd);
    for (whole = 0; whole <= 1; whole++) {
        al_ctl_reader_init(&rd, max);
        assert_int_equal(al_ctl_feed(&rd, "{\"n\":1}\n", 8), 0);
        if (whole) {
            assert_int_equal(al_ctl_feed(&rd, over, max + 2), AL_ETOOBIG);
        } else {
            for (i = 0; i < max; i++)
                assert_int_equal(al_ctl_feed(&rd, over + i, 1), 0);
            assert_int_equal(al_ctl_feed(&rd, over + max, 1), AL_ETOOBIG);
        }
        assert_true(rd.broken);
        take_n(&rd, 1);
        assert_int_equal(al_ctl_next(&rd, &msg), AL_ETOOBIG);
        assert_int_equal(al_ctl_feed(&rd, "{}\n", 3), AL_ETOOBIG);
        assert_int_equal(al_ctl_next(&rd, &msg), AL_ETOOBIG);
        al_ctl_reader_close(&rd);
    }
    free(fits);
    free(over);
}

/* More complete lines in one feed than the reader holds (two lines' worth) is a refusal
 * like a long line: what did not fit is dropped, so the reader is broken and says so
 * after the lines that fit. */
static void
test_too_many_lines_break_the_reader(void **state)
{
    struct al_ctl_reader rd;
    char in[8 * 10 + 1];
    cJSON *msg = NULL;
    int i, taken = 0, r;

    (void)state;
    for (i = 0; i < 10; i++) {
        memcpy(in + 8 * i, "{\"n\":0}\n", 8);
        in[8 * i + 5] = (char)('0' + i);
    }
    al_ctl_reader_init(&rd, 12); /* holds 26 bytes: three lines of 8 */
    assert_int_equal(al_ctl_feed(&rd, in, 80), AL_ETOOBIG);
    assert_true(rd.broken);
    while ((r = al_ctl_next(&rd, &msg)) == 1) {
        cJSON_Delete(msg);
        taken++;
    }
    assert_int_equal(r, AL_ETOOBIG);
    assert_int_equal(taken, 3);
    assert_int_equal(al_ctl_feed(&rd, "{}\n", 3), AL_ETOOBIG);
    al_ctl_reader_close(&rd);

    /* The same lines taken after each feed all fit. */
    al_ctl_reader_init(&rd, 12);
    for (i = 0; i < 10; i++) {
        assert_int_equal(al_ctl_feed(&rd, in + 8 * i, 8), 0);
        take_n(&rd, i);
    }
    al_ctl_reader_close(&rd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_line_is_searched_once),
        cmocka_unit_test(test_lines_across_feeds),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_too_many_lines_break_the_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
