/* Unit tests: the error table, names and per-thread detail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/error.h>

static void
test_codes_are_below_errno(void **state)
{
    (void)state;
    assert_true(AL_ENOMEM < AL__ERRBASE);
    assert_true(AL_EEXISTS < AL__ERRBASE);
    assert_true(AL__ERRLAST <= AL__ERRBASE);
}

static void
test_messages_and_names(void **state)
{
    (void)state;
    assert_string_equal(al_strerror(AL_EHASH), "member hash does not match the manifest");
    assert_string_equal(al_errname(AL_EHASH), "EHASH");
    assert_string_equal(al_errname(AL_ENOMEM), "ENOMEM");
    assert_string_equal(al_errname(AL_EEXISTS), "EEXISTS");
    assert_string_equal(al_errname(-ENOENT), "ENOENT");
    assert_string_equal(al_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(al_errname(0), "OK");
    assert_string_equal(al_errname(AL__ERRLAST), "EUNKNOWN");
    assert_string_equal(al_strerror(AL__ERRFIRST), "unknown error");
}

static void
test_every_code_has_a_distinct_name(void **state)
{
    int a, b;

    (void)state;
    for (a = AL__ERRFIRST + 1; a < AL__ERRLAST; a++) {
        assert_string_not_equal(al_errname(a), "EUNKNOWN");
        for (b = a + 1; b < AL__ERRLAST; b++)
            assert_string_not_equal(al_errname(a), al_errname(b));
    }
}

static void
test_detail(void **state)
{
    (void)state;
    al_errclear();
    assert_string_equal(al_errdetail(), "");
    assert_int_equal(al__fail(AL_EPATH, "member %s", "x/../y"), AL_EPATH);
    assert_string_equal(al_errdetail(), "member x/../y");
    assert_int_equal(al__prefix(AL_EPATH, "entries[%d]", 3), AL_EPATH);
    assert_string_equal(al_errdetail(), "entries[3]: member x/../y");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_below_errno),
        cmocka_unit_test(test_messages_and_names),
        cmocka_unit_test(test_every_code_has_a_distinct_name),
        cmocka_unit_test(test_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
