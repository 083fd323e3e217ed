/* Unit tests: strict JSON closes the gaps cJSON leaves open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/json.h>

static int
parse(const char *s)
{
    cJSON *j = NULL;
    int r = al_json_parse(s, strlen(s), 4096, 4, &j);

    cJSON_Delete(j);
    return r;
}

static void
test_accepts_valid(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"a\":1,\"b\":[true,null,\"x\"]}"), 0);
    assert_int_equal(parse("  [1, 2]\n"), 0);
    assert_int_equal(parse("\"\\u00e9 \\ud83d\\ude00\""), 0);
}

static void
test_rejects_what_cjson_allows(void **state)
{
    (void)state;
    assert_int_equal(parse("{\"a\":1,\"a\":2}"), AL_EJSONDUPKEY);
    assert_int_equal(parse("{\"x\":{\"k\":1,\"k\":1}}"), AL_EJSONDUPKEY);
    assert_int_equal(parse("{\"a\":\"x\\u0000y\"}"), AL_ENUL);
    assert_int_equal(parse("{\"a\":\"tab\there\"}"), AL_EJSON);
    assert_int_equal(parse("{\"a\":1} trailing"), AL_EJSON);
    assert_int_equal(parse("[[[[[1]]]]]"), AL_EJSONDEPTH);
    assert_int_equal(parse("\"\xff\""), AL_EUTF8);
    assert_int_equal(parse("{\"a\":}"), AL_EJSON);
    assert_int_equal(parse(""), AL_EJSON);
}

/* A syntax error in a text of several lines (a configuration file) gives its line and
 * column; on one line (a control message) the byte alone, as the vectors record it. */
static void
test_error_position(void **state)
{
    (void)state;
    assert_int_equal(parse("{\n  \"a\": [1]\n  \"b\": 2\n}\n"), AL_EJSON);
    assert_string_equal(al_errdetail(), "syntax error near byte 15 (line 3, column 3)");
    assert_int_equal(parse("{\"a\":}"), AL_EJSON);
    assert_string_equal(al_errdetail(), "syntax error near byte 5");
    assert_int_equal(parse("{\n\"a\": 1\n}\n\n  x"), AL_EJSON);
    assert_string_equal(al_errdetail(), "trailing data at byte 14 (line 5, column 3)");
}

static void
test_escaped_backslash_before_u0000_text(void **state)
{
    (void)state;
    /* "\\u0000" is a backslash followed by the text u0000, not a NUL escape. */
    assert_int_equal(parse("{\"a\":\"\\\\u0000\"}"), 0);
}

static void
test_size_limit(void **state)
{
    cJSON *j = NULL;

    (void)state;
    assert_int_equal(al_json_parse("[1,2,3]", 7, 6, 4, &j), AL_ETOOBIG);
    assert_null(j);
    assert_int_equal(al_json_parse("[1,2,3]", 7, 7, 4, &j), 0);
    cJSON_Delete(j);
}

static void
test_closed_schema_and_fields(void **state)
{
    static const char *const known[] = {"name", "size", "list"};
    const char *s = NULL;
    const cJSON *arr = NULL;
    uint64_t v = 0;
    cJSON *j = NULL;

    (void)state;
    assert_int_equal(al_json_parse("{\"name\":\"n\",\"size\":5,\"list\":[]}", 31, 100, 4, &j), 0);
    assert_int_equal(al_json_closed(j, "obj", known, 3), 0);
    assert_int_equal(al_json_closed(j, "obj", known, 2), AL_EJSONUNKNOWN);
    assert_non_null(strstr(al_errdetail(), "\"list\""));
    assert_int_equal(al_json_string(j, "obj", "name", 10, &s), 0);
    assert_string_equal(s, "n");
    assert_int_equal(al_json_string(j, "obj", "size", 10, &s), AL_EJSONTYPE);
    assert_int_equal(al_json_string(j, "obj", "nope", 10, &s), AL_EJSONMISSING);
    assert_int_equal(al_json_uint(j, "obj", "size", 5, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(al_json_uint(j, "obj", "size", 4, &v), AL_EFIELD);
    assert_int_equal(al_json_array(j, "obj", "list", &arr), 0);
    assert_int_equal(al_json_array(j, "obj", "name", &arr), AL_EJSONTYPE);
    cJSON_Delete(j);
}

static void
test_uint_rejects_fractions_and_negatives(void **state)
{
    uint64_t v = 0;
    cJSON *j = NULL;

    (void)state;
    assert_int_equal(al_json_parse("{\"a\":1.5,\"b\":-1,\"c\":1e300}", 26, 100, 4, &j), 0);
    assert_int_equal(al_json_uint(j, "o", "a", 100, &v), AL_EFIELD);
    assert_int_equal(al_json_uint(j, "o", "b", 100, &v), AL_EFIELD);
    assert_int_equal(al_json_uint(j, "o", "c", 100, &v), AL_EFIELD);
    cJSON_Delete(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_valid),
        cmocka_unit_test(test_rejects_what_cjson_allows),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_escaped_backslash_before_u0000_text),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_closed_schema_and_fields),
        cmocka_unit_test(test_uint_rejects_fractions_and_negatives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
