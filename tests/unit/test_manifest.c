/* Unit tests: manifest parsing is strict, emission canonical, paths safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <airlock/manifest.h>

#define HASH "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
#define ID "0123456789abcdef0123456789abcdef"

static char doc[32768];

/* A manifest with one entry; each argument replaces one field's JSON text. */
static const char *
manifest(const char *format, const char *from, const char *to, const char *extra,
         const char *entries)
{
    snprintf(doc, sizeof(doc),
             "{\"format\":%s,\"id\":\"" ID "\",\"from\":%s,\"to\":%s,\"session\":\"s1\","
             "\"created\":\"2026-11-23T00:00:00Z\",\"task\":\"t\"%s,\"entries\":%s}",
             format, from, to, extra, entries);
    return doc;
}

#define ENTRY(path, size)                                                                          \
    "{\"path\":\"" path "\",\"size\":" #size ",\"blake2b\":\"" HASH                                \
    "\",\"media_type\":\"text/plain\"}"

static int
parse(const char *json, struct al_manifest **m)
{
    struct al_plan_limits lim;

    al_plan_limits_default(&lim);
    return al_manifest_parse(json, strlen(json), &lim, m);
}

static int
parse_only(const char *json)
{
    struct al_manifest *m = NULL;
    int r = parse(json, &m);

    al_manifest_free(m);
    return r;
}

static void
test_valid_round_trip(void **state)
{
    struct al_manifest *m = NULL, *m2 = NULL;
    struct al_buf b;

    (void)state;
    assert_int_equal(parse(manifest("\"airlock-plan/1\"", "\"offline\"", "\"online\"", "",
                                    "[" ENTRY("a.txt", 0) "," ENTRY("b/c.txt", 12) "]"),
                           &m),
                     0);
    assert_string_equal(m->id, ID);
    assert_int_equal(m->from, AL_SIDE_OFFLINE);
    assert_int_equal(m->to, AL_SIDE_ONLINE);
    assert_int_equal(m->n_entries, 2);
    assert_string_equal(m->entries[1].path, "b/c.txt");
    assert_int_equal(m->entries[1].size, 12);
    al_buf_init(&b, 65536);
    assert_int_equal(al_manifest_emit(m, &b), 0);
    assert_int_equal(parse(b.data, &m2), 0);
    assert_string_equal(m2->entries[0].path, "a.txt");
    assert_memory_equal(m2->entries[1].blake2b, m->entries[1].blake2b, AL_HASH_LEN);
    al_buf_close(&b);
    al_manifest_free(m);
    al_manifest_free(m2);
}

static void
test_rejections(void **state)
{
    const char *v = "\"airlock-plan/1\"", *off = "\"offline\"", *on = "\"online\"";

    (void)state;
    assert_int_equal(parse_only(manifest("\"airlock-plan/2\"", off, on, "", "[]")), AL_EFORMAT);
    assert_int_equal(parse_only(manifest(v, off, off, "", "[]")), AL_EFIELD);
    assert_int_equal(parse_only(manifest(v, off, "\"cloud\"", "", "[]")), AL_EFIELD);
    assert_int_equal(parse_only(manifest(v, off, on, ",\"extra\":1", "[]")), AL_EJSONUNKNOWN);
    assert_int_equal(parse_only(manifest(v, off, on, ",\"task\":\"x\"", "[]")), AL_EJSONDUPKEY);
    assert_int_equal(parse_only(manifest(v, off, on, "", "{}")), AL_EJSONTYPE);
    assert_int_equal(parse_only(manifest(v, off, on, "", "[" ENTRY("a", 1) "," ENTRY("a", 1) "]")),
                     AL_EDUPLICATE);
    assert_int_equal(parse_only(manifest(v, off, on, "", "[" ENTRY("b", 1) "," ENTRY("a", 1) "]")),
                     AL_EORDER);
    assert_int_equal(parse_only(manifest(v, off, on, "", "[" ENTRY("a", 65537) "]")),
                     AL_EMEMBERSIZE);
    assert_int_equal(
        parse_only(manifest(v, off, on, "", "[" ENTRY("a", 40000) "," ENTRY("b", 40000) "]")),
        AL_ETOTALSIZE);
    assert_int_equal(parse_only(manifest(v, off, on, "", "[" ENTRY("../a", 1) "]")), AL_EPATH);
    assert_int_equal(parse_only(manifest(v, off, on, "", "[" ENTRY("a", 1.5) "]")), AL_EFIELD);
    assert_int_equal(parse_only("[]"), AL_EJSONTYPE);
    assert_int_equal(parse_only("{\"format\":\"airlock-plan/1\"}"), AL_EJSONMISSING);
}

