/* error.c: the messages and names behind AL_ERRNO_MAP, and the per-thread detail. */
#include <airlock/error.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char detail[512];

static const char *const messages[] = {
#define AL__MSG(name, msg) msg,
    AL_ERRNO_MAP(AL__MSG)
#undef AL__MSG
};

static const char *const names[] = {
#define AL__NAME(name, msg) "E" #name,
    AL_ERRNO_MAP(AL__NAME)
#undef AL__NAME
};

static int
index_of(int r)
{
    int first = AL__ERRFIRST + 1;

    if (r < first || r >= AL__ERRLAST)
        return -1;
    return r - first;
}

const char *
al_strerror(int r)
{
    int i = index_of(r);

    if (i >= 0)
        return messages[i];
    if (r < 0 && r > AL__ERRBASE)
        return strerror(-r);
    if (r == 0)
        return "success";
    return "unknown error";
}

const char *
al_errname(int r)
{
    int i = index_of(r);
    const char *n;

    if (i >= 0)
        return names[i];
    if (r < 0 && r > AL__ERRBASE) {
        n = strerrorname_np(-r);
        return n != NULL ? n : "EUNKNOWN";
    }
    return r == 0 ? "OK" : "EUNKNOWN";
}

const char *
al_errdetail(void)
{
    return detail;
}

void
al_errclear(void)
{
    detail[0] = '\0';
}

int
al__fail(int r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return r;
}

int
al__prefix(int r, const char *fmt, ...)
{
    char old[sizeof(detail)];
    size_t n;
    va_list ap;

    /* Copy first: formatting into the buffer we read from would be undefined. */
    memcpy(old, detail, sizeof(old));
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    n = strlen(detail);
    snprintf(detail + n, sizeof(detail) - n, ": %s", old);
    return r;
}

_Static_assert(AL__ERRLAST <= AL__ERRBASE, "AL_ERRNO_MAP outgrew its range below AL__ERRBASE");
