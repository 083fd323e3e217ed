/* Unit tests: where airlock keeps things (XDG base directories, the home fallback). */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <airlock/error.h>
#include <airlock/paths.h>

static char tmp[256];

static int
setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/al-paths-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return -1;
    setenv("HOME", tmp, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("XDG_STATE_HOME");
    unsetenv("XDG_RUNTIME_DIR");
    unsetenv("AIRLOCK_SOCKET");
    return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int
teardown(void **state)
{
    (void)state;
    return nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static mode_t
mode_of(const char *path)
{
    struct stat st;

    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    return st.st_mode & 07777;
}

/* Without XDG variables, the XDG defaults under HOME; nothing is made unless asked. */
static void
test_fallbacks(void **state)
{
    char out[512], want[512];
    struct stat st;

    (void)state;
    assert_int_equal(al_paths_config("airlock.json", 0, out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/.config/airlock/airlock.json", tmp);
    assert_string_equal(out, want);
    assert_int_equal(al_paths_state("plans", 0, out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/.local/state/airlock/plans", tmp);
    assert_string_equal(out, want);
    assert_int_equal(al_paths_socket(0, out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/.cache/airlock/airlockd.sock", tmp);
    assert_string_equal(out, want);
    snprintf(want, sizeof(want), "%s/.local", tmp);
    assert_int_equal(stat(want, &st), -1);
    assert_int_equal(errno, ENOENT);
}

/* An absolute XDG variable wins; a relative one is ignored, as the XDG spec says. */
static void
test_xdg_variables(void **state)
{
    char out[512], want[512];

    (void)state;
    setenv("XDG_STATE_HOME", "/var/empty/state", 1);
    assert_int_equal(al_paths_state("log", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/var/empty/state/airlock/log");
    setenv("XDG_STATE_HOME", "relative/state", 1);
    assert_int_equal(al_paths_state("log", 0, out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/.local/state/airlock/log", tmp);
    assert_string_equal(out, want);
    unsetenv("XDG_STATE_HOME");
}

/* create_dir makes every missing component 0700, on a fresh account with no ~/.local. */
static void
test_create_dir(void **state)
{
    char out[512], dir[512];

    (void)state;
    umask(022);
    assert_int_equal(al_paths_state("plans", 1, out, sizeof(out)), 0);
    snprintf(dir, sizeof(dir), "%s/.local", tmp);
    assert_int_equal(mode_of(dir), 0700);
    snprintf(dir, sizeof(dir), "%s/.local/state/airlock", tmp);
    assert_int_equal(mode_of(dir), 0700);
    /* A second call finds them there. */
    assert_int_equal(al_paths_state("plans", 1, out, sizeof(out)), 0);
}

/* Failures name the problem: no usable HOME or XDG variable, a path too long for the
 * buffer, a socket path too long for sun_path. */
static void
test_failures(void **state)
{
    char out[512], small[16], longdir[200];

    (void)state;
    assert_int_equal(al_paths_config("airlock.json", 0, small, sizeof(small)), -ENAMETOOLONG);
    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[0] = '/';
    longdir[sizeof(longdir) - 1] = '\0';
    setenv("XDG_RUNTIME_DIR", longdir, 1);
    assert_int_equal(al_paths_socket(0, out, sizeof(out)), -ENAMETOOLONG);
    assert_non_null(strstr(al_errdetail(), "socket address"));
    unsetenv("XDG_RUNTIME_DIR");
    setenv("HOME", "relative", 1);
    assert_int_equal(al_paths_config("airlock.json", 0, out, sizeof(out)), AL_EINVAL);
    assert_non_null(strstr(al_errdetail(), "XDG_CONFIG_HOME"));
    setenv("HOME", tmp, 1);
}

/* A client's socket: AIRLOCK_SOCKET when set and not empty, as it is (the demo's, say),
 * else the daemon's own; a value too long for a socket address names the variable. */
static void
test_client_socket(void **state)
{
    char out[512], want[512], small[8], longpath[200];

    (void)state;
    setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    assert_int_equal(al_paths_client_socket(out, sizeof(out)), 0);
    assert_string_equal(out, "/run/user/1000/airlock/airlockd.sock");
    setenv("AIRLOCK_SOCKET", "/tmp/airlock-demo-x/run/airlock/airlockd.sock", 1);
    assert_int_equal(al_paths_client_socket(out, sizeof(out)), 0);
    assert_string_equal(out, "/tmp/airlock-demo-x/run/airlock/airlockd.sock");
    /* airlockd's own path does not move. */
    assert_int_equal(al_paths_socket(0, out, sizeof(out)), 0);
    assert_string_equal(out, "/run/user/1000/airlock/airlockd.sock");
    setenv("AIRLOCK_SOCKET", "", 1);
    unsetenv("XDG_RUNTIME_DIR");
    assert_int_equal(al_paths_client_socket(out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/.cache/airlock/airlockd.sock", tmp);
    assert_string_equal(out, want);
    memset(longpath, 's', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    setenv("AIRLOCK_SOCKET", longpath, 1);
    snprintf(out, sizeof(out), "unchanged");
    assert_int_equal(al_paths_client_socket(out, sizeof(out)), -ENAMETOOLONG);
    assert_non_null(strstr(al_errdetail(), "AIRLOCK_SOCKET"));
    assert_non_null(strstr(al_errdetail(), "socket address"));
    assert_string_equal(out, "unchanged");
    setenv("AIRLOCK_SOCKET", "/s/airlockd.sock", 1);
    assert_int_equal(al_paths_client_socket(small, sizeof(small)), -ENAMETOOLONG);
    assert_non_null(strstr(al_errdetail(), "AIRLOCK_SOCKET"));
    unsetenv("AIRLOCK_SOCKET");
}

/* The places a client looks for a daemon that is not where it looked: $XDG_RUNTIME_DIR's,
 * then ~/.cache's (a daemon started without XDG_RUNTIME_DIR), then /run/user/<uid>'s; each
 * once, a relative XDG_RUNTIME_DIR or HOME left out, a path too long for a socket address
 * skipped rather than cut short. */
static void
test_socket_places(void **state)
{
    char p[4][AL_PATHS_SOCKET_MAX], want[512], run[64], longdir[200];
    int n;

    (void)state;
    snprintf(run, sizeof(run), "/run/user/%lu/airlock/airlockd.sock", (unsigned long)getuid());
    snprintf(want, sizeof(want), "%s/.cache/airlock/airlockd.sock", tmp);
    setenv("XDG_RUNTIME_DIR", "/tmp/x", 1);
    n = al_paths_socket_places(p, 4);
    assert_int_equal(n, 3);
    assert_string_equal(p[0], "/tmp/x/airlock/airlockd.sock");
    assert_string_equal(p[1], want);
    assert_string_equal(p[2], run);
    /* At most max. */
    assert_int_equal(al_paths_socket_places(p, 1), 1);
    assert_string_equal(p[0], "/tmp/x/airlock/airlockd.sock");
    /* XDG_RUNTIME_DIR = /run/user/<uid>: that place once. */
    snprintf(longdir, sizeof(longdir), "/run/user/%lu", (unsigned long)getuid());
    setenv("XDG_RUNTIME_DIR", longdir, 1);
    n = al_paths_socket_places(p, 4);
    assert_int_equal(n, 2);
    assert_string_equal(p[0], run);
    assert_string_equal(p[1], want);
    /* Relative, or unset: not a place. */
    setenv("XDG_RUNTIME_DIR", "run", 1);
    n = al_paths_socket_places(p, 4);
    assert_int_equal(n, 2);
    assert_string_equal(p[0], want);
    unsetenv("XDG_RUNTIME_DIR");
    setenv("HOME", "home", 1);
    n = al_paths_socket_places(p, 4);
    assert_int_equal(n, 1);
    assert_string_equal(p[0], run);
    /* Too long for an address: left out, not shortened. */
    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[0] = '/';
    longdir[sizeof(longdir) - 1] = '\0';
    setenv("XDG_RUNTIME_DIR", longdir, 1);
    n = al_paths_socket_places(p, 4);
    assert_int_equal(n, 1);
    assert_string_equal(p[0], run);
    unsetenv("XDG_RUNTIME_DIR");
    setenv("HOME", tmp, 1);
}

/* A relative or missing HOME falls back on the password database, which is absolute. */
static void
test_home(void **state)
{
    char out[512], small[4];

    (void)state;
    assert_int_equal(al_paths_home(out, sizeof(out)), 0);
    assert_string_equal(out, tmp);
    assert_int_equal(al_paths_home(small, sizeof(small)), -ENAMETOOLONG);
    unsetenv("HOME");
    assert_int_equal(al_paths_home(out, sizeof(out)), 0);
    assert_int_equal(out[0], '/');
    setenv("HOME", tmp, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xdg_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_places, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
