/*
 * scan_provenance.c: how much of an outbound plan is copied verbatim from the offline
 * workspace, and from which files.
 *
 * The index holds word 8-gram shingles of the workspace's text files. Text is read in the
 * same folded view as the plan (lowercased, white space collapsed, hidden characters
 * dropped, look-alikes folded), so zero-width characters or a change of case do not hide a
 * copy. Each shingle is a 64-bit polynomial hash of its eight word hashes; winnowing (the
 * smallest hash of every eight consecutive shingles, the same rule on both sides) keeps
 * about one in five, and any copied passage of 15 words or more shares at least one kept
 * shingle with its source. The table has a fixed maximum of entries,
 * set when it is made: past it, files are still read but no more shingles are kept, and the
 * index says it is truncated. Files are added one at a time (a changed file can be added
 * again; its old shingles stay until the index is rebuilt).
 */
#include "scan_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <airlock/buf.h>
#include <airlock/utf8.h>

#define SHINGLE 8
#define WINDOW 8 /* winnowing window, in shingles */
/* A copied run of this many words is high: a sentence of someone's letter, not a name. */
#define COPIED_HIGH 12
#define FILE_MAX (8u << 20) /* larger files are skipped */
#define DIR_DEPTH_MAX 32
#define NAMES_MAX 65536

struct al_scan_index {
    uint64_t *keys; /* 0 = empty slot */
    uint32_t *file; /* file index + 1 for each slot */
    size_t slots, entries, max_entries;
    char **names;
    size_t n_names;
    uint64_t bytes;
    int truncated;
};

int
al_scan_index_new(size_t max_entries, struct al_scan_index **out)
{
    struct al_scan_index *ix = calloc(1, sizeof(*ix));

    if (ix == NULL)
        return AL_ENOMEM;
    ix->max_entries = max_entries ? max_entries : AL_SCAN_INDEX_ENTRIES_DEFAULT;
    ix->slots = 64;
    while (ix->slots < 2 * ix->max_entries)
        ix->slots *= 2;
    ix->keys = calloc(ix->slots, sizeof(*ix->keys));
    ix->file = calloc(ix->slots, sizeof(*ix->file));
    if (ix->keys == NULL || ix->file == NULL) {
        al_scan_index_free(ix);
        return AL_ENOMEM;
    }
    *out = ix;
    return 0;
}

void
al_scan_index_free(struct al_scan_index *ix)
{
    size_t i;

    if (ix == NULL)
        return;
    for (i = 0; i < ix->n_names; i++)
        free(ix->names[i]);
    free(ix->names);
    free(ix->keys);
    free(ix->file);
    free(ix);
}

size_t
al_scan_index_files(const struct al_scan_index *ix)
{
    return ix->n_names;
}

size_t
al_scan_index_entries(const struct al_scan_index *ix)
{
    return ix->entries;
}

int
al_scan_index_truncated(const struct al_scan_index *ix)
{
    return ix->truncated;
}

static int
word_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch >= 0x80;
}

static uint64_t
mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/*
 * Calls fn for the shingles of s[0..n) (a folded view: lowercase, single spaces) that
 * winnowing selects: in every window of WINDOW consecutive shingles, the one with the
 * smallest hash (the rightmost on a tie), each once. Two texts that share a run of
 * WINDOW + SHINGLE - 1 words or more select at least one common shingle, and inside a long
 * shared run a common one at least every WINDOW words. Returns AL_ENOMEM or 0.
 */
typedef void (*shingle_cb)(void *arg, uint64_t h, size_t word);

