/* file.h: writing files so that a reader never sees half of one. */
#ifndef AIRLOCK_FILE_H
#define AIRLOCK_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include <airlock/error.h>

#define AL_FILE_EXCL 0x1 /* fail with AL_EEXISTS rather than replace an existing file */

/*
 * Writes data to path through a temporary file in the same directory, fsync, then
 * rename (or link, for AL_FILE_EXCL, which cannot race with another writer), then fsync
 * of the directory, so that on success the file is on disk under its name.
 */
int al_file_write(const char *path, const void *data, size_t len, mode_t mode,
                  unsigned flags) AL_WUR;

struct stat;

/*
 * Opens path for reading without blocking (never following a final symbolic link if
 * nofollow) and checks that it is a regular file (AL_EFILETYPE otherwise; a FIFO does not
 * hang the open). Returns the descriptor (close-on-exec) and fills *st if not NULL, or a
 * negative code with the detail naming path.
 */
int al_file_open_regular(const char *path, int nofollow, struct stat *st) AL_WUR;

/* fsync of directory dir, which makes a name created, renamed or removed in it durable. */
int al_file_sync_dir(const char *dir) AL_WUR;

/* al_file_sync_dir of the directory that holds path. */
int al_file_sync_parent(const char *path) AL_WUR;

/* Writes all n bytes to fd, retrying short writes and EINTR; -errno on failure. */
int al_write_all(int fd, const void *data, size_t n) AL_WUR;

#endif
