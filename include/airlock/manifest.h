/*
 * manifest.h: the manifest.json of a plan artifact (format "airlock-plan/1").
 *
 * The manifest names the plan (random id), its direction, the session that proposed it,
 * when it was made, the person's original task, and every file the plan carries with its
 * size and BLAKE2b-256 hash. docs/formats/artifact.md specifies it; this module parses it
 * strictly and emits it canonically.
 */
#ifndef AIRLOCK_MANIFEST_H
#define AIRLOCK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <airlock/buf.h>
#include <airlock/error.h>

#define AL_PLAN_FORMAT "airlock-plan/1"
#define AL_MANIFEST_NAME "manifest.json"
#define AL_ID_HEXLEN 32              /* 128-bit id as lowercase hex */
#define AL_HASH_LEN 32               /* BLAKE2b-256 per entry */
#define AL_PATH_MAX 100              /* fits the ustar name field without a prefix */
#define AL_PATH_MAX_DEPTH 8          /* components */
#define AL_SESSION_MAX 64            /* [A-Za-z0-9._:-] */
#define AL_TASK_MAX 16384            /* bytes of UTF-8 */
#define AL_MANIFEST_MAX (256 * 1024) /* bytes of JSON */

#define AL_PLAN_DEFAULT_MAX_BYTES 65536
#define AL_PLAN_DEFAULT_MAX_ENTRIES 64
#define AL_PLAN_HARD_MAX_BYTES (64ULL * 1024 * 1024)

enum al_side { AL_SIDE_OFFLINE, AL_SIDE_ONLINE };

/* Caps applied when reading or packing a plan; every one is checked before allocating. */
struct al_plan_limits {
    uint64_t max_total;   /* sum of member sizes */
    uint64_t max_member;  /* one member */
    uint32_t max_entries; /* members besides manifest.json */
};

struct al_manifest_entry {
    char *path; /* owned */
    uint64_t size;
    unsigned char blake2b[AL_HASH_LEN];
    const char *media_type; /* static string from the allowed list */
};

struct al_manifest {
    char id[AL_ID_HEXLEN + 1];
    enum al_side from, to;
    char session[AL_SESSION_MAX + 1];
    time_t created;
    char *task; /* owned, UTF-8, may be "" */
    size_t n_entries;
    struct al_manifest_entry *entries; /* owned, sorted by path, unique */
};

void al_plan_limits_default(struct al_plan_limits *lim);

const char *al_side_name(enum al_side s);
int al_side_parse(const char *s, enum al_side *out) AL_WUR;

/* Fills out with a fresh random id. */
void al_id_new(char out[AL_ID_HEXLEN + 1]);
int al_id_check(const char *id) AL_WUR;
int al_session_check(const char *session) AL_WUR;

/*
 * Checks a member path: 1 to AL_PATH_MAX bytes of valid UTF-8, relative, components
 * separated by single '/', none empty, "." or "..", at most AL_PATH_MAX_DEPTH of them,
 * no control, invisible or bidi characters, and not the reserved manifest name.
 * Fails with AL_EPATH and a detail naming the problem.
 */
int al_path_check(const char *path) AL_WUR;

/* The media type recorded for a path, chosen from its extension (all text types). */
const char *al_media_type_for(const char *path);

/* Parses manifest JSON strictly (closed schema, every field validated) under lim. */
int al_manifest_parse(const char *json, size_t len, const struct al_plan_limits *lim,
                      struct al_manifest **out) AL_WUR;

/* Appends the canonical JSON text of m to out. */
int al_manifest_emit(const struct al_manifest *m, struct al_buf *out) AL_WUR;

void al_manifest_free(struct al_manifest *m);

#endif
