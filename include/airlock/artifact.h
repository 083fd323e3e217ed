/*
 * artifact.h: the plan artifact, <id>.airlock.
 *
 * A plan is a ustar archive in one canonical byte form: manifest.json first, then each
 * listed file in manifest order (sorted by path), regular files only, mode 0644, owner
 * 0:0, mtime = the manifest's creation time, 512-byte blocks, no padding after the
 * end-of-archive marker. Packing the same files with the same manifest values always
 * gives the same bytes, and the reader accepts only bytes the packer would produce, so
 * every tar reader that opens an accepted plan sees the same files.
 * docs/formats/artifact.md is the specification.
 */
#ifndef AIRLOCK_ARTIFACT_H
#define AIRLOCK_ARTIFACT_H

#include <stddef.h>
#include <time.h>

#include <airlock/buf.h>
#include <airlock/error.h>
#include <airlock/manifest.h>

/* One file to pack: path inside the plan and its bytes (not owned). */
struct al_plan_file {
    const char *path;
    const char *data;
    size_t len;
};

/* The manifest values of a new plan. id NULL means a fresh random id. */
struct al_plan_meta {
    const char *id;
    enum al_side from, to;
    const char *session;
    time_t created;
    const char *task;
};

struct al_artifact;

/*
 * Packs files into a new plan appended to out. Files may come in any order; they are
 * sorted by path. Each is checked as the reader would check it (path, text, limits), so
 * the packer never produces a plan the reader rejects.
 */
int al_artifact_pack(const struct al_plan_meta *meta, const struct al_plan_file *files, size_t n,
                     const struct al_plan_limits *lim, struct al_buf *out) AL_WUR;

/* The largest artifact, in bytes, that can hold a plan within lim. */
size_t al_artifact_max_bytes(const struct al_plan_limits *lim);

/*
 * Reads and checks a plan held in data[0..len). Every rule in docs/formats/artifact.md
 * has its own error code; al_errdetail() names the member or field. On success *out owns
 * a copy of everything it needs (data may be freed).
 */
int al_artifact_read(const char *data, size_t len, const struct al_plan_limits *lim,
                     struct al_artifact **out) AL_WUR;

const struct al_manifest *al_artifact_manifest(const struct al_artifact *a);

/* The bytes of entry i (as listed in the manifest), owned by a. */
void al_artifact_member(const struct al_artifact *a, size_t i, const char **data, size_t *len);

void al_artifact_free(struct al_artifact *a);

#endif