static int
shingles(const char *s, size_t n, shingle_cb fn, void *arg)
{
    uint64_t w[SHINGLE], pw = 1, h = 0, *hs = NULL;
    size_t i = 0, k = 0, j, m = 0, cap = 0, last = (size_t)-1, best;
    const uint64_t P = 0x100000001b3ull;

    for (j = 1; j < SHINGLE; j++)
        pw *= P;
    while (i < n) {
        uint64_t x = 0xcbf29ce484222325ull;

        if (!word_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        while (i < n && word_byte((unsigned char)s[i]))
            x = (x ^ (unsigned char)s[i++]) * 0x100000001b3ull;
        x = mix(x);
        /* Rolling: drop the oldest word, shift, add the new one. */
        if (k >= SHINGLE)
            h -= w[k % SHINGLE] * pw;
        h = h * P + x;
        w[k % SHINGLE] = x;
        k++;
        if (k < SHINGLE)
            continue;
        if (m == cap) {
            uint64_t *v;

            cap = cap ? 2 * cap : 1024;
            if ((v = realloc(hs, cap * sizeof(*v))) == NULL) {
                free(hs);
                return AL_ENOMEM;
            }
            hs = v;
        }
        hs[m++] = mix(h) | 1; /* never 0: 0 marks an empty slot */
    }
    /* Shingle i starts at word i. */
    for (i = 0; m > 0 && i + (m < WINDOW ? m : WINDOW) <= m; i++) {
        size_t end = i + (m < WINDOW ? m : WINDOW);

        for (best = i, j = i + 1; j < end; j++)
            if (hs[j] <= hs[best])
                best = j;
        if (best != last)
            fn(arg, hs[best], best);
        last = best;
    }
    free(hs);
    return 0;
}

struct adding {
    struct al_scan_index *ix;
    uint32_t file;
};

static void
add_shingle(void *arg, uint64_t h, size_t word)
{
    struct adding *ad = arg;
    struct al_scan_index *ix = ad->ix;
    size_t slot;

    (void)word;
    for (slot = h & (ix->slots - 1); ix->keys[slot] != 0; slot = (slot + 1) & (ix->slots - 1))
        if (ix->keys[slot] == h)
            return; /* the first file that has it keeps it */
    if (ix->entries >= ix->max_entries) {
        ix->truncated = 1;
        return;
    }
    ix->keys[slot] = h;
    ix->file[slot] = ad->file + 1;
    ix->entries++;
}

int
al_scan_index_add(struct al_scan_index *ix, const char *name, const char *text, size_t len)
{
    struct al__view v = {NULL, 0, NULL, 0};
    struct adding ad;
    char **names;
    int r;

    if (ix->n_names >= NAMES_MAX)
        return al__fail(AL_ECOUNT, "workspace index: more than %d files", NAMES_MAX);
    if ((names = realloc(ix->names, (ix->n_names + 1) * sizeof(*names))) == NULL)
        return AL_ENOMEM;
    ix->names = names;
    if ((names[ix->n_names] = strdup(name)) == NULL)
        return AL_ENOMEM;
    if ((r = al__view_fold(text, len, AL__FOLD_LOWER | AL__FOLD_SPACE, &v)) != 0) {
        free(names[ix->n_names]);
        return r;
    }
    ad.ix = ix;
    ad.file = (uint32_t)ix->n_names++;
    r = shingles(v.s, v.n, add_shingle, &ad);
    ix->bytes += len;
    al__view_close(&v);
    return r;
}

/* Text files only: valid UTF-8 without NUL (as plan members must be). */
static int
add_file(struct al_scan_index *ix, int dfd, const char *name, const char *path)
{
    struct al_buf b;
    struct stat st;
    int fd, r;

    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return 0; /* gone, or a link: skipped */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)FILE_MAX) {
        close(fd);
        return 0;
    }
    al_buf_init(&b, FILE_MAX);
    r = al_buf_read_fd(&b, fd);
    close(fd);
    if (r == 0 && b.len > 0 && al_utf8_check_text(b.data, b.len, NULL) == 0)
        r = al_scan_index_add(ix, path, b.data, b.len);
    else
        r = r == AL_ENOMEM ? r : 0;
    al_buf_close(&b);
    return r;
}

/* Walks dfd without following links: directory by directory, through descriptors. */
static int
add_tree(struct al_scan_index *ix, int dfd, const char *prefix, int depth)
{
    DIR *d;
    struct dirent *e;
    char path[4096];
    int r = 0, sub;

    if (depth > DIR_DEPTH_MAX)
        return 0;
    if ((d = fdopendir(dfd)) == NULL) {
        close(dfd);
        return 0;
    }
    while (r == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "/" : "", e->d_name) >=
            sizeof(path))
            continue;
        if (e->d_type == DT_DIR) {
            sub = openat(dirfd(d), e->d_name,
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            if (sub >= 0)
                r = add_tree(ix, sub, path, depth + 1);
        } else if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN) {
            r = add_file(ix, dirfd(d), e->d_name, path);
        }
    }
    closedir(d);
    return r;
}

int
al_scan_index_add_dir(struct al_scan_index *ix, const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);

    al_errclear();
    if (fd < 0)
        return al__fail(-errno, "workspace %s", dir);
    return add_tree(ix, fd, "", 0);
}

/* ---- the rule ---- */

struct match {
    const struct al_scan_index *ix;
    uint32_t *word_file; /* per plan word: file + 1 that has a shingle covering it, or 0 */
    size_t *word_a, *word_b;
    size_t words, cap;
    int failed;
};

