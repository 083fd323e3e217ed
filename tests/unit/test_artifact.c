/* Unit tests: packing is deterministic, the reader accepts exactly what the packer makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#include <archive.h>
#include <archive_entry.h>

#include <airlock/airlock.h>
#include <airlock/artifact.h>

#define ID "00112233445566778899aabbccddeeff"

static const struct al_plan_file files[] = {
    {"plan.md", "# Plan\n\nFind the opening hours.\n", 32},
    {"data/list.csv", "item,qty\nmilk,2\n", 16},
    {"empty.txt", "", 0},
};

static struct al_plan_meta
meta(void)
{
    struct al_plan_meta m = {.id = ID,
                             .from = AL_SIDE_OFFLINE,
                             .to = AL_SIDE_ONLINE,
                             .session = "s-1",
                             .created = 1795402658,
                             .task = "library hours"};
    return m;
}

static int
pack(const struct al_plan_file *f, size_t n, struct al_buf *out)
{
    struct al_plan_meta m = meta();
    struct al_plan_limits lim;

    al_plan_limits_default(&lim);
    al_buf_init(out, al_artifact_max_bytes(&lim));
    return al_artifact_pack(&m, f, n, &lim, out);
}

static int
read_plan(const struct al_buf *b, struct al_artifact **a)
{
    struct al_plan_limits lim;

    al_plan_limits_default(&lim);
    return al_artifact_read(b->data, b->len, &lim, a);
}

static void
test_pack_read_round_trip(void **state)
{
    const struct al_manifest *m;
    struct al_artifact *a = NULL;
    struct al_buf b;
    const char *data;
    size_t len;

    (void)state;
    assert_int_equal(pack(files, 3, &b), 0);
    assert_int_equal(b.len % 512, 0);
    assert_int_equal(read_plan(&b, &a), 0);
    m = al_artifact_manifest(a);
    assert_string_equal(m->id, ID);
    assert_string_equal(m->task, "library hours");
    assert_int_equal(m->n_entries, 3);
    /* Sorted by path regardless of the order given. */
    assert_string_equal(m->entries[0].path, "data/list.csv");
    assert_string_equal(m->entries[1].path, "empty.txt");
    assert_string_equal(m->entries[2].path, "plan.md");
    assert_string_equal(m->entries[0].media_type, "text/csv");
    al_artifact_member(a, 2, &data, &len);
    assert_int_equal(len, 32);
    assert_memory_equal(data, files[0].data, 32);
    al_artifact_member(a, 1, &data, &len);
    assert_int_equal(len, 0);
    al_artifact_free(a);
    al_buf_close(&b);
}

