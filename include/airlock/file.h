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

#endif
