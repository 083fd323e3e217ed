/* paths.c: where airlock keeps things, after the XDG base directories (see airlock/paths.h). */
#include <airlock/paths.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <airlock/ctl.h>
#include <airlock/error.h>

int
al_paths_home(char *out, size_t outlen)
{
    const char *h = getenv("HOME");
    struct passwd *pw;

    if (h == NULL || h[0] != '/') {
        pw = getpwuid(getuid());
        h = pw != NULL ? pw->pw_dir : NULL;
    }
    if (h == NULL || h[0] != '/')
        return al__fail(AL_EINVAL, "no home directory: set HOME");
    if (strlen(h) >= outlen)
        return al__fail(-ENAMETOOLONG, "HOME");
    memcpy(out, h, strlen(h) + 1);
    return 0;
}

int
al_paths_config(const char *name, int create_dir, char *out, size_t outlen)
{
    return al_paths_xdg("XDG_CONFIG_HOME", ".config", name, create_dir, out, outlen);
}

int
al_paths_xdg(const char *var, const char *fallback, const char *name, int create_dir, char *out,
             size_t outlen)
{
    const char *xdg = getenv(var), *home = getenv("HOME");
    char dir[4096], path[4096];
    int n;

    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(dir, sizeof(dir), "%s/airlock", xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(dir, sizeof(dir), "%s/%s/airlock", home, fallback);
    else
        return al__fail(AL_EINVAL, "neither %s nor HOME is an absolute path", var);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return al__fail(-ENAMETOOLONG, "airlock directory under %s", var);
    if (create_dir) {
        size_t i;

        /* ~/.config or ~/.local/state (and ~/.local) may not exist yet on a fresh account:
         * every missing component is made, each 0700. */
        for (i = 1; i <= (size_t)n; i++) {
            if (dir[i] != '/' && dir[i] != '\0')
                continue;
            dir[i] = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                return al__fail(-errno, "%s", dir);
            if (i < (size_t)n)
                dir[i] = '/';
        }
    }
    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path) || (size_t)n >= outlen)
        return al__fail(-ENAMETOOLONG, "%s/%s", dir, name);
    memcpy(out, path, (size_t)n + 1);
    return 0;
}

int
al_paths_state(const char *name, int create_dir, char *out, size_t outlen)
{
    return al_paths_xdg("XDG_STATE_HOME", ".local/state", name, create_dir, out, outlen);
}

/* Where the socket goes without XDG_RUNTIME_DIR, under HOME. */
#define SOCKET_FALLBACK ".cache"

_Static_assert(AL_PATHS_SOCKET_MAX == sizeof(((struct sockaddr_un *)0)->sun_path),
               "AL_PATHS_SOCKET_MAX is a socket address's path");

int
al_paths_socket(int create_dir, char *out, size_t outlen)
{
    struct sockaddr_un sa;
    char path[sizeof(sa.sun_path) + 1];
    int r;

    /* One byte more than a socket address holds, to tell "too long" from "fits". */
    r = al_paths_xdg("XDG_RUNTIME_DIR", SOCKET_FALLBACK, AL_CTL_SOCKET, create_dir, path,
                     sizeof(path));
    if (r == -ENAMETOOLONG || (r == 0 && strlen(path) >= sizeof(sa.sun_path)))
        return al__fail(-ENAMETOOLONG,
                        "the control socket's path (under XDG_RUNTIME_DIR, "
                        "else HOME): longer than a socket address holds (%zu)",
                        sizeof(sa.sun_path) - 1);
    if (r != 0)
        return r;
    if (strlen(path) >= outlen)
        return al__fail(-ENAMETOOLONG, "%s", path);
    memcpy(out, path, strlen(path) + 1);
    return 0;
}

const char *
al_paths_socket_env(void)
{
    const char *env = getenv("AIRLOCK_SOCKET");

    return env != NULL && env[0] != '\0' ? env : NULL;
}

int
al_paths_client_socket(char *out, size_t outlen)
{
    struct sockaddr_un sa;
    const char *env = al_paths_socket_env();

    /* The demo prints AIRLOCK_SOCKET for scripts: a client that ignored it would talk to
     * the person's own daemon instead, where approve and reject act on real plans. */
    if (env == NULL)
        return al_paths_socket(0, out, outlen);
    if (strlen(env) >= sizeof(sa.sun_path))
        return al__fail(-ENAMETOOLONG, "AIRLOCK_SOCKET: longer than a socket address holds (%zu)",
                        sizeof(sa.sun_path) - 1);
    if (strlen(env) >= outlen)
        return al__fail(-ENAMETOOLONG, "AIRLOCK_SOCKET: too long");
    memcpy(out, env, strlen(env) + 1);
    return 0;
}

/* Adds <dir>/<sub>airlock/airlockd.sock to places[0..*n) unless it is there already or
 * cannot be a socket address. */
static void
add_place(char (*places)[AL_PATHS_SOCKET_MAX], int max, int *n, const char *dir, const char *sub)
{
    char path[AL_PATHS_SOCKET_MAX];
    int k = snprintf(path, sizeof(path), "%s/%sairlock/%s", dir, sub, AL_CTL_SOCKET), i;

    if (k < 0 || (size_t)k >= sizeof(path) || *n >= max)
        return;
    for (i = 0; i < *n; i++)
        if (strcmp(places[i], path) == 0)
            return;
    memcpy(places[(*n)++], path, (size_t)k + 1);
}

int
al_paths_socket_places(char (*out)[AL_PATHS_SOCKET_MAX], int max)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR"), *home = getenv("HOME");
    char run[64];
    int n = 0;

    if (xdg != NULL && xdg[0] == '/')
        add_place(out, max, &n, xdg, "");
    if (home != NULL && home[0] == '/')
        add_place(out, max, &n, home, SOCKET_FALLBACK "/");
    /* pam_systemd's XDG_RUNTIME_DIR: su, sudo -u and cron shells often come without it. */
    snprintf(run, sizeof(run), "/run/user/%lu", (unsigned long)getuid());
    add_place(out, max, &n, run, "");
    return n;
}
