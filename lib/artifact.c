/* artifact.c: packing and strictly reading plan artifacts (see artifact.h). */
#include <airlock/artifact.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include <airlock/timefmt.h>
#include <airlock/utf8.h>

#define BLOCK 512

struct al_artifact {
    struct al_manifest *manifest;
    char **data; /* data[i] for manifest entry i, owned */
    size_t *lens;
};

size_t
al_artifact_max_bytes(const struct al_plan_limits *lim)
{
    /* A header and at most one block of padding per member, the manifest, two end blocks. */
    return (size_t)lim->max_total + ((size_t)lim->max_entries + 1) * 2 * BLOCK + AL_MANIFEST_MAX +
           2 * BLOCK;
}

/*
 * Where write_tar's bytes go: appended to out, or, when out is NULL, compared with
 * expect[0..expect_len) as they are produced, so the reader's canonical check needs no
 * second copy of the archive.
 */
struct sink {
    struct al_buf *out;
    const char *expect;
    size_t expect_len;
    size_t off;  /* bytes produced so far */
    int differs; /* a produced byte differs from expect at the same offset */
};

static la_ssize_t
write_cb(struct archive *a, void *ctx, const void *p, size_t n)
{
    struct sink *s = ctx;
    size_t k;

    if (s->out != NULL) {
        if (al_buf_append(s->out, p, n) != 0) {
            archive_set_error(a, ENOMEM, "output over its limit");
            return -1;
        }
        return (la_ssize_t)n;
    }
    k = s->off < s->expect_len ? s->expect_len - s->off : 0;
    if (k > n)
        k = n;
    if (k > 0 && memcmp(s->expect + s->off, p, k) != 0)
        s->differs = 1;
    s->off += n;
    return (la_ssize_t)n;
}

static int
write_member(struct archive *a, struct archive_entry *e, const char *path, const char *data,
             size_t len, time_t mtime)
{
    archive_entry_clear(e);
    archive_entry_copy_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK)
        return al__fail(AL_ETAR, "writing %s: %s", path, archive_error_string(a));
    if (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
        return al__fail(AL_ETAR, "writing %s: %s", path, archive_error_string(a));
    return 0;
}

/*
 * Writes the canonical archive for m, whose manifest text is json and whose entry i has
 * the bytes data[i]. Both the packer and the reader's canonical check come through here,
 * so there is one definition of the byte form.
 */
static int
write_tar(const struct al_manifest *m, const struct al_buf *json, const char *const *data,
          const size_t *lens, struct sink *out)
{
    struct archive *a = NULL;
    struct archive_entry *e = NULL;
    size_t i;
    int r = AL_ENOMEM;

    if ((a = archive_write_new()) == NULL || (e = archive_entry_new()) == NULL)
        goto out;
    /* ustar with 512-byte blocks and no padding of the last one: the smallest stable form. */
    if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
        archive_write_add_filter_none(a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a, BLOCK) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open(a, out, NULL, write_cb, NULL) != ARCHIVE_OK) {
        r = al__fail(AL_ETAR, "%s", archive_error_string(a));
        goto out;
    }
    if ((r = write_member(a, e, AL_MANIFEST_NAME, json->data, json->len, m->created)) != 0)
        goto out;
    for (i = 0; i < m->n_entries; i++)
        if ((r = write_member(a, e, m->entries[i].path, data[i], lens[i], m->created)) != 0)
            goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        r = al__fail(AL_ETAR, "%s", archive_error_string(a));
        goto out;
    }
    /* success */ r = 0;
out:
    archive_entry_free(e);
    archive_write_free(a);
    return r;
}

static int
check_text(const char *path, const char *data, size_t len)
{
    size_t bad = 0;
    int r;

    if ((r = al_utf8_check_text(data, len, &bad)) != 0)
        return al__fail(r, "%s: %s at byte %zu", path, r == AL_ENUL ? "NUL" : "invalid UTF-8", bad);
    return 0;
}

