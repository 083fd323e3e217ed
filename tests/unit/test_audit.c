/* Unit tests: the audit log's chain catches every edit, removal, reordering and cut. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include <airlock/airlock.h>
#include <airlock/audit.h>
#include <airlock/buf.h>
#include <airlock/file.h>

static char dir[64], logp[96], headp[128];

static void
fresh(void)
{
    snprintf(dir, sizeof(dir), "/tmp/airlock-test-audit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(logp, sizeof(logp), "%s/audit.jsonl", dir);
    snprintf(headp, sizeof(headp), "%s.head", logp);
}

static void
cleanup(void)
{
    unlink(logp);
    unlink(headp);
    rmdir(dir);
}

/* Writes n records, the i-th with data {"i": i}. */
static void
write_log(int n)
{
    struct al_audit *a = NULL;
    uint64_t before;
    cJSON *d;
    int i;

    assert_int_equal(al_audit_open(logp, &a), 0);
    before = al_audit_count(a);
    for (i = 1; i <= n; i++) {
        d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "i", i);
        cJSON_AddStringToObject(d, "text", "line\nbreak \"quoted\"");
        assert_int_equal(al_audit_append(a, "test.event", d), 0);
        cJSON_Delete(d);
    }
    assert_int_equal(al_audit_count(a), before + (uint64_t)n);
    al_audit_close(a);
}

static void
read_all(const char *path, struct al_buf *b)
{
    al_buf_init(b, 1 << 20);
    assert_int_equal(al_buf_read_path(b, path, 1), 0);
}

static void
put_all(const char *path, const char *data, size_t n)
{
    assert_int_equal(al_file_write(path, data, n, 0600, 0), 0);
}

/* Offsets of line starts in b; returns the count. */
static int
lines(const struct al_buf *b, size_t *starts, int max)
{
    int n = 0;
    size_t i;

    for (i = 0; i < b->len && n < max; i++)
        if (i == 0 || b->data[i - 1] == '\n')
            starts[n++] = i;
    return n;
}

static void
test_valid_log_verifies(void **state)
{
    uint64_t n = 0;

    (void)state;
    fresh();
    assert_int_equal(al_audit_verify(logp, &n), -ENOENT); /* no log yet */
    write_log(5);
    assert_int_equal(al_audit_verify(logp, &n), 0);
    assert_int_equal(n, 5);
    /* Reopening continues the chain. */
    write_log(2);
    assert_int_equal(al_audit_verify(logp, &n), 0);
    assert_int_equal(n, 7);
    cleanup();
}

static void
test_edit_is_detected(void **state)
{
    struct al_buf b;
    size_t s[8];
    uint64_t n = 0;
    char *p;

    (void)state;
    fresh();
    write_log(5);
    read_all(logp, &b);
    assert_int_equal(lines(&b, s, 8), 5);
    /* Positive control above; now change one digit of record 3's data. */
    p = strstr(b.data + s[2], "\"i\":3");
    assert_non_null(p);
    p[4] = '9';
    put_all(logp, b.data, b.len);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    assert_non_null(strstr(al_errdetail(), "line 4"));
    al_buf_close(&b);
    cleanup();
}

static void
test_removal_and_reorder_are_detected(void **state)
{
    struct al_buf b, out;
    size_t s[8];
    uint64_t n = 0;

    (void)state;
    fresh();
    write_log(4);
    read_all(logp, &b);
    assert_int_equal(lines(&b, s, 8), 4);
    /* Remove record 2. */
    al_buf_init(&out, 1 << 20);
    assert_int_equal(al_buf_append(&out, b.data, s[1]), 0);
    assert_int_equal(al_buf_append(&out, b.data + s[2], b.len - s[2]), 0);
    put_all(logp, out.data, out.len);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    assert_non_null(strstr(al_errdetail(), "line 2"));
    /* Swap records 2 and 3. */
    al_buf_reset(&out);
    assert_int_equal(al_buf_append(&out, b.data, s[1]), 0);
    assert_int_equal(al_buf_append(&out, b.data + s[2], s[3] - s[2]), 0);
    assert_int_equal(al_buf_append(&out, b.data + s[1], s[2] - s[1]), 0);
    assert_int_equal(al_buf_append(&out, b.data + s[3], b.len - s[3]), 0);
    put_all(logp, out.data, out.len);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    al_buf_close(&out);
    al_buf_close(&b);
    cleanup();
}

