/*
 * paths.h: where airlock keeps things (XDG base directories; docs/cli.md lists them). One
 * implementation for airlock, airlockd and airlock-tui, so that all three agree on the
 * config, the state and the socket. Each function fills out (outlen bytes) and returns 0, or
 * a negative AL_E* / -errno with al_errdetail() naming the path; out is written only on
 * success.
 */
#ifndef AIRLOCK_PATHS_H
#define AIRLOCK_PATHS_H

#include <stddef.h>

/* $<var>/airlock/<name>, or $HOME/<fallback>/airlock/<name> when var is unset or relative
 * (XDG base directories); with create_dir, makes the directory (and its parent) 0700. */
int al_paths_xdg(const char *var, const char *fallback, const char *name, int create_dir, char *out,
                 size_t outlen);

/* The home directory: $HOME when it is absolute, else the password database's entry
 * (AL_EINVAL when neither gives an absolute path, -ENAMETOOLONG past outlen). */
int al_paths_home(char *out, size_t outlen);

/* $XDG_CONFIG_HOME/airlock/<name> (or ~/.config/...). */
int al_paths_config(const char *name, int create_dir, char *out, size_t outlen);

/* $XDG_STATE_HOME/airlock/<name> (or ~/.local/state/...). */
int al_paths_state(const char *name, int create_dir, char *out, size_t outlen);

/* The control socket, $XDG_RUNTIME_DIR/airlock/airlockd.sock (or ~/.cache/airlock/...
 * when XDG_RUNTIME_DIR is unset); fails with -ENAMETOOLONG if it cannot be a socket
 * address. */
int al_paths_socket(int create_dir, char *out, size_t outlen);

/* $AIRLOCK_SOCKET when it is set and not empty, else NULL: a socket the person named. */
const char *al_paths_socket_env(void);

/* The control socket a client (airlock, airlock-tui) connects to: $AIRLOCK_SOCKET when it
 * is set and not empty, taken as it is, else al_paths_socket(0, ...). airlockd itself does
 * not read AIRLOCK_SOCKET. Fails with -ENAMETOOLONG, naming AIRLOCK_SOCKET, when its value
 * cannot be a socket address or does not fit in out. */
int al_paths_client_socket(char *out, size_t outlen);

/* The bytes of a control socket's path, NUL included: what a socket address holds. */
#define AL_PATHS_SOCKET_MAX 108

/*
 * The places airlockd may have put its socket, for a client that found none where it
 * looked: al_paths_socket()'s under $XDG_RUNTIME_DIR (when absolute),
 * $HOME/.cache/airlock/airlockd.sock (a daemon started without XDG_RUNTIME_DIR), and the
 * same under /run/user/<uid> (systemd's XDG_RUNTIME_DIR, for a shell that lost the
 * variable). Fills at
 * most max of out, each once, in that order, skipping a path too long for a socket
 * address; returns how many. Creates nothing.
 */
int al_paths_socket_places(char (*out)[AL_PATHS_SOCKET_MAX], int max);

#endif