static int
cmp_files(const void *a, const void *b)
{
    return strcmp(((const struct al_plan_file *)a)->path, ((const struct al_plan_file *)b)->path);
}

int
al_artifact_pack(const struct al_plan_meta *meta, const struct al_plan_file *files, size_t n,
                 const struct al_plan_limits *lim, struct al_buf *out)
{
    struct al_manifest m;
    struct al_plan_file *sorted = NULL;
    const char **data = NULL;
    size_t *lens = NULL, i;
    struct al_buf json;
    uint64_t total = 0;
    int r = AL_ENOMEM;

    al_errclear();
    memset(&m, 0, sizeof(m));
    al_buf_init(&json, AL_MANIFEST_MAX);
    if (meta->from == meta->to || (unsigned)meta->from > 1 || (unsigned)meta->to > 1)
        return al__fail(AL_EFIELD, "from and to must be different compartments");
    {
        char t[AL_TIME_LEN + 1];

        if (al_time_format(meta->created, t) != 0)
            return al__fail(AL_EFIELD, "created time outside 1970 to %d", AL_TIME_MAX_YEAR);
    }
    if (meta->id != NULL && al_id_check(meta->id) != 0)
        return al__fail(AL_EFIELD, "id must be %d lowercase hex digits", AL_ID_HEXLEN);
    if (al_session_check(meta->session) != 0)
        return al__fail(AL_EFIELD, "session must be 1 to %d of [A-Za-z0-9._:-]", AL_SESSION_MAX);
    if (meta->task != NULL && strlen(meta->task) > AL_TASK_MAX)
        return al__fail(AL_EFIELD, "task longer than %d bytes", AL_TASK_MAX);
    if (meta->task != NULL && (r = check_text("task", meta->task, strlen(meta->task))) != 0)
        return r;
    if (n > lim->max_entries)
        return al__fail(AL_ECOUNT, "%zu files, limit %u", n, lim->max_entries);

    if (meta->id != NULL)
        memcpy(m.id, meta->id, AL_ID_HEXLEN + 1);
    else
        al_id_new(m.id);
    m.from = meta->from;
    m.to = meta->to;
    memcpy(m.session, meta->session, strlen(meta->session) + 1);
    m.created = meta->created;
    m.task = (char *)(uintptr_t)(meta->task != NULL ? meta->task : "");
    m.n_entries = n;
    r = AL_ENOMEM;
    if (n > 0 &&
        ((sorted = calloc(n, sizeof(*sorted))) == NULL ||
         (m.entries = calloc(n, sizeof(*m.entries))) == NULL ||
         (data = calloc(n, sizeof(*data))) == NULL || (lens = calloc(n, sizeof(*lens))) == NULL))
        goto out;
    if (n > 0)
        memcpy(sorted, files, n * sizeof(*files));
    if (n > 1)
        qsort(sorted, n, sizeof(*sorted), cmp_files);
    for (i = 0; i < n; i++) {
        struct al_manifest_entry *ent = &m.entries[i];

        if ((r = al_path_check(sorted[i].path)) != 0)
            goto out;
        if (i > 0 && strcmp(sorted[i - 1].path, sorted[i].path) == 0) {
            r = al__fail(AL_EDUPLICATE, "%s given twice", sorted[i].path);
            goto out;
        }
        if (sorted[i].len > lim->max_member) {
            r = al__fail(AL_EMEMBERSIZE, "%s is %zu bytes, limit %llu", sorted[i].path,
                         sorted[i].len, (unsigned long long)lim->max_member);
            goto out;
        }
        total += sorted[i].len;
        if (total > lim->max_total) {
            r = al__fail(AL_ETOTALSIZE, "files add up to more than %llu bytes",
                         (unsigned long long)lim->max_total);
            goto out;
        }
        if ((r = check_text(sorted[i].path, sorted[i].data, sorted[i].len)) != 0)
            goto out;
        ent->path = (char *)(uintptr_t)sorted[i].path;
        ent->size = sorted[i].len;
        ent->media_type = al_media_type_for(sorted[i].path);
        crypto_generichash(ent->blake2b, AL_HASH_LEN, (const unsigned char *)sorted[i].data,
                           sorted[i].len, NULL, 0);
        data[i] = sorted[i].data;
        lens[i] = sorted[i].len;
    }
    if ((r = al_manifest_emit(&m, &json)) != 0)
        goto out;
    {
        struct sink sink = {.out = out};
        size_t size = BLOCK + (json.len + BLOCK - 1) / BLOCK * BLOCK + 2 * BLOCK;

        /* The exact size is known: one allocation instead of a doubling series. */
        for (i = 0; i < n; i++)
            size += BLOCK + (lens[i] + BLOCK - 1) / BLOCK * BLOCK;
        if ((r = al_buf_reserve(out, size)) != 0)
            goto out;
        r = write_tar(&m, &json, data, lens, &sink);
    }
out:
    al_buf_close(&json);
    free(m.entries);
    free(sorted);
    free(data);
    free(lens);
    return r;
}