static void
test_entry_count_cap(void **state)
{
    struct al_buf entries;
    int i;

    (void)state;
    al_buf_init(&entries, 65536);
    assert_int_equal(al_buf_appendc(&entries, '['), 0);
    for (i = 0; i < AL_PLAN_DEFAULT_MAX_ENTRIES + 1; i++)
        assert_int_equal(al_buf_printf(&entries,
                                       "%s{\"path\":\"f%03d\",\"size\":0,"
                                       "\"blake2b\":\"" HASH "\",\"media_type\":\"text/plain\"}",
                                       i ? "," : "", i),
                         0);
    assert_int_equal(al_buf_appendc(&entries, ']'), 0);
    assert_int_equal(
        parse_only(manifest("\"airlock-plan/1\"", "\"offline\"", "\"online\"", "", entries.data)),
        AL_ECOUNT);
    al_buf_close(&entries);
}

static void
test_paths(void **state)
{
    (void)state;
    assert_int_equal(al_path_check("plan.md"), 0);
    assert_int_equal(al_path_check("notes/2026/a b.txt"), 0);
    assert_int_equal(al_path_check("\xce\xb1\xce\xb2.md"), 0);
    assert_int_equal(al_path_check(""), AL_EPATH);
    assert_int_equal(al_path_check("/etc/passwd"), AL_EPATH);
    assert_int_equal(al_path_check("a/../b"), AL_EPATH);
    assert_int_equal(al_path_check(".."), AL_EPATH);
    assert_int_equal(al_path_check("./a"), AL_EPATH);
    assert_int_equal(al_path_check("a//b"), AL_EPATH);
    assert_int_equal(al_path_check("a/"), AL_EPATH);
    assert_int_equal(al_path_check("a\nb"), AL_EPATH);
    assert_int_equal(al_path_check("a\x1b[2Jb"), AL_EPATH);
    assert_int_equal(al_path_check("evil\xe2\x80\xaetxt.md"), AL_EPATH); /* RLO */
    assert_int_equal(al_path_check("bad\xff"), AL_EPATH);
    assert_int_equal(al_path_check("manifest.json"), AL_EPATH);
    assert_int_equal(al_path_check("sub/manifest.json"), 0);
    assert_int_equal(al_path_check("1/2/3/4/5/6/7/8"), 0);
    assert_int_equal(al_path_check("1/2/3/4/5/6/7/8/9"), AL_EPATH);
}

static void
test_ids_sessions_sides(void **state)
{
    char id[AL_ID_HEXLEN + 1], id2[AL_ID_HEXLEN + 1];
    enum al_side s;

    (void)state;
    al_id_new(id);
    al_id_new(id2);
    assert_int_equal(al_id_check(id), 0);
    assert_string_not_equal(id, id2);
    assert_int_equal(al_id_check("0123456789ABCDEF0123456789abcdef"), AL_EFIELD);
    assert_int_equal(al_id_check("0123"), AL_EFIELD);
    assert_int_equal(al_session_check("sess-1.a:b_c"), 0);
    assert_int_equal(al_session_check(""), AL_EFIELD);
    assert_int_equal(al_session_check("a b"), AL_EFIELD);
    assert_int_equal(al_side_parse("online", &s), 0);
    assert_int_equal(s, AL_SIDE_ONLINE);
    assert_int_equal(al_side_parse("Online", &s), AL_EFIELD);
    assert_string_equal(al_media_type_for("x.MD"), "text/markdown");
    assert_string_equal(al_media_type_for("x.json"), "application/json");
    assert_string_equal(al_media_type_for("x"), "text/plain");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_round_trip),   cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_entry_count_cap),    cmocka_unit_test(test_paths),
        cmocka_unit_test(test_ids_sessions_sides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
