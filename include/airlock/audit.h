/*
 * audit.h: the audit log.
 *
 * JSON lines, one record per line, in the order the supervisor did things:
 *
 *   {"seq":7,"time":"2026-11-23T10:00:00Z","event":"plan.approved","data":{...},
 *    "prev":"<BLAKE2b-256 of line 6's exact bytes, hex>"}
 *
 * The first record's prev is 64 zeros. Because each record carries the hash of the one
 * before, editing, removing or reordering any record breaks the chain at the next one. A
 * head file beside the log ("<log>.head": "<seq> <hash of the last line>\n", replaced
 * atomically after every append) lets verification notice a log cut short at the end.
 * docs/formats/audit.md is the specification.
 */
#ifndef AIRLOCK_AUDIT_H
#define AIRLOCK_AUDIT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include <airlock/error.h>

#define AL_AUDIT_RECORD_MAX (64 * 1024) /* bytes of one line */

struct al_audit;

/*
 * Opens (creating, mode 0600) the log at path for appending. A last line left incomplete
 * by a crash mid-write is cut off (it was never acknowledged), and a head file one record
 * behind a log whose last record chains onto it is brought up to date (a crash between
 * the two writes). Anything else that disagrees fails with AL_EAUDIT.
 */
int al_audit_open(const char *path, struct al_audit **out) AL_WUR;

/*
 * Appends one record and makes it durable (fdatasync, then the head file) before
 * returning. event is a short dotted name ("session.start"); data is an object or NULL
 * and is not consumed.
 */
int al_audit_append(struct al_audit *a, const char *event, const cJSON *data) AL_WUR;

/* The number of records in the log (the last seq). */
uint64_t al_audit_count(const struct al_audit *a);

void al_audit_close(struct al_audit *a);

/*
 * Checks the whole log at path against its chain and its head file. Returns 0 and the
 * record count, or AL_EAUDIT with al_errdetail() naming the first bad line and why.
 */
int al_audit_verify(const char *path, uint64_t *records) AL_WUR;

#endif
