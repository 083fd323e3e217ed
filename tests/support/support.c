/* support.c: file helpers for tests (see support.h). */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>

#include <airlock/airlock.h>
#include <airlock/error.h>

#ifndef AIRLOCK_VECTORS
#define AIRLOCK_VECTORS "tests/vectors"
#endif

int
ts_group_init(void **state)
{
    (void)state;
    return al_init();
}

void
ts_vector_path(const char *rel, char *out, size_t outlen)
{
    const char *dir = getenv("AIRLOCK_VECTORS");

    snprintf(out, outlen, "%s/%s", dir != NULL ? dir : AIRLOCK_VECTORS, rel);
}

void
ts_read_file(const char *path, size_t max, struct al_buf *b)
{
    int r;

    al_buf_init(b, max);
    if ((r = al_buf_read_path(b, path, 0)) != 0) {
        fprintf(stderr, "cannot read %s: %s: %s\n", path, al_strerror(r), al_errdetail());
        abort();
    }
    if (b->data == NULL && al_buf_append(b, "", 0) != 0)
        abort();
}

void
ts_read_vector(const char *rel, size_t max, struct al_buf *b)
{
    char path[4096];

    ts_vector_path(rel, path, sizeof(path));
    ts_read_file(path, max, b);
}