static void
find_shingle(void *arg, uint64_t h, size_t word)
{
    struct match *m = arg;
    const struct al_scan_index *ix = m->ix;
    size_t slot, j;

    for (slot = h & (ix->slots - 1); ix->keys[slot] != 0; slot = (slot + 1) & (ix->slots - 1))
        if (ix->keys[slot] == h) {
            for (j = word; j < word + SHINGLE && j < m->words; j++)
                m->word_file[j] = ix->file[slot];
            return;
        }
}

/* Word boundaries of the view, in the same tokenisation as shingles(). */
static int
words_of(struct match *m, const char *s, size_t n)
{
    size_t i = 0, a;

    while (i < n) {
        if (!word_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        a = i;
        while (i < n && word_byte((unsigned char)s[i]))
            i++;
        if (m->words == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 256;
            size_t *wa = realloc(m->word_a, cap * sizeof(*wa)), *wb;

            if (wa == NULL)
                return AL_ENOMEM;
            m->word_a = wa;
            if ((wb = realloc(m->word_b, cap * sizeof(*wb))) == NULL)
                return AL_ENOMEM;
            m->word_b = wb;
            m->cap = cap;
        }
        m->word_a[m->words] = a;
        m->word_b[m->words++] = i;
    }
    return 0;
}

void
al__scan_provenance(struct al__scan_ctx *c, const char *s, size_t n)
{
    const struct al_scan_index *ix = c->o->workspace;
    const struct al__view *v;
    struct match m;
    size_t i, j, copied = 0, a, b, start, end, top_words = 0;
    uint32_t top = 0, f;
    size_t per_file_cap = 0;
    size_t *per_file = NULL;

    if (ix == NULL || c->depth > 0 || c->o->direction != AL_SCAN_OUT || ix->entries == 0)
        return;
    if ((v = al__scan_fold(c, s, n)) == NULL)
        return;
    memset(&m, 0, sizeof(m));
    m.ix = ix;
    if (words_of(&m, v->s, v->n) != 0 ||
        (m.words && (m.word_file = calloc(m.words, sizeof(*m.word_file))) == NULL) ||
        (per_file_cap = ix->n_names) == 0 ||
        (per_file = calloc(per_file_cap, sizeof(*per_file))) == NULL) {
        c->failed = 1;
        goto out;
    }
    if (shingles(v->s, v->n, find_shingle, &m) != 0) {
        c->failed = 1;
        goto out;
    }
    /*
     * Winnowing keeps about one shingle in five, so a copied passage shows as hits up to
     * WINDOW words apart: a gap shorter than that between two hits from the same file is
     * counted as copied too.
     */
    for (i = 0; i < m.words; i = j) {
        if ((f = m.word_file[i]) == 0) {
            j = i + 1;
            continue;
        }
        for (j = i + 1; j < m.words; j++) {
            size_t k;

            if (m.word_file[j] == f)
                continue;
            for (k = j; k < m.words && k < j + WINDOW && m.word_file[k] != f; k++)
                ;
            if (k < m.words && k < j + WINDOW && m.word_file[k] == f) {
                while (j < k)
                    m.word_file[j++] = f;
                continue;
            }
            break;
        }
        /* Words i..j-1 come from file f. */
        copied += j - i;
        per_file[f - 1] += j - i;
        al__view_range(v, m.word_a[i], m.word_b[j - 1], &start, &end);
        al__scan_add(c, "provenance.copied", j - i >= COPIED_HIGH ? AL_SEV_HIGH : AL_SEV_INFO,
                     start, end, NULL, 0, "%zu words copied verbatim from the workspace file %s",
                     j - i, ix->names[f - 1]);
    }
    if (copied == 0)
        goto out;
    for (i = 0; i < ix->n_names; i++)
        if (per_file[i] > top_words) {
            top_words = per_file[i];
            top = (uint32_t)i;
        }
    a = 0;
    b = n;
    al__scan_add(c, "provenance", copied >= COPIED_HIGH ? AL_SEV_HIGH : AL_SEV_INFO, a, b, NULL, 0,
                 "%zu of the plan's %zu words (%zu%%) are copied verbatim from workspace files, "
                 "most (%zu words) from %s%s",
                 copied, m.words, copied * 100 / (m.words ? m.words : 1), top_words, ix->names[top],
                 ix->truncated ? " (the index is truncated: there may be more)" : "");
out:
    free(per_file);
    free(m.word_file);
    free(m.word_a);
    free(m.word_b);
}
