/*
 * demo.h: the files of examples/demo/ (the fixture site, the scripted agents and the demo
 * workspace), embedded in the `airlock` binary by examples/demo/embed.cmake so that
 * `airlock demo` needs nothing but itself, airlockd and airlock-tui.
 */
#ifndef AIRLOCK_DEMO_H
#define AIRLOCK_DEMO_H

#include <stddef.h>

struct demo_file {
    const char *path;          /* relative to examples/demo: "site/<host>/<page>", ... */
    const unsigned char *data; /* len bytes, then a NUL */
    size_t len;
};

extern const struct demo_file demo_files[]; /* sorted by path */
extern const size_t demo_nfiles;

#endif
