/* Unit tests: atomic writes honour the mode asked for and never clobber with EXCL. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <airlock/buf.h>
#include <airlock/file.h>

static void
test_write_modes_and_excl(void **state)
{
    char dir[] = "/tmp/airlock-test-file-XXXXXX", path[64];
    struct al_buf b;
    struct stat st;
    mode_t old;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/key", dir);
    old = umask(0);
    assert_int_equal(al_file_write(path, "secret", 6, 0600, AL_FILE_EXCL), 0);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(al_file_write(path, "other", 5, 0600, AL_FILE_EXCL), AL_EEXISTS);
    al_buf_init(&b, 100);
    assert_int_equal(al_buf_read_path(&b, path, 1), 0);
    assert_string_equal(b.data, "secret");
    assert_int_equal(al_file_write(path, "other", 5, 0644, 0), 0);
    al_buf_reset(&b);
    assert_int_equal(al_buf_read_path(&b, path, 1), 0);
    assert_string_equal(b.data, "other");
    al_buf_close(&b);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_modes_and_excl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
