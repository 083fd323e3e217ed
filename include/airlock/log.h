/*
 * log.h: diagnostics to stderr, one line each, prefixed with the program name.
 * The level comes from AIRLOCK_LOG (error, warn, info, debug; default warn).
 */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <airlock/error.h>

enum al_log_level { AL_LOG_ERROR, AL_LOG_WARN, AL_LOG_INFO, AL_LOG_DEBUG };

/* Sets the program name used as prefix and reads AIRLOCK_LOG. */
void al_log_init(const char *progname);
void al_log(enum al_log_level level, const char *fmt, ...) AL_PRINTF(2, 3);

#define al_error(...) al_log(AL_LOG_ERROR, __VA_ARGS__)
#define al_warn(...) al_log(AL_LOG_WARN, __VA_ARGS__)
#define al_info(...) al_log(AL_LOG_INFO, __VA_ARGS__)
#define al_debug(...) al_log(AL_LOG_DEBUG, __VA_ARGS__)

#endif
