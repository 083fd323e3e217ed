/* Unit tests: bounded buffers never grow past their maximum and keep what they had. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <airlock/buf.h>

static void
test_append_within_limit(void **state)
{
    struct al_buf b;

    (void)state;
    al_buf_init(&b, 8);
    assert_int_equal(al_buf_append(&b, "abcd", 4), 0);
    assert_int_equal(al_buf_printf(&b, "%d", 123), 0);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(al_buf_appendc(&b, 'x'), 0);
    assert_int_equal(b.len, 8);
    al_buf_close(&b);
    assert_null(b.data);
}

static void
test_over_limit_keeps_contents(void **state)
{
    struct al_buf b;

    (void)state;
    al_buf_init(&b, 6);
    assert_int_equal(al_buf_append(&b, "abcd", 4), 0);
    assert_int_equal(al_buf_append(&b, "xyz", 3), AL_ETOOBIG);
    assert_int_equal(al_buf_printf(&b, "%s", "long"), AL_ETOOBIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "abcd");
    assert_true(b.cap <= 7);
    al_buf_close(&b);
}

static void
test_read_fd_stops_at_limit(void **state)
{
    char path[] = "/tmp/airlock-test-buf-XXXXXX";
    struct al_buf b;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "0123456789", 10), 10);
    close(fd);
    al_buf_init(&b, 9);
    assert_int_equal(al_buf_read_path(&b, path, 1), AL_ETOOBIG);
    al_buf_close(&b);
    al_buf_init(&b, 10);
    assert_int_equal(al_buf_read_path(&b, path, 1), 0);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "0123456789", 10);
    al_buf_close(&b);
    unlink(path);
}

static void
test_read_path_nofollow(void **state)
{
    char dir[] = "/tmp/airlock-test-buf-XXXXXX", target[64], link_[64];
    struct al_buf b;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(target, sizeof(target), "%s/t", dir);
    snprintf(link_, sizeof(link_), "%s/l", dir);
    fd = open(target, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(symlink(target, link_), 0);
    al_buf_init(&b, 100);
    /* Positive control: following is allowed when asked for. */
    assert_int_equal(al_buf_read_path(&b, link_, 0), 0);
    assert_int_equal(al_buf_read_path(&b, link_, 1), -ELOOP);
    al_buf_close(&b);
    unlink(link_);
    unlink(target);
    rmdir(dir);
}

static void
test_read_path_refuses_fifo_without_blocking(void **state)
{
    char dir[] = "/tmp/airlock-test-buf-XXXXXX", fifo[64];
    struct al_buf b;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/f", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    al_buf_init(&b, 100);
    /* Without O_NONBLOCK this open would wait for a writer forever. */
    assert_int_equal(al_buf_read_path(&b, fifo, 1), AL_EFILETYPE);
    assert_int_equal(al_buf_read_path(&b, dir, 1), AL_EFILETYPE);
    al_buf_close(&b);
    unlink(fifo);
    rmdir(dir);
}

static void
test_secret_buffer_grows_and_keeps_data(void **state)
{
    struct al_buf b;
    int i;

    (void)state;
    al_buf_init_secret(&b, 1 << 16);
    for (i = 0; i < 1000; i++)
        assert_int_equal(al_buf_printf(&b, "%03d", i % 1000), 0);
    assert_int_equal(b.len, 3000);
    assert_memory_equal(b.data + 2997, "999", 3);
    al_buf_close(&b);
    assert_int_equal(b.secret, 1);
    assert_null(b.data);
}

static void
test_steal(void **state)
{
    struct al_buf b;
    size_t n = 0;
    char *p;

    (void)state;
    al_buf_init(&b, 100);
    assert_int_equal(al_buf_append(&b, "hello", 5), 0);
    p = al_buf_steal(&b, &n);
    assert_int_equal(n, 5);
    assert_string_equal(p, "hello");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_within_limit),
        cmocka_unit_test(test_over_limit_keeps_contents),
        cmocka_unit_test(test_read_fd_stops_at_limit),
        cmocka_unit_test(test_read_path_nofollow),
        cmocka_unit_test(test_read_path_refuses_fifo_without_blocking),
        cmocka_unit_test(test_secret_buffer_grows_and_keeps_data),
        cmocka_unit_test(test_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
