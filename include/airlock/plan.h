/*
 * plan.h: approving and checking plans, the artifact and its signature together.
 *
 * An approval is a minisign signature over the artifact's exact bytes whose trusted
 * comment reads "airlock id=<id> from=<side> to=<side> approved=<time>". Binding id and
 * direction into the signed comment means a signature cannot be moved to another plan or
 * replayed in the other direction.
 */
#ifndef AIRLOCK_PLAN_H
#define AIRLOCK_PLAN_H

#include <stddef.h>
#include <time.h>

#include <airlock/artifact.h>
#include <airlock/sign.h>

struct al_approval {
    char id[AL_ID_HEXLEN + 1];
    enum al_side from, to;
    time_t approved;
};

/* Builds the trusted comment for a. out needs AL_COMMENT_MAX + 1 bytes. */
int al_plan_comment(const struct al_approval *a, char *out, size_t outlen) AL_WUR;

/* Parses a trusted comment in exactly the form above (AL_ECOMMENT otherwise). */
int al_plan_comment_parse(const char *comment, struct al_approval *out) AL_WUR;

/*
 * Approves the plan in data[0..len): reads it strictly (so only a valid plan is ever
 * signed), then signs it with a trusted comment naming its id, direction and `approved`.
 * Appends the .minisig text to sig.
 */
int al_plan_sign(const struct al_seckey *sk, const char *data, size_t len,
                 const struct al_plan_limits *lim, time_t approved, struct al_buf *sig) AL_WUR;

/*
 * Checks an approved plan, in this order: key id, signature, global signature over the
 * trusted comment, the comment's form, the artifact itself, and that the comment's id,
 * from and to match the manifest. On success, if out is not NULL it receives the read
 * artifact, and if approval is not NULL it receives the comment's values.
 */
int al_plan_verify(const struct al_pubkey *pk, const char *data, size_t len, const char *sig,
                   size_t siglen, const struct al_plan_limits *lim, struct al_artifact **out,
                   struct al_approval *approval) AL_WUR;

#endif
