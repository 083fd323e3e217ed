/*
 * store.h: the plan queue on disk.
 *
 * Every transition is durable (written, fsync'd, renamed into place, directory fsync'd)
 * before the call returns, so the supervisor can acknowledge it; after a crash at any
 * point, al_store_open finds each plan in the last state that was made durable. Layout
 * under the store directory (mode 0700), docs/internals/store.md specifies it:
 *
 *   plans/<id>/plan.airlock          the artifact's exact bytes, never changed
 *   plans/<id>/plan.airlock.minisig  the approval, once approved
 *   plans/<id>/state.json            the record below, replaced atomically
 *   refused/<n>/reason.json          refused proposals kept for inspection, with a
 *   refused/<n>/data                 bounded copy of what could safely be read
 *
 * A plan directory (and a refused/<n>/) is built under a temporary name (.new-<id>) and
 * renamed into place, so it is either wholly there or not at all; leftovers of an
 * interrupted add, and al_file_write's temporary files, are removed on open. A signature
 * found beside a plan that is not approved (a crash between writing it and writing the
 * state) never took effect: open removes it and the plan stays as recorded.
 *
 * One process at a time: open takes an exclusive flock on the store directory (-EBUSY if
 * another open store holds it); it is released by al_store_close or the process's exit.
 *
 * States and the only transitions allowed (AL_ESTATE otherwise):
 *   pending -> approved -> delivering -> delivered
 *   pending -> rejected, pending -> expired, delivering -> approved (start failed)
 * "delivering" names the session being started. The supervisor starts that session gated
 * (its command cannot run before release) and marks the plan delivered before releasing
 * it, so a plan found "delivering" on open never ran: open turns it back into approved,
 * and the supervisor delivers it again. A plan is thus delivered at most once and an
 * approved plan is never lost. Every function below that takes an id fails with
 * AL_ENOTFOUND for an id not in the store.
 */
#ifndef AIRLOCK_STORE_H
#define AIRLOCK_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <airlock/buf.h>
#include <airlock/error.h>
#include <airlock/manifest.h>
#include <airlock/sign.h>

enum al_plan_state {
    AL_PLAN_PENDING,
    AL_PLAN_APPROVED,
    AL_PLAN_DELIVERING,
    AL_PLAN_DELIVERED,
    AL_PLAN_REJECTED,
    AL_PLAN_EXPIRED,
};

#define AL_REASON_MAX 1024 /* bytes of a rejection reason */
#define AL_FINDINGS_MAX (1024 * 1024)

struct al_plan_record {
    char id[AL_ID_HEXLEN + 1];
    enum al_side from, to;
    enum al_plan_state state;
    char session[AL_SESSION_MAX + 1];      /* the session that proposed it */
    char delivered_to[AL_SESSION_MAX + 1]; /* delivering/delivered: the receiving session */
    time_t created;                        /* the manifest's creation time */
    time_t changed;                        /* the last transition */
    uint64_t size;                         /* bytes of the artifact */
    unsigned char hash[AL_HASH_LEN];       /* BLAKE2b-256 of the artifact */
    char *task;                            /* owned: the manifest's task */
    char *reason;                          /* owned: rejection reason, or NULL */
    char *findings;                        /* owned: the scanner's findings, JSON array text */
};

struct al_store;

const char *al_plan_state_name(enum al_plan_state s);

/*
 * Opens (creating, 0700) the store at dir and loads every plan, recovering as described
 * above. A plan directory that cannot be read back (a state.json that fails to parse or
 * contradicts itself, an artifact whose size or hash differs from the record, a missing
 * signature under an approved plan, an unknown file) fails the open with AL_ESTATE and a
 * detail naming the plan ("plan <id>: ..."): the supervisor must not guess. -EBUSY if
 * another process has the store open.
 */
int al_store_open(const char *dir, struct al_store **out) AL_WUR;
void al_store_close(struct al_store *s);

/*
 * Adds a pending plan: reads the artifact strictly under lim (so only a valid plan is
 * queued; the reader's error otherwise), records findings (a JSON array, at most
 * AL_FINDINGS_MAX bytes and AL_JSON_MAX_DEPTH - 1 deep, kept in cJSON's unformatted form;
 * NULL means "[]"). AL_EEXISTS if a plan with that id is already queued. On success *out
 * points at the record, owned by s, valid until the next call that changes s.
 */
