/* buf.c: bounded dynamic buffers (see buf.h). */
#include <airlock/buf.h>
#include <airlock/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
al_buf_init(struct al_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->secret = 0;
}

void
al_buf_init_secret(struct al_buf *b, size_t max)
{
    al_buf_init(b, max);
    b->secret = 1;
}

void
al_buf_close(struct al_buf *b)
{
    int secret = b->secret;

    if (secret && b->data != NULL)
        explicit_bzero(b->data, b->cap);
    free(b->data);
    al_buf_init(b, b->max);
    b->secret = secret;
}

void
al_buf_reset(struct al_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Makes room for n more bytes plus the terminating NUL. */
static int
reserve(struct al_buf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (n > b->max || b->len > b->max - n)
        return AL_ETOOBIG;
    need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap != 0 ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max < SIZE_MAX && cap > b->max + 1)
        cap = b->max + 1;
    if (b->secret) {
        /* realloc could leave a copy behind; move by hand and wipe the old block. */
        if ((p = malloc(cap)) == NULL)
            return AL_ENOMEM;
        if (b->data != NULL) {
            memcpy(p, b->data, b->len + 1);
            explicit_bzero(b->data, b->cap);
            free(b->data);
        }
    } else if ((p = realloc(b->data, cap)) == NULL) {
        return AL_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int
al_buf_reserve(struct al_buf *b, size_t n)
{
    return reserve(b, n);
}

int
al_buf_append(struct al_buf *b, const void *p, size_t n)
{
    int r;

    if ((r = reserve(b, n)) != 0)
        return r;
    if (n != 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int
al_buf_appendc(struct al_buf *b, char c)
{
    return al_buf_append(b, &c, 1);
}

int
al_buf_vprintf(struct al_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n, r;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return AL_EINVAL;
    if ((r = reserve(b, (size_t)n)) != 0)
        return r;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
al_buf_printf(struct al_buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = al_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

int
al_buf_read_fd(struct al_buf *b, int fd)
{
    char chunk[16384];
    ssize_t n;
    int r;

    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return 0;
        if ((r = al_buf_append(b, chunk, (size_t)n)) != 0)
            return r;
    }
}

int
al_buf_read_path(struct al_buf *b, const char *path, int nofollow)
{
    int fd, r;

    al_errclear();
    if ((fd = al_file_open_regular(path, nofollow, NULL)) < 0)
        return fd;
    r = al_buf_read_fd(b, fd);
    close(fd);
    if (r == AL_ETOOBIG)
        return al__fail(r, "%s is larger than %zu bytes", path, b->max);
    if (r != 0)
        return al__fail(r, "%s", path);
    return 0;
}

char *
al_buf_steal(struct al_buf *b, size_t *lenp)
{
    char *p = b->data;

    if (lenp != NULL)
        *lenp = b->len;
    al_buf_init(b, b->max); /* the caller now owns p, and its wiping */
    return p;
}