const struct al_manifest *
al_artifact_manifest(const struct al_artifact *a)
{
    return a->manifest;
}

void
al_artifact_member(const struct al_artifact *a, size_t i, const char **data, size_t *len)
{
    *data = a->data[i] != NULL ? a->data[i] : "";
    *len = a->lens[i];
}

void
al_artifact_free(struct al_artifact *a)
{
    size_t i;

    if (a == NULL)
        return;
    if (a->manifest != NULL && a->data != NULL)
        for (i = 0; i < a->manifest->n_entries; i++)
            free(a->data[i]);
    free(a->data);
    free(a->lens);
    al_manifest_free(a->manifest);
    free(a);
}

static int
all_zero(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/*
 * libarchive reports a header cut short with ARCHIVE_ERRNO_FILE_FORMAT, like every other
 * format error; only its message ("Truncated tar archive") tells the two apart.
 */
static int
tar_error(struct archive *a, size_t member)
{
    const char *msg = archive_error_string(a);

    if (msg != NULL && strstr(msg, "runcated") != NULL)
        return al__fail(AL_ETRUNCATED, "member %zu: %s", member, msg);
    return al__fail(AL_ETAR, "member %zu: %s", member, msg != NULL ? msg : "unreadable");
}

/* Refuses every member type but a regular file, each with its own code. */
static int
check_type(struct archive_entry *e, const char *path)
{
    if (archive_entry_hardlink(e) != NULL)
        return al__fail(AL_EHARDLINK, "%s is a hard link", path);
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        return 0;
    case AE_IFLNK:
        return al__fail(AL_ESYMLINK, "%s is a symbolic link", path);
    case AE_IFCHR:
    case AE_IFBLK:
        return al__fail(AL_EDEVICE, "%s is a device node", path);
    case AE_IFIFO:
        return al__fail(AL_EFIFO, "%s is a FIFO", path);
    case AE_IFDIR:
        return al__fail(AL_EDIRECTORY, "%s is a directory (plans hold files only)", path);
    default:
        return al__fail(AL_EFILETYPE, "%s has file type 0%o", path,
                        (unsigned)archive_entry_filetype(e));
    }
}

/* Reads exactly want bytes of the current member into a new buffer. */
static int
read_data(struct archive *a, const char *path, size_t want, char **out)
{
    char *p = NULL, extra;
    size_t got = 0;
    la_ssize_t k;
    int r;

    if ((p = malloc(want + 1)) == NULL)
        return AL_ENOMEM;
    while (got < want) {
        k = archive_read_data(a, p + got, want - got);
        if (k < 0) {
            r = al__fail(AL_ETRUNCATED, "%s: %s", path, archive_error_string(a));
            goto fail;
        }
        if (k == 0) {
            r = al__fail(AL_ETRUNCATED, "%s: data ends after %zu of %zu bytes", path, got, want);
            goto fail;
        }
        got += (size_t)k;
    }
    if ((k = archive_read_data(a, &extra, 1)) != 0) {
        r = k < 0 ? al__fail(AL_ETRUNCATED, "%s: %s", path, archive_error_string(a))
                  : al__fail(AL_ETAR, "%s: more data than its header declares", path);
        goto fail;
    }
    p[want] = '\0';
    *out = p;
    return 0;
fail:
    free(p);
    return r;
}