static void
test_cut_at_the_end_is_detected(void **state)
{
    struct al_audit *a = NULL;
    struct al_buf b;
    size_t s[8];
    uint64_t n = 0;

    (void)state;
    fresh();
    write_log(3);
    read_all(logp, &b);
    assert_int_equal(lines(&b, s, 8), 3);
    put_all(logp, b.data, s[2]); /* the last record removed, chain intact */
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    assert_non_null(strstr(al_errdetail(), "head"));
    /* Opening for append refuses too: it would bury the evidence. */
    assert_int_equal(al_audit_open(logp, &a), AL_EAUDIT);
    assert_null(a);
    /* Deleting the head as well is no way around it. */
    unlink(headp);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    assert_int_equal(al_audit_open(logp, &a), AL_EAUDIT);
    al_buf_close(&b);
    cleanup();
}

static void
test_crash_mid_write_recovers(void **state)
{
    struct al_audit *a = NULL;
    uint64_t n = 0;
    int fd;

    (void)state;
    fresh();
    write_log(3);
    /* A torn record: half a line with no newline, never acknowledged. */
    fd = open(logp, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"seq\":4,\"ti", 12), 12);
    close(fd);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    assert_int_equal(al_audit_open(logp, &a), 0);
    assert_int_equal(al_audit_count(a), 3);
    assert_int_equal(al_audit_append(a, "after.crash", NULL), 0);
    al_audit_close(a);
    assert_int_equal(al_audit_verify(logp, &n), 0);
    assert_int_equal(n, 4);
    cleanup();
}

static void
test_crash_before_head_update_recovers(void **state)
{
    struct al_audit *a = NULL;
    struct al_buf head;
    uint64_t n = 0;

    (void)state;
    fresh();
    write_log(2);
    read_all(headp, &head);
    write_log(1); /* record 3 */
    /* Put back the head as it was before record 3: the crash window. */
    put_all(headp, head.data, head.len);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    assert_int_equal(al_audit_open(logp, &a), 0);
    assert_int_equal(al_audit_count(a), 3);
    al_audit_close(a);
    assert_int_equal(al_audit_verify(logp, &n), 0);
    assert_int_equal(n, 3);
    al_buf_close(&head);
    cleanup();
}

static void
test_writer_refuses_what_reader_refuses(void **state)
{
    struct al_audit *a = NULL;
    cJSON *d = cJSON_CreateObject();
    uint64_t n = 0;

    (void)state;
    fresh();
    assert_int_equal(al_audit_open(logp, &a), 0);
    /* Positive control: a plain record goes in. */
    assert_int_equal(al_audit_append(a, "plan.pending", d), 0);
    assert_int_equal(al_audit_append(a, "Not An Event!", d), AL_EINVAL);
    cJSON_AddStringToObject(d, "text", "caf\xff");
    assert_int_equal(al_audit_append(a, "plan.pending", d), AL_EINVAL);
    assert_int_equal(al_audit_count(a), 1);
    al_audit_close(a);
    cJSON_Delete(d);
    assert_int_equal(al_audit_verify(logp, &n), 0);
    assert_int_equal(n, 1);
    cleanup();
}

static void
test_missing_head_under_two_records_is_not_repaired(void **state)
{
    struct al_audit *a = NULL;
    uint64_t n = 0;

    (void)state;
    fresh();
    write_log(2);
    unlink(headp);
    assert_int_equal(al_audit_open(logp, &a), AL_EAUDIT);
    assert_int_equal(al_audit_verify(logp, &n), AL_EAUDIT);
    cleanup();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_log_verifies),
        cmocka_unit_test(test_edit_is_detected),
        cmocka_unit_test(test_removal_and_reorder_are_detected),
        cmocka_unit_test(test_cut_at_the_end_is_detected),
        cmocka_unit_test(test_crash_mid_write_recovers),
        cmocka_unit_test(test_crash_before_head_update_recovers),
        cmocka_unit_test(test_writer_refuses_what_reader_refuses),
        cmocka_unit_test(test_missing_head_under_two_records_is_not_repaired),
    };
    return cmocka_run_group_tests(tests, ts_group_init, NULL);
}