int al_store_add(struct al_store *s, const char *artifact, size_t len,
                 const struct al_plan_limits *lim, const char *findings,
                 const struct al_plan_record **out) AL_WUR;

/* Number of plans, and plan i in the order they were added (oldest first; the order is
 * recorded, so it survives a reopen). Owned by s; NULL for i out of range. */
size_t al_store_count(const struct al_store *s);
const struct al_plan_record *al_store_at(const struct al_store *s, size_t i);
/* The plan with this id, or NULL. */
const struct al_plan_record *al_store_find(const struct al_store *s, const char *id);
/* Number of plans in state st addressed to side to. */
size_t al_store_count_state(const struct al_store *s, enum al_side to, enum al_plan_state st);

/* Appends the artifact's bytes (re-read from disk and checked against the recorded
 * hash, AL_EHASH otherwise). */
int al_store_artifact(const struct al_store *s, const char *id, struct al_buf *out) AL_WUR;
/* Appends the approval's .minisig text (AL_ESTATE if the plan was never approved). */
int al_store_signature(const struct al_store *s, const char *id, struct al_buf *out) AL_WUR;
/* The path of the plan's directory (for binding its files into an inbox); -ENAMETOOLONG
 * if it does not fit in outlen. */
int al_store_plan_dir(const struct al_store *s, const char *id, char *out, size_t outlen) AL_WUR;

/*
 * pending -> approved: checks sig with al_plan_verify against pk and the stored bytes
 * under lim (key, signature, trusted comment id/from/to against the manifest), stores the
 * signature, then the state. Any failure leaves the plan pending, with the verifier's
 * error (AL_EKEYID another key, AL_ESIGNATURE other bytes, AL_ECOMMENT a trusted comment
 * naming another plan or direction...). AL_ESTATE if the plan is not pending (checked
 * first, so a replayed approval of a delivered plan is refused whatever it carries).
 */
int al_store_approve(struct al_store *s, const char *id, const char *sig, size_t siglen,
                     const struct al_pubkey *pk, const struct al_plan_limits *lim) AL_WUR;
/* approved -> delivering, naming the session that will receive it (AL_EFIELD if it is not
 * a valid session name). */
int al_store_delivering(struct al_store *s, const char *id, const char *session) AL_WUR;
/* delivering -> delivered. */
int al_store_delivered(struct al_store *s, const char *id) AL_WUR;
/* delivering -> approved, when the receiving session could not start. */
int al_store_undeliver(struct al_store *s, const char *id) AL_WUR;
/* pending -> rejected, with the person's reason (may be NULL; at most AL_REASON_MAX bytes
 * of UTF-8 without control characters, AL_EFIELD otherwise). */
int al_store_reject(struct al_store *s, const char *id, const char *reason) AL_WUR;
/* Every pending plan created (the manifest's time) before cutoff -> expired. Sets *n to
 * how many. A failure stops at that plan; those before it stay expired. */
int al_store_expire(struct al_store *s, time_t cutoff, size_t *n) AL_WUR;

/*
 * Keeps a refused proposal for inspection: reason.json names the session, the entry, the
 * error (al_errname of err, which must be negative), the reason, the time, the size len
 * and how many bytes were kept; data[0..len) (at most 64 KiB are kept, in the file
 * "data"; may be NULL, then no data file) is what could safely be read. name and reason
 * may be NULL, are at most 4096 bytes of UTF-8 (AL_ETOOBIG, AL_EUTF8). Returns the number
 * n of refused/<n>/, counting up from 1.
 */
int al_store_refuse(struct al_store *s, const char *session, const char *name, int err,
                    const char *reason, const char *data, size_t len, uint64_t *n) AL_WUR;

/*
 * Internal (lib/store.c, the fuzz target and the tests): state.json's reader and writer.
 * The parser applies the closed schema and every consistency rule open relies on; on
 * success *out owns its strings (al__store_record_clear) and *seq is the plan's place in
 * the queue. The emitter appends the record as one line and refuses (AL_EINVAL) a record
 * its parser would not read back.
 */
#define AL__STORE_STATE_MAX (AL_FINDINGS_MAX + 6 * (AL_TASK_MAX + AL_REASON_MAX) + 4096)
int al__store_state_parse(const char *text, size_t len, struct al_plan_record *out,
                          uint64_t *seq) AL_WUR;
int al__store_state_emit(const struct al_plan_record *rec, uint64_t seq, struct al_buf *out) AL_WUR;
void al__store_record_clear(struct al_plan_record *rec);

#endif