/* Finds path in the manifest; returns its index or -1. The list is sorted. */
static ssize_t
find_entry(const struct al_manifest *m, const char *path)
{
    size_t lo = 0, hi = m->n_entries, mid;
    int c;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strcmp(path, m->entries[mid].path);
        if (c == 0)
            return (ssize_t)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/*
 * Reads one member after the manifest. *next is one past the highest entry stored so far:
 * an entry may be skipped (it is then missing, unless it turns up later, which is out of
 * order), but never stored twice or behind one listed after it.
 */
static int
read_member(struct archive *a, struct archive_entry *e, struct al_artifact *art, size_t *next)
{
    const struct al_manifest *m = art->manifest;
    const char *path = archive_entry_pathname(e);
    unsigned char hash[AL_HASH_LEN];
    la_int64_t size;
    ssize_t idx;
    int r;

    if (path == NULL)
        return al__fail(AL_ETAR, "a member after %s has no readable name", AL_MANIFEST_NAME);
    if ((r = check_type(e, path)) != 0)
        return r;
    if (strcmp(path, AL_MANIFEST_NAME) == 0)
        return al__fail(AL_EDUPLICATE, "%s stored twice", AL_MANIFEST_NAME);
    if ((r = al_path_check(path)) != 0)
        return al__prefix(r, "member \"%.100s\"", path);
    if ((idx = find_entry(m, path)) < 0)
        return al__fail(AL_EUNLISTED, "%s is not listed in the manifest", path);
    if (art->data[idx] != NULL) /* read_data always allocates, even for 0 bytes */
        return al__fail(AL_EDUPLICATE, "%s stored twice", path);
    if ((size_t)idx < *next)
        return al__fail(AL_EORDER, "%s stored after %s", path, m->entries[*next - 1].path);
    *next = (size_t)idx + 1;
    size = archive_entry_size(e);
    if (!archive_entry_size_is_set(e) || size < 0)
        return al__fail(AL_ETAR, "%s has no size", path);
    if ((uint64_t)size != m->entries[idx].size)
        return al__fail(AL_ESIZE, "%s is %lld bytes, manifest says %llu", path, (long long)size,
                        (unsigned long long)m->entries[idx].size);
    if ((r = read_data(a, path, (size_t)size, &art->data[idx])) != 0)
        return r;
    art->lens[idx] = (size_t)size;
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)art->data[idx], art->lens[idx],
                       NULL, 0);
    if (sodium_memcmp(hash, m->entries[idx].blake2b, sizeof(hash)) != 0)
        return al__fail(AL_EHASH, "%s does not match its BLAKE2b hash", path);
    return check_text(path, art->data[idx], art->lens[idx]);
}

static int
read_manifest(struct archive *a, struct archive_entry *e, const struct al_plan_limits *lim,
              struct al_artifact *art)
{
    const char *path = archive_entry_pathname(e);
    char *json = NULL;
    la_int64_t size;
    int r;

    if (path == NULL || strcmp(path, AL_MANIFEST_NAME) != 0)
        return al__fail(AL_ENOTFIRST, "first member is \"%.100s\"", path ? path : "");
    if ((r = check_type(e, path)) != 0)
        return r;
    size = archive_entry_size(e);
    if (size < 0 || size > AL_MANIFEST_MAX)
        return al__fail(AL_ETOOBIG, "%s is over %d bytes", AL_MANIFEST_NAME, AL_MANIFEST_MAX);
    if ((r = read_data(a, path, (size_t)size, &json)) != 0)
        return r;
    r = al_manifest_parse(json, (size_t)size, lim, &art->manifest);
    free(json);
    if (r != 0)
        return r;
    if (art->manifest->n_entries > 0 &&
        ((art->data = calloc(art->manifest->n_entries, sizeof(*art->data))) == NULL ||
         (art->lens = calloc(art->manifest->n_entries, sizeof(*art->lens))) == NULL))
        return AL_ENOMEM;
    return 0;
}