static void
test_deterministic(void **state)
{
    const struct al_plan_file reversed[] = {files[2], files[1], files[0]};
    struct al_buf a, b;

    (void)state;
    assert_int_equal(pack(files, 3, &a), 0);
    assert_int_equal(pack(reversed, 3, &b), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    al_buf_close(&a);
    al_buf_close(&b);
}

static void
test_pack_refuses_what_reader_would(void **state)
{
    const struct al_plan_file dup[] = {files[0], files[0]};
    const struct al_plan_file bad_path[] = {{"../x", "a", 1}};
    const struct al_plan_file nul[] = {{"x", "a\0b", 3}};
    const struct al_plan_file bad_utf8[] = {{"x", "a\xffz", 3}};
    struct al_plan_meta m = meta();
    struct al_plan_limits lim;
    struct al_buf b;

    (void)state;
    assert_int_equal(pack(dup, 2, &b), AL_EDUPLICATE);
    al_buf_close(&b);
    assert_int_equal(pack(bad_path, 1, &b), AL_EPATH);
    al_buf_close(&b);
    assert_int_equal(pack(nul, 1, &b), AL_ENUL);
    al_buf_close(&b);
    assert_int_equal(pack(bad_utf8, 1, &b), AL_EUTF8);
    al_buf_close(&b);
    al_plan_limits_default(&lim);
    lim.max_member = 10;
    al_buf_init(&b, 1 << 20);
    assert_int_equal(al_artifact_pack(&m, files, 1, &lim, &b), AL_EMEMBERSIZE);
    m.to = AL_SIDE_OFFLINE;
    assert_int_equal(al_artifact_pack(&m, files, 1, &lim, &b), AL_EFIELD);
    al_buf_close(&b);
}

static void
test_every_single_byte_change_is_caught(void **state)
{
    struct al_artifact *a = NULL;
    struct al_buf b, json;
    size_t i, outside = 0;
    int r;

    (void)state;
    assert_int_equal(pack(files, 3, &b), 0);
    /* Positive control: the untouched plan is accepted. */
    assert_int_equal(read_plan(&b, &a), 0);
    al_buf_init(&json, 1 << 20);
    assert_int_equal(al_manifest_emit(al_artifact_manifest(a), &json), 0);
    al_artifact_free(a);
    for (i = 0; i < b.len; i++) {
        b.data[i] ^= 0x01;
        a = NULL;
        r = read_plan(&b, &a);
        /* A flip inside a manifest string value can spell another valid plan (only the
         * signature binds those bytes); a flip anywhere else must be refused. */
        if (r == 0 && (i < 512 || i >= 512 + json.len))
            outside++;
        al_artifact_free(a);
        b.data[i] ^= 0x01;
    }
    assert_int_equal(outside, 0);
    al_buf_close(&json);
    al_buf_close(&b);
}

static void
test_trailing_and_truncated(void **state)
{
    struct al_artifact *a = NULL;
    struct al_plan_limits lim;
    struct al_buf b;

    (void)state;
    al_plan_limits_default(&lim);
    assert_int_equal(pack(files, 3, &b), 0);
    assert_int_equal(al_artifact_read(b.data, b.len - 512, &lim, &a), AL_ETRUNCATED);
    assert_int_equal(al_artifact_read(b.data, b.len - 1024, &lim, &a), AL_ETRUNCATED);
    /* Cut between two members, at a block boundary: no end marker, so truncated. */
    assert_int_equal(al_artifact_read(b.data, 2048, &lim, &a), AL_ETRUNCATED);
    assert_int_equal(al_buf_append(&b, "junk", 4), 0);
    assert_int_equal(al_artifact_read(b.data, b.len, &lim, &a), AL_ETRAILING);
    b.len -= 4;
    assert_int_equal(al_buf_append(&b, (char[512]){0}, 512), 0);
    assert_int_equal(al_artifact_read(b.data, b.len, &lim, &a), AL_ETRAILING);
    assert_null(a);
    al_buf_close(&b);
}

/*
 * The same names and bytes written by a pax writer that adds an extended header (a
 * sub-second mtime) are refused: a reader that honoured pax headers could otherwise see
 * a different file than the one the reviewer saw.
 */
static void
test_foreign_tar_is_not_canonical(void **state)
{
    struct al_artifact *a = NULL;
    struct archive *w;
    struct archive_entry *e;
    struct al_buf plan;
    char *out;
    size_t used = 0, cap = 1 << 20;

    (void)state;
    assert_int_equal(pack(files, 1, &plan), 0);
    assert_int_equal(read_plan(&plan, &a), 0);
    out = malloc(cap);
    w = archive_write_new();
    archive_write_set_format_pax(w);
    archive_write_open_memory(w, out, cap, &used);
    e = archive_entry_new();
    {
        /* Copy both members through a pax writer: same names, same bytes. */
        const struct al_manifest *m = al_artifact_manifest(a);
        struct al_buf json;
        const char *d;
        size_t n;

        al_buf_init(&json, 1 << 20);
        assert_int_equal(al_manifest_emit(m, &json), 0);
        archive_entry_set_pathname(e, "manifest.json");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)json.len);
        archive_entry_set_mtime(e, m->created, 0);
        archive_write_header(w, e);
        archive_write_data(w, json.data, json.len);
        al_artifact_member(a, 0, &d, &n);
        archive_entry_clear(e);
        archive_entry_set_pathname(e, m->entries[0].path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)n);
        archive_entry_set_mtime(e, m->created, 5);
        archive_write_header(w, e);
        archive_write_data(w, d, n);
        al_buf_close(&json);
    }
    archive_write_close(w);
    archive_write_free(w);
    archive_entry_free(e);
    al_artifact_free(a);
    a = NULL;
    {
        struct al_plan_limits lim;
        int r;

        al_plan_limits_default(&lim);
        r = al_artifact_read(out, used, &lim, &a);
        if (r != AL_ENONCANON)
            fail_msg("got %s: %s", al_errname(r), al_errdetail());
    }
    assert_null(a);
    free(out);
    al_buf_close(&plan);
}

static void
test_limits_apply_before_reading(void **state)
{
    struct al_artifact *a = NULL;
    struct al_plan_limits lim;
    struct al_buf b;

    (void)state;
    assert_int_equal(pack(files, 3, &b), 0);
    al_plan_limits_default(&lim);
    lim.max_entries = 2;
    assert_int_equal(al_artifact_read(b.data, b.len, &lim, &a), AL_ECOUNT);
    al_plan_limits_default(&lim);
    lim.max_member = 20;
    assert_int_equal(al_artifact_read(b.data, b.len, &lim, &a), AL_EMEMBERSIZE);
    al_plan_limits_default(&lim);
    lim.max_total = 40;
    assert_int_equal(al_artifact_read(b.data, b.len, &lim, &a), AL_ETOTALSIZE);
    assert_null(a);
    al_buf_close(&b);
}

static void
test_not_a_tar(void **state)
{
    struct al_artifact *a = NULL;
    struct al_plan_limits lim;

    (void)state;
    al_plan_limits_default(&lim);
    assert_int_equal(al_artifact_read("", 0, &lim, &a), AL_ETAR);
    assert_int_equal(al_artifact_read("hello world", 11, &lim, &a), AL_ETAR);
    assert_null(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_read_round_trip),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_pack_refuses_what_reader_would),
        cmocka_unit_test(test_every_single_byte_change_is_caught),
        cmocka_unit_test(test_trailing_and_truncated),
        cmocka_unit_test(test_foreign_tar_is_not_canonical),
        cmocka_unit_test(test_limits_apply_before_reading),
        cmocka_unit_test(test_not_a_tar),
    };
    return cmocka_run_group_tests(tests, ts_group_init, NULL);
}
