/* Unit tests: the one RFC 3339 form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/timefmt.h>

static void
test_round_trip(void **state)
{
    char s[AL_TIME_LEN + 1];
    time_t t = 0;

    (void)state;
    assert_int_equal(al_time_format(1795402658, s), 0);
    assert_string_equal(s, "2026-11-23T02:57:38Z");
    assert_int_equal(al_time_parse(s, &t), 0);
    assert_int_equal(t, 1795402658);
    assert_int_equal(al_time_parse("2024-02-29T23:59:59Z", &t), 0);
    assert_int_equal(al_time_format((time_t)8589934591LL, s), AL_EINVAL); /* year 2242 */
}

static void
test_rejects_other_forms(void **state)
{
    time_t t = 0;

    (void)state;
    assert_int_equal(al_time_parse("2026-11-23T02:57:38+00:00", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2026-11-23T02:57:38.5Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2026-11-23 02:57:38Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2026-13-01T00:00:00Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2023-02-29T00:00:00Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2026-04-31T00:00:00Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2026-01-01T24:00:00Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("1969-12-31T23:59:59Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2026-1-01T00:00:00Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("", &t), AL_EFIELD);
    /* Past AL_TIME_MAX_YEAR: a ustar mtime could not hold it much later. */
    assert_int_equal(al_time_parse("2201-01-01T00:00:00Z", &t), AL_EFIELD);
    assert_int_equal(al_time_parse("2200-12-31T23:59:59Z", &t), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_rejects_other_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
