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
 * Entries are taken in byte order of their names. Every open names one entry relative to
 * the outbox or to a directory opened beneath it, through openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV. An entry's type is read
 * first with fstat on an O_PATH | O_NOFOLLOW descriptor of the entry itself, which opens
 * neither a FIFO nor a device and is the link itself for a symbolic link; only regular
 * files and directories are then opened for reading (O_NOFOLLOW | O_NONBLOCK | O_NOCTTY),
 * and must still be the same inode. So a symbolic link is never followed, a FIFO never
 * blocks and a device is never opened or read. Sizes are checked with fstat before
 * reading and again while reading; a file whose size, mtime or ctime changes while it is
 * read, or that is removed or replaced between listing and reading, is refused
 * (AL_EUNSTABLE) rather than taken half-written, and so is a directory of a proposal
 * that changes while it is walked. The bytes taken are a copy: what the agent writes
 * later changes nothing. Collection never writes to the outbox (reading may update
 * access times).
 *
 * A proposal that breaks a rule is refused with a code and a reason naming the file and
 * the rule (see the list below), so the person sees it; nothing is dropped silently.
 * docs/internals/outbox.md explains each rule.
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
    /*
     * Owned: the top-level entry's name in printable ASCII: bytes 0x20 to 0x7E as they
     * are except '\\', which is doubled; every other byte as \xNN (uppercase hex).
     */
    char *name;
    int err; /* 0 accepted, or the negative AL_E* code of the refusal */
    /*
     * Owned, refusals only: "<path>: <what is wrong>", printable ASCII, shorter than
     * AL_OUTBOX_REASON_MAX. path is the name, and for a directory proposal "/" and the
     * path inside it of the entry that broke the rule, escaped as name is.
     */
    char *reason;
    size_t n_files;
    /*
     * Accepted only, sorted by path (bytewise); paths and bytes owned by the result.
     * Each data[len] is a NUL byte, not counted in len. Ready for al_artifact_pack().
     */
    struct al_plan_file *files;
    /*
     * Accepted only: BLAKE2b-256 (unkeyed) over, for each file in path order, its path's
     * length as 8 bytes little-endian, the path, its size as 8 bytes little-endian, and
     * its bytes.
     */
    unsigned char digest[AL_HASH_LEN];
};

struct al_outbox;

/*
 * Collects every proposal in the outbox directory dirfd (not consumed: the directory is
 * opened again through it and read from its start each time). Rules, each its own code;
 * a proposal is refused for the first one broken, walking its entries in name order:
 *   - accepted proposals beyond lim->max_proposals: AL_EQUOTA, and the entry is not
 *     opened at all (refused proposals do not count);
 *   - a name that is not a valid plan path (al_path_check): AL_EPATH;
 *   - symbolic link AL_ESYMLINK, FIFO AL_EFIFO, character or block device AL_EDEVICE,
 *     socket or any other type AL_EFILETYPE (at the top or inside a directory proposal);
 *   - inside a directory proposal, in name order at each level: deeper than
 *     AL_PATH_MAX_DEPTH components or a path longer than AL_PATH_MAX bytes or any other
 *     al_path_check failure AL_EPATH; more than lim->plan.max_entries files, more than
 *     AL_OUTBOX_SCAN_MAX directories, or one directory with more than max_entries +
 *     AL_OUTBOX_SCAN_MAX entries AL_ECOUNT;
 *   - a file over lim->plan.max_member AL_EMEMBERSIZE, a proposal over max_total
 *     AL_ETOTALSIZE, both decided from fstat before any byte is read (each cap is taken
 *     as at most AL_PLAN_HARD_MAX_BYTES);
 *   - a file or directory that changed while read, or vanished or was replaced between
 *     listing and opening: AL_EUNSTABLE;
 *   - text that is not valid UTF-8 AL_EUTF8 or holds NUL AL_ENUL (the artifact's rules);
 *   - an entry that cannot be opened or read: -errno (mode 000 gives -EACCES, except for
 *     a caller with CAP_DAC_OVERRIDE, such as root, who reads it);
 *   - more than AL_OUTBOX_SCAN_MAX top-level entries: the AL_OUTBOX_SCAN_MAX smallest
 *     names are examined, and one more refusal, AL_ECOUNT named "...", says how many
 *     were not. At most 65536 top-level entries are read (then "at least N").
 * Returns 0 with *out (possibly empty), or a negative code when the outbox itself cannot
 * be read or this process runs out of a resource: -errno (-ENOSYS without openat2,
 * -EMFILE, ...), AL_ENOMEM, AL_EINVAL for a negative dirfd or NULL lim; al_errdetail()
 * says which. A refusal of one proposal is not a failure of the call.
 */
int al_outbox_collect(int dirfd, const struct al_outbox_limits *lim, struct al_outbox **out) AL_WUR;

size_t al_outbox_count(const struct al_outbox *o);
/* Proposal i, 0 <= i < count, in name order ("..." last); NULL past the end. Owned by o. */
const struct al_proposal *al_outbox_get(const struct al_outbox *o, size_t i);

/* Frees o and everything its proposals own; al_outbox_free(NULL) is a no-op. */
void al_outbox_free(struct al_outbox *o);

#endif
