/*
 * paths.h: where airlock keeps things, shared by the client and the daemon so that both
 * agree (XDG base directories; docs/cli.md lists them).
 */
#ifndef AIRLOCK_PATHS_H
#define AIRLOCK_PATHS_H

#include <stddef.h>

/* $<var>/airlock/<name>, or $HOME/<fallback>/airlock/<name> when var is unset or relative
 * (XDG base directories); with create_dir, makes the directory (and its parent) 0700. */
int paths_xdg(const char *var, const char *fallback, const char *name, int create_dir, char *out,
              size_t outlen);

/* The home directory: $HOME when it is absolute, else the password database's entry
 * (AL_EINVAL when neither gives an absolute path, -ENAMETOOLONG past outlen). */
int paths_home(char *out, size_t outlen);

/* $XDG_CONFIG_HOME/airlock/<name> (or ~/.config/...). */
int paths_config(const char *name, int create_dir, char *out, size_t outlen);

/* $XDG_STATE_HOME/airlock/<name> (or ~/.local/state/...). */
int paths_state(const char *name, int create_dir, char *out, size_t outlen);

/* The control socket, $XDG_RUNTIME_DIR/airlock/airlockd.sock (or ~/.cache/airlock/...
 * when XDG_RUNTIME_DIR is unset); fails with -ENAMETOOLONG if it cannot be a socket
 * address. */
int paths_socket(int create_dir, char *out, size_t outlen);

#endif
