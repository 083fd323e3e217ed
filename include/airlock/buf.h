/*
 * buf.h: bounded dynamic buffers.
 *
 * A buffer grows on demand up to the maximum given at init, and never beyond: an append
 * that would cross it fails with AL_ETOOBIG and leaves the buffer as it was. The data is
 * always followed by a NUL byte (not counted in len) so text can be handed to C APIs.
 */
#ifndef AIRLOCK_BUF_H
#define AIRLOCK_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include <airlock/error.h>

struct al_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
    int secret; /* wipe every block before letting go of it (al_buf_init_secret) */
};

void al_buf_init(struct al_buf *b, size_t max);
/* For key files and other secrets: growing and closing overwrite the memory let go of. */
void al_buf_init_secret(struct al_buf *b, size_t max);
void al_buf_close(struct al_buf *b);
/* Forgets the contents but keeps the memory. */
void al_buf_reset(struct al_buf *b);

/* Makes room for n more bytes now, so that appending them will not reallocate. */
int al_buf_reserve(struct al_buf *b, size_t n) AL_WUR;
int al_buf_append(struct al_buf *b, const void *p, size_t n) AL_WUR;
int al_buf_appendc(struct al_buf *b, char c) AL_WUR;
int al_buf_printf(struct al_buf *b, const char *fmt, ...) AL_PRINTF(2, 3) AL_WUR;
int al_buf_vprintf(struct al_buf *b, const char *fmt, va_list ap) AL_WUR;

/*
 * Reads all of fd into b. Fails with AL_ETOOBIG as soon as more than b->max bytes
 * arrive, before allocating for them.
 */
int al_buf_read_fd(struct al_buf *b, int fd) AL_WUR;

/*
 * Opens path read-only (never following a final symlink if nofollow) and without blocking,
 * and reads it into b. Anything but a regular file is refused with AL_EFILETYPE.
 */
int al_buf_read_path(struct al_buf *b, const char *path, int nofollow) AL_WUR;

/*
 * Hands the data to the caller (who frees it with free()) and resets b to empty.
 * Returns NULL for an empty buffer that never allocated.
 */
char *al_buf_steal(struct al_buf *b, size_t *lenp);

#endif
