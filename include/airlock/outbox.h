/*
 * outbox.h: taking proposals out of a compartment's outbox without trusting it.
 *
 * The outbox is written by the agent, so everything in it is hostile: names, types, sizes
 * and contents, and it may change while it is read. Each entry at the top of the outbox
 * is one proposal:
 *
 *   - a regular file is a plan of that one file, whose path in the plan is its name;
 *   - a directory is a plan of the regular files beneath it (paths relative to it, at
 *     most AL_PATH_MAX_DEPTH components), empty directories ignored.
 *
 * Entries are taken in byte order of their names. Every open is relative to the outbox
 * (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV, O_NOFOLLOW | O_NONBLOCK | O_NOCTTY), so a symbolic link is never
 * followed, a FIFO never blocks and a device is never read. Sizes are checked with fstat
 * before reading and again while reading; a file whose size, mtime or ctime changes while
 * it is read is refused (AL_EUNSTABLE) rather than taken half-written. The bytes taken
 * are a copy: what the agent writes later changes nothing. Collection never changes the
 * outbox.
 *
 * A proposal that breaks a rule is refused with a code and a reason naming the file and
 * the rule (symbolic link AL_ESYMLINK, FIFO AL_EFIFO, device AL_EDEVICE, socket or other
 * type AL_EFILETYPE, over a size cap AL_EMEMBERSIZE / AL_ETOOBIG... see the rules below),
 * so the person sees it; nothing is dropped silently.
 */
#ifndef AIRLOCK_OUTBOX_H
#define AIRLOCK_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <airlock/artifact.h>
#include <airlock/error.h>
#include <airlock/manifest.h>

#define AL_OUTBOX_SCAN_MAX 256 /* top-level entries examined in one collection */
#define AL_OUTBOX_REASON_MAX 512

struct al_outbox_limits {
    struct al_plan_limits plan; /* per proposal: total bytes, bytes per file, file count */
    uint32_t max_proposals;     /* proposals accepted in this collection; the rest AL_EQUOTA */
};

struct al_proposal {
    char *name;   /* owned: the top-level entry's name, escaped to printable ASCII (\xNN) */
    int err;      /* 0 accepted, or the negative AL_E* code of the refusal */
    char *reason; /* owned: refusals only, "<path>: <what is wrong>", printable ASCII */
    size_t n_files;
    struct al_plan_file *files;        /* accepted only; paths and bytes owned by the result */
    unsigned char digest[AL_HASH_LEN]; /* accepted only: BLAKE2b-256 over paths and bytes */
};

struct al_outbox;

/*
 * Collects every proposal in the outbox directory dirfd (not consumed; read from its
 * start each time). Rules, each its own code:
 *   - a name that is not a valid plan path (al_path_check): AL_EPATH;
 *   - symbolic link AL_ESYMLINK, FIFO AL_EFIFO, character or block device AL_EDEVICE,
 *     socket AL_EFILETYPE (at the top or inside a directory proposal);
 *   - a file over lim->plan.max_member AL_EMEMBERSIZE, a proposal over max_total
 *     AL_ETOTALSIZE, over max_entries files AL_ECOUNT, deeper than AL_PATH_MAX_DEPTH
 *     AL_EPATH, all decided from fstat before any byte is read;
 *   - text that is not valid UTF-8 AL_EUTF8 or holds NUL AL_ENUL (the artifact's rules);
 *   - a file that changed while read AL_EUNSTABLE; unreadable (mode 000) -EACCES;
 *   - accepted proposals beyond lim->max_proposals: AL_EQUOTA;
 *   - more than AL_OUTBOX_SCAN_MAX top-level entries: the first AL_OUTBOX_SCAN_MAX are
 *     examined and one more refusal, named "...", says how many were not.
 * Returns 0 with *out (possibly empty), or a negative code when the outbox itself cannot
 * be read (-errno, AL_ENOMEM): a refusal of one proposal is not a failure of the call.
 */
int al_outbox_collect(int dirfd, const struct al_outbox_limits *lim, struct al_outbox **out) AL_WUR;

size_t al_outbox_count(const struct al_outbox *o);
/* Proposal i, 0 <= i < count, in name order (the "..." summary last). Owned by o. */
const struct al_proposal *al_outbox_get(const struct al_outbox *o, size_t i);

void al_outbox_free(struct al_outbox *o);

#endif
