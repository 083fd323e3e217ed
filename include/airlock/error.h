/*
 * error.h: airlock's error codes.
 *
 * Every function that can fail returns int: 0 on success, a negative value on failure.
 * A failure is either -errno (passed through from the C library) or one of the AL_E*
 * codes below, which all lie below AL__ERRBASE so that they never collide with errno.
 *
 * Functions that reject input also leave a one-line detail (which field, which member,
 * which byte) in a thread-local buffer, read with al_errdetail().
 */
#ifndef AIRLOCK_ERROR_H
#define AIRLOCK_ERROR_H

#include <stddef.h>

#define AL_WUR __attribute__((warn_unused_result))
#define AL_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* X(NAME, message): the one table of airlock's own errors. */
#define AL_ERRNO_MAP(X)                                                                            \
    X(NOMEM, "out of memory")                                                                      \
    X(INVAL, "invalid argument")                                                                   \
    X(TOOBIG, "input exceeds its size limit")                                                      \
    X(TRUNCATED, "input is truncated")                                                             \
    X(TRAILING, "trailing data after the end")                                                     \
    X(UTF8, "invalid UTF-8")                                                                       \
    X(NUL, "NUL byte in text")                                                                     \
    X(JSON, "malformed JSON")                                                                      \
    X(JSONDEPTH, "JSON nested too deeply")                                                         \
    X(JSONDUPKEY, "duplicate key in JSON object")                                                  \
    X(JSONUNKNOWN, "unknown field")                                                                \
    X(JSONMISSING, "missing required field")                                                       \
    X(JSONTYPE, "field has the wrong type")                                                        \
    X(FIELD, "field has an invalid value")                                                         \
    X(FORMAT, "unknown format version")                                                            \
    X(TAR, "malformed tar archive")                                                                \
    X(NOTFIRST, "manifest.json is not the first member")                                           \
    X(UNLISTED, "member not listed in the manifest")                                               \
    X(DUPLICATE, "entry listed or stored twice")                                                   \
    X(MISSING, "listed entry missing from the archive")                                            \
    X(ORDER, "members not in manifest order")                                                      \
    X(SIZE, "member size does not match the manifest")                                             \
    X(HASH, "member hash does not match the manifest")                                             \
    X(PATH, "unsafe member path")                                                                  \
    X(SYMLINK, "member is a symbolic link")                                                        \
    X(HARDLINK, "member is a hard link")                                                           \
    X(DEVICE, "member is a device node")                                                           \
    X(FIFO, "member is a FIFO")                                                                    \
    X(DIRECTORY, "member is a directory")                                                          \
    X(FILETYPE, "not a regular file")                                                              \
    X(MEMBERSIZE, "member exceeds the size limit")                                                 \
    X(TOTALSIZE, "plan exceeds the total size limit")                                              \
    X(COUNT, "too many entries")                                                                   \
    X(NONCANON, "archive is not in canonical form")                                                \
    X(KEY, "malformed key")                                                                        \
    X(KEYALG, "unsupported key or signature algorithm")                                            \
    X(PASSPHRASE, "wrong passphrase or corrupt secret key")                                        \
    X(SIGFORMAT, "malformed signature file")                                                       \
    X(KEYID, "signature made by a different key")                                                  \
    X(SIGNATURE, "signature does not match the file")                                              \
    X(GLOBALSIG, "trusted comment signature is invalid")                                           \
    X(COMMENT, "trusted comment does not match the plan")                                          \
    X(EXISTS, "file already exists")                                                               \
    X(SANDBOX, "the compartment could not be set up")                                              \
    X(CONFIG, "invalid configuration")                                                             \
    X(AUDIT, "the audit log's hash chain is broken")                                               \
    X(NOTFOUND, "no such plan or session")                                                         \
    X(STATE, "not allowed in the current state")                                                   \
    X(QUOTA, "over the configured cap")                                                            \
    X(PROTO, "malformed control message")                                                          \
    X(UNSTABLE, "file changed while it was being read")                                            \
    X(PEER, "connection from another user refused")                                                \
    X(BLOCKED, "the plan has a finding that blocks approval")                                      \
    X(CANARY, "a seeded canary would leave")

enum {
    AL__ERRBASE = -4096,
#define AL__ERRDEF(name, msg) AL_E##name,
    AL__ERRFIRST = AL__ERRBASE - 1 - 64, /* keeps room; codes count up from here */
    AL_ERRNO_MAP(AL__ERRDEF)
#undef AL__ERRDEF
        AL__ERRLAST
};

/* Human-readable message for r (an AL_E* code or -errno). Never NULL. */
const char *al_strerror(int r);

/* Short symbolic name ("EHASH", "ENOENT") for scripts and tests. Never NULL. */
const char *al_errname(int r);

/* The detail left by the most recent failure in this thread ("" if none). */
const char *al_errdetail(void);

/* Clears the detail. */
void al_errclear(void);

/* Sets the detail from fmt and returns r, so rejections read: return al__fail(AL_EX, ...). */
int al__fail(int r, const char *fmt, ...) AL_PRINTF(2, 3);

/* Puts fmt's text and ": " in front of the current detail; returns r. */
int al__prefix(int r, const char *fmt, ...) AL_PRINTF(2, 3);

#endif
