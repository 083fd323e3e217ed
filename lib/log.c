/* log.c: one-line diagnostics on stderr (see log.h). */
#include <airlock/log.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "airlock";
static enum al_log_level threshold = AL_LOG_WARN;

void
al_log_init(const char *progname)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    const char *env = getenv("AIRLOCK_LOG");
    const char *slash;
    size_t i;

    if (progname != NULL) {
        slash = strrchr(progname, '/');
        prog = slash != NULL ? slash + 1 : progname;
    }
    if (env == NULL)
        return;
    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(env, levels[i]) == 0)
            threshold = (enum al_log_level)i;
}

void
al_log(enum al_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level > threshold)
        return;
    /* One fprintf per part keeps this async-unsafe but simple; it is never used in a child. */
    fprintf(stderr, "%s: ", prog);
    if (level == AL_LOG_WARN)
        fputs("warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
