/* support.h: small helpers shared by the unit tests, fuzz replays and benchmarks. */
#ifndef AIRLOCK_TEST_SUPPORT_H
#define AIRLOCK_TEST_SUPPORT_H

#include <stddef.h>

#include <airlock/buf.h>

/* Reads a whole file (up to max bytes) into b; aborts the process on failure. */
void ts_read_file(const char *path, size_t max, struct al_buf *b);

/* Reads a file under the vectors directory ("golden/plan.airlock"). */
void ts_read_vector(const char *rel, size_t max, struct al_buf *b);

/* A cmocka group setup that initialises libairlock (al_init). */
int ts_group_init(void **state);

/* Joins the vectors directory and rel into out. */
void ts_vector_path(const char *rel, char *out, size_t outlen);

#endif
