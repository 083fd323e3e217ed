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
 *   refused/<n>/<file>               bounded copy of what could safely be read
 *
 * A plan directory is built under a temporary name and renamed into place, so a plan is
 * either wholly there or not at all; leftovers of an interrupted add are removed on open.
 *
 * States and the only transitions allowed (AL_ESTATE otherwise):
 *   pending -> approved -> delivering -> delivered
 *   pending -> rejected, pending -> expired, delivering -> approved (start failed)
 * "delivering" names the session being started. The supervisor starts that session gated
 * (its command cannot run before release) and marks the plan delivered before releasing
 * it, so a plan found "delivering" on open never ran: open turns it back into approved,
 * and the supervisor delivers it again. A plan is thus delivered at most once and an
 * approved plan is never lost.
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
 * above. A plan directory that cannot be read back (a state.json that fails to parse, an
 * artifact whose hash differs from the record) fails the open with AL_ESTATE and a detail
 * naming it: the supervisor must not guess.
 */
int al_store_open(const char *dir, struct al_store **out) AL_WUR;
void al_store_close(struct al_store *s);

/*
 * Adds a pending plan: reads the artifact strictly under lim (so only a valid plan is
 * queued), records findings (a JSON array; NULL means "[]"). On success *out points at
 * the record, owned by s, valid until the next call that changes s.
 */
int al_store_add(struct al_store *s, const char *artifact, size_t len,
                 const struct al_plan_limits *lim, const char *findings,
                 const struct al_plan_record **out) AL_WUR;

/* Number of plans, and plan i in creation order (oldest first). Owned by s. */
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
/* The path of the plan's directory (for binding its files into an inbox). */
int al_store_plan_dir(const struct al_store *s, const char *id, char *out, size_t outlen) AL_WUR;

/*
 * pending -> approved: checks sig with al_plan_verify against pk and the stored bytes
 * under lim (key, signature, trusted comment id/from/to against the manifest), stores the
 * signature, then the state. Any failure leaves the plan pending.
 */
int al_store_approve(struct al_store *s, const char *id, const char *sig, size_t siglen,
                     const struct al_pubkey *pk, const struct al_plan_limits *lim) AL_WUR;
/* approved -> delivering, naming the session that will receive it. */
int al_store_delivering(struct al_store *s, const char *id, const char *session) AL_WUR;
/* delivering -> delivered. */
int al_store_delivered(struct al_store *s, const char *id) AL_WUR;
/* delivering -> approved, when the receiving session could not start. */
int al_store_undeliver(struct al_store *s, const char *id) AL_WUR;
/* pending -> rejected, with the person's reason (may be NULL; at most AL_REASON_MAX bytes
 * of UTF-8 without control characters, AL_EFIELD otherwise). */
int al_store_reject(struct al_store *s, const char *id, const char *reason) AL_WUR;
/* Every pending plan created before cutoff -> expired. Sets *n to how many. */
int al_store_expire(struct al_store *s, time_t cutoff, size_t *n) AL_WUR;

/*
 * Keeps a refused proposal for inspection: reason.json names the session, the entry, the
 * error and the reason; data[0..len) (at most 64 KiB are kept; may be NULL) is what could
 * safely be read. Returns the number n of refused/<n>/.
 */
int al_store_refuse(struct al_store *s, const char *session, const char *name, int err,
                    const char *reason, const char *data, size_t len, uint64_t *n) AL_WUR;

#endif