/*
 * The last check: the bytes must be exactly what the packer writes for this manifest and
 * these members. This closes every difference between tar readers (pax or GNU extension
 * headers, a name split into ustar's prefix, odd modes, padding, a missing end marker) so
 * what the reviewer saw is what any tar tool extracts.
 */
static int
check_canonical(const struct al_artifact *art, const char *data, size_t len)
{
    struct sink cmp = {.expect = data, .expect_len = len};
    struct al_buf json;
    int r;

    al_buf_init(&json, AL_MANIFEST_MAX);
    if ((r = al_manifest_emit(art->manifest, &json)) != 0 ||
        (r = write_tar(art->manifest, &json, (const char *const *)art->data, art->lens, &cmp)) != 0)
        goto out;
    if (cmp.differs)
        r = al__fail(AL_ENONCANON, "archive bytes differ from the canonical packing");
    else if (len > cmp.off)
        r = al__fail(AL_ETRAILING, "%zu bytes after the end-of-archive marker", len - cmp.off);
    else if (len < cmp.off)
        r = al__fail(AL_ETRUNCATED, "archive ends %zu bytes early", cmp.off - len);
out:
    al_buf_close(&json);
    return r;
}

int
al_artifact_read(const char *data, size_t len, const struct al_plan_limits *lim,
                 struct al_artifact **out)
{
    struct al_artifact *art = NULL;
    struct archive *a = NULL;
    struct archive_entry *e;
    size_t max = al_artifact_max_bytes(lim), next = 0, members = 0, i;
    int r, ar;

    al_errclear();
    if (len > max)
        return al__fail(AL_ETOTALSIZE, "artifact is %zu bytes, limit %zu", len, max);
    if ((art = calloc(1, sizeof(*art))) == NULL || (a = archive_read_new()) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    /* Plain tar only: no compression filter is enabled, so a zip bomb cannot start. */
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        r = al__fail(AL_ETAR, "%s", archive_error_string(a));
        goto out;
    }
    for (;;) {
        ar = archive_read_next_header(a, &e);
        if (ar == ARCHIVE_EOF)
            break;
        if (ar != ARCHIVE_OK) {
            r = tar_error(a, members + (art->manifest ? 2 : 1));
            goto out;
        }
        if (art->manifest == NULL) {
            if ((r = read_manifest(a, e, lim, art)) != 0)
                goto out;
            continue;
        }
        /* Past the last entry read_member still runs every check, so a member stored
         * again after the last one is named a duplicate, a link a link. */
        if ((r = read_member(a, e, art, &next)) != 0)
            goto out;
        members++;
    }
    if (art->manifest == NULL) {
        r = al__fail(AL_ETAR, "no members: not a plan");
        goto out;
    }
    for (i = 0; i < art->manifest->n_entries; i++) {
        if (art->data[i] == NULL) {
            /* libarchive ends quietly at a block boundary without the end marker, so a
             * plan cut between members looks complete to it: without two zero blocks at
             * the end, the entry is missing because the plan was cut. */
            if (len < 2 * BLOCK || !all_zero(data + len - 2 * BLOCK, 2 * BLOCK)) {
                r = al__fail(AL_ETRUNCATED,
                             "no end-of-archive marker: the plan is cut short "
                             "before %s",
                             art->manifest->entries[i].path);
                goto out;
            }
            r = al__fail(AL_EMISSING, "%s is listed but not stored",
                         art->manifest->entries[i].path);
            goto out;
        }
    }
    if ((r = check_canonical(art, data, len)) != 0)
        goto out;
    *out = art;
    art = NULL; /* transferred */
    /* success */ r = 0;
out:
    archive_read_free(a);
    al_artifact_free(art);
    return r;
}
